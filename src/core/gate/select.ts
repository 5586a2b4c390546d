import { configForImage, imageEntries, selectImages } from '../config/images';
import type { ReleaseOperatorConfig } from '../config/schema';
import { usageError } from '../errors';
import type { LocalImage } from './types';

/** A configured image a face works on: its name, its repository and the configuration it is checked with. */
export interface ChosenImage {
  name: string;
  image: string;
  config: ReleaseOperatorConfig;
}

/**
 * The images a face works on: the one `flag` names (--image NAME, the Action's image input), else all of them. A
 * single-image configuration takes the flag as the repository, as it always did (else "image", else the one
 * inferred from GitHub). `option` and `verb` make the message the face's own ("--image", "gate").
 */
export function chooseImages(
  config: ReleaseOperatorConfig,
  flag: string | undefined,
  inferred: string | undefined,
  words: { option: string; verb: string } = { option: '--image', verb: 'check' },
): ChosenImage[] {
  const all = imageEntries(config);
  const named = flag !== undefined && all.some((e) => e.name === flag);
  if (flag !== undefined && !named && all.length > 1)
    throw usageError(
      `'${flag}' is not one of the configured images (${all.map((e) => e.name).join(', ')}).`,
      `Set ${words.option} to the name of one of them, or leave it out to ${words.verb} every image.`,
    );
  return selectImages(config, named ? flag : undefined).map((entry) => {
    const image = named || all.length > 1 ? entry.image || inferred : (flag ?? inferred);
    if (!image)
      throw usageError(
        'No image repository.',
        `Set ${words.option} to REGISTRY/REPO or "image" in release-operator.json.`,
      );
    return { name: entry.name, image, config: configForImage(config, entry) };
  });
}

/** A local image for one platform, and the configured image it belongs to when the text names one. */
export type NamedLocalImage = LocalImage & { image?: string };

/** [IMAGE:]PLATFORM=REF, or REF alone (its platform read from the image); IMAGE is a configured image's name. */
export function parseLocalImage(text: string, names: readonly string[], option = '--local'): NamedLocalImage {
  const m = /^(?:([a-z0-9][a-z0-9._-]*):)?([a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?)=(.+)$/.exec(text.trim());
  if (m && m[1] && !names.includes(m[1]))
    throw usageError(
      `${option} names the image '${m[1]}', which is not configured.`,
      `The images: ${names.join(', ')}.`,
    );
  if (m) return { image: m[1], platform: m[2], reference: m[3] };
  if (!text.trim() || text.includes('='))
    throw usageError(
      `${option} expects [IMAGE:]PLATFORM=REF or REF, not '${text}'.`,
      'For example linux/arm64=app:arm64, or worker:linux/arm64=worker:arm64 with several images.',
    );
  return { reference: text.trim() };
}

/**
 * Each chosen image's local images: those that name it (IMAGE:PLATFORM=REF), or all of them when one image is
 * chosen and they name none. Undefined for an image when none were given (the candidate flow, other stages).
 */
export function localsByImage(
  locals: readonly NamedLocalImage[],
  chosen: readonly Pick<ChosenImage, 'name'>[],
  option = '--local',
): Map<string, LocalImage[] | undefined> {
  const unknown = locals.find((l) => l.image && !chosen.some((e) => e.name === l.image));
  if (unknown)
    throw usageError(
      `${option} names the image '${unknown.image}', which is not gated in this run (${chosen.map((e) => e.name).join(', ')}).`,
    );
  if (chosen.length > 1 && locals.some((l) => !l.image))
    throw usageError(
      `With several images, each ${option} entry must say its image: NAME:PLATFORM=REF.`,
      `The images: ${chosen.map((e) => e.name).join(', ')}.`,
    );
  const given = locals.some((l) => l.image || chosen.length === 1);
  return new Map(
    chosen.map((e) => [
      e.name,
      given
        ? locals
            .filter((l) => !l.image || l.image === e.name)
            .map(({ platform, reference }) => ({ platform, reference }))
        : undefined,
    ]),
  );
}

/**
 * Inputs that name one image's references (--reference, --candidate): with several images chosen they would be
 * checked as every image's, so they need the image named. `given` maps each such option, as the face calls it,
 * to whether it was given.
 */
export function refuseSharedReferences(
  chosen: readonly Pick<ChosenImage, 'name'>[],
  given: Record<string, boolean>,
  option = '--image NAME',
): void {
  const shared = Object.entries(given).find(([, on]) => on)?.[0];
  if (chosen.length > 1 && shared)
    throw usageError(
      `${shared} names one image's references, and ${chosen.length} images are chosen (${chosen.map((c) => c.name).join(', ')}).`,
      `Name the image (${option}), one run per image.`,
    );
}
