import { usageError } from '../errors';
import type { ImageEntryInput, ReleaseOperatorConfig } from './schema';

/** One image the repository publishes, whole: what its entry leaves out comes from the top-level keys. */
export interface ImageEntry {
  name: string;
  /** registry/repository; '' only for the one image of a single-image configuration (then inferred from GitHub). */
  image: string;
  dockerfile: string;
  context: string;
  requiredPlatforms: string[];
  smoke: ReleaseOperatorConfig['smoke'];
  tags: ReleaseOperatorConfig['tags'];
  glibc: ReleaseOperatorConfig['glibc'];
}

/** The name of the one image of a single-image configuration: its repository's last part, else "image". */
const singleName = (image: string) => image.split('/').at(-1)?.split(/[:@]/)[0] || 'image';

/**
 * The images of a configuration, each whole. No `images` list: one image from the top-level keys (image,
 * requiredPlatforms, smoke, tags, glibc), so a single-image configuration reads as it always did.
 */
export function imageEntries(config: ReleaseOperatorConfig): ImageEntry[] {
  if (!config.images?.length)
    return [
      {
        name: singleName(config.image),
        image: config.image,
        dockerfile: config.smoke.dockerfile,
        context: config.smoke.context,
        requiredPlatforms: [...config.requiredPlatforms],
        smoke: structuredClone(config.smoke),
        tags: { ...config.tags },
        glibc: structuredClone(config.glibc),
      },
    ];
  return config.images.map((e: ImageEntryInput) => {
    const smoke = { ...structuredClone(config.smoke), ...structuredClone(e.smoke ?? {}) };
    const dockerfile = e.dockerfile ?? e.smoke?.dockerfile ?? config.smoke.dockerfile;
    const context = e.context ?? e.smoke?.context ?? config.smoke.context;
    return {
      name: e.name,
      image: e.image ?? '',
      dockerfile,
      context,
      requiredPlatforms: [...(e.requiredPlatforms ?? config.requiredPlatforms)],
      smoke: { ...smoke, dockerfile, context },
      tags: { ...config.tags, ...(e.tags ?? {}) },
      glibc: { ...structuredClone(config.glibc), ...structuredClone(e.glibc ?? {}) },
    };
  });
}

/**
 * The configuration one image is checked with: the top-level keys the engines read (image, requiredPlatforms,
 * smoke, tags, glibc) are that image's, so every command works on one image as it did on the only one.
 */
export function configForImage(config: ReleaseOperatorConfig, entry: ImageEntry): ReleaseOperatorConfig {
  return {
    ...config,
    image: entry.image,
    requiredPlatforms: [...entry.requiredPlatforms],
    smoke: structuredClone(entry.smoke),
    tags: { ...entry.tags },
    glibc: structuredClone(entry.glibc),
    images: [{ ...entry }],
  };
}

/** The images a command works on: the one named (--image NAME), else all of them. */
export function selectImages(config: ReleaseOperatorConfig, name?: string): ImageEntry[] {
  const all = imageEntries(config);
  if (name === undefined) return all;
  const found = all.find((e) => e.name === name);
  if (!found)
    throw usageError(
      `There is no image named '${name}' in the configuration.`,
      `Pick one of: ${all.map((e) => e.name).join(', ')} (the "images" list of release-operator.json).`,
    );
  return [found];
}

/**
 * The configured image a reference belongs to: the one named (--image NAME), else the one whose repository the
 * reference names, else the only one; undefined when several are configured and none matches.
 */
export function imageOfReference(
  config: ReleaseOperatorConfig,
  name: string | undefined,
  reference: string | undefined,
): ImageEntry | undefined {
  if (name !== undefined) return selectImages(config, name)[0];
  const all = imageEntries(config);
  const repo = reference?.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return all.find((e) => e.image && e.image === repo) ?? (all.length === 1 ? all[0] : undefined);
}
