import { configForImage, type ImageEntry } from '../config/images';
import type { ReleaseOperatorConfig } from '../config/schema';
import { usageError } from '../errors';
import { checkGlibc, type GlibcCheckDeps, type GlibcCheckRequest, type GlibcReport } from '../glibc';
import type { RegistryClient } from '../registry';
import { versionReference } from './plan';

/** One image's glibc check: what was read, with which image's settings, and why that reference. */
export interface ImageGlibc {
  name: string;
  target: string;
  /** How the target was chosen: "given", or "the published image of 1.2.3". */
  from: string;
  /** The settings it was held to (the image's own glibc keys, else the top-level ones). */
  maxGlibc?: string;
  policy?: string;
  report: GlibcReport;
}

/** Flags over the image's own settings: --max-glibc or --policy replaces both of its keys. */
function glibcLimits(
  own: ReleaseOperatorConfig['glibc'],
  flags: { maxGlibc?: string; policy?: string },
): { maxGlibc?: string; policy?: string } {
  if (flags.maxGlibc || flags.policy) return { maxGlibc: flags.maxGlibc, policy: flags.policy };
  return { maxGlibc: own.maxGlibc || undefined, policy: own.policy || undefined };
}

/**
 * glibc over configured images: the reference given (checked with its image's settings), or with none every image
 * selected at the version's tag (IMAGE:v1.2.3 as the registry's tag scheme has it), one after the other, each
 * held to its own glibc settings. A reference of no configured image is held to the top-level settings.
 */
export async function checkImagesGlibc(
  req: {
    config: ReleaseOperatorConfig;
    images: readonly ImageEntry[];
    target?: string;
    /** The repository of an image whose entry names none (a single-image configuration inferred from GitHub). */
    fallbackImage?: string;
    version?: string;
    flags: { maxGlibc?: string; policy?: string };
    request: Omit<GlibcCheckRequest, 'target' | 'maxGlibc' | 'policy' | 'paths'>;
  },
  deps: GlibcCheckDeps & { registry: RegistryClient },
): Promise<ImageGlibc[]> {
  const plan: Array<{ name: string; target: string; from: string; glibc: ReleaseOperatorConfig['glibc'] }> = [];
  if (req.target !== undefined) {
    const entry = req.images.length === 1 ? req.images[0] : undefined;
    const glibc = entry ? configForImage(req.config, entry).glibc : req.config.glibc;
    plan.push({ name: entry?.name ?? '', target: req.target, from: 'given', glibc });
  } else {
    if (!req.version)
      throw usageError(
        'glibc needs a TARGET, or a version whose published images to check.',
        'Pass an image reference (release-operator glibc ghcr.io/o/n:1.2.3), or tag the repository with its version.',
      );
    for (const entry of req.images) {
      const image = entry.image || req.fallbackImage;
      if (!image)
        throw usageError(
          `No image repository for ${entry.name}.`,
          'Set "image" in release-operator.json, or pass the reference to check.',
        );
      const own = configForImage(req.config, entry);
      const target = await versionReference(image, req.version, own.tags, deps.registry, deps.signal);
      plan.push({ name: entry.name, target, from: `the published image of ${req.version}`, glibc: own.glibc });
    }
  }
  const out: ImageGlibc[] = [];
  for (const p of plan) {
    const limits = glibcLimits(p.glibc, req.flags);
    const report = await checkGlibc({ ...req.request, target: p.target, ...limits, paths: p.glibc.paths }, deps);
    out.push({ name: p.name, target: p.target, from: p.from, ...limits, report });
  }
  return out;
}
