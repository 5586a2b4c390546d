import type { ReleaseOperatorConfig } from '../config/schema';
import type { ReadinessReport } from '../report';
import { combineImageReports } from '../report';
import { readiness, type ReadinessRequest } from './readiness';
import type { GateDeps } from './types';

/** One image's readiness: its request and the configuration that image is checked with (configForImage). */
export interface ImageReadiness {
  name: string;
  request: ReadinessRequest;
  config: ReleaseOperatorConfig;
}

/**
 * Is this version ready, over several images: each image's readiness as it would be alone, one after the other,
 * and their rows as one report whose subjects say the image, as the gate over several images says them. One
 * image: its own report, rows as they always were.
 */
export async function readinessForImages(
  images: readonly ImageReadiness[],
  deps: Omit<GateDeps, 'config'>,
): Promise<ReadinessReport> {
  const done: Array<{ name: string; report: ReadinessReport }> = [];
  for (const image of images) {
    deps.signal?.throwIfAborted();
    done.push({ name: image.name, report: await readiness(image.request, { ...deps, config: image.config }) });
  }
  return done.length === 1 ? done[0].report : combineImageReports(done, deps.now);
}
