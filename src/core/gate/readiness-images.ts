import type { ReleaseOperatorConfig } from '../config/schema';
import type { ReadinessReport } from '../report';
import { combineImageReports } from '../report';
import { stageContext } from './guard';
import { repositoryLint } from './images';
import { readiness, releaseRunRow, type ReadinessRequest } from './readiness';
import type { GateDeps } from './types';

/** One image's readiness: its request and the configuration that image is checked with (configForImage). */
export interface ImageReadiness {
  name: string;
  request: ReadinessRequest;
  config: ReleaseOperatorConfig;
}

/**
 * Is this version ready, over several images: the repository's own rows once, with no image in them (pipeline
 * lint of the workflows and of Dockerfiles no image claims, the latest release run), then each image's rows (its
 * Dockerfile's lint, platforms, labels, tags, glibc, smoke, audit) with subjects that say the image, as the gate
 * over several images says them. One image: its own report, rows as they always were.
 */
export async function readinessForImages(
  images: readonly ImageReadiness[],
  deps: Omit<GateDeps, 'config'> & { repositoryConfig?: ReleaseOperatorConfig },
): Promise<ReadinessReport> {
  if (images.length === 1) return readiness(images[0].request, { ...deps, config: images[0].config });
  const first = images[0].request;
  const timeoutSeconds = first.timeoutSeconds ?? 600;
  const ctx = stageContext({ ...deps, config: deps.repositoryConfig ?? images[0].config }, timeoutSeconds);
  try {
    const run = releaseRunRow(first, ctx);
    const lint = repositoryLint(images, { ...first, timeoutSeconds }, deps);
    // Awaited after the images; a cancel meanwhile must not leave them as unhandled rejections.
    for (const p of [run, lint]) p.catch(() => undefined);
    const done: Array<{ name: string; report: ReadinessReport }> = [];
    for (const image of images) {
      deps.signal?.throwIfAborted();
      done.push({
        name: image.name,
        report: await readiness({ ...image.request, part: 'image' }, { ...deps, config: image.config }),
      });
    }
    return combineImageReports(done, () => ctx.now(), [await lint, await run]);
  } finally {
    ctx.dispose();
  }
}
