import type { ReleaseOperatorConfig } from '../config/schema';
import { combineImageReports, type CheckResult } from '../report';
import { repositoryLintRow } from './checks/lint';
import { stageContext } from './guard';
import { runGate } from './run';
import type { GateDeps, GateRequest, GateResult } from './types';

/** One image's stage: its request, and the configuration that image is checked with (configForImage). */
export interface ImageGate {
  name: string;
  request: GateRequest;
  config: ReleaseOperatorConfig;
}

/**
 * One stage over several images (a monorepo's app and worker): each image's stage runs as it would alone, one
 * after the other (each smoke run already uses the engines side by side), and their rows make one readiness report
 * whose subjects say the image ("worker linux/arm64"). One image: its own report, rows as they always were.
 */
export async function runGateForImages(
  images: readonly ImageGate[],
  deps: Omit<GateDeps, 'config'> & { repositoryConfig?: ReleaseOperatorConfig },
): Promise<GateResult & { images: Array<{ name: string; result: GateResult }> }> {
  if (images.length === 1) {
    const [only] = images;
    const result = await runGate(only.request, { ...deps, config: only.config });
    return { ...result, images: [{ name: only.name, result }] };
  }
  // The workflows belong to the repository: linted once (one row), each image's Dockerfile in that image's rows.
  const stage = images[0].request;
  const lintOnce = stage.stage === 'pre-push' && !(stage.skip ?? []).includes('lint');
  const lint = lintOnce ? [await repositoryLint(images, stage, deps)] : [];
  const done: Array<{ name: string; result: GateResult }> = [];
  for (const image of images) {
    const request: GateRequest = lintOnce ? { ...image.request, lintScope: 'image-dockerfile' } : image.request;
    done.push({ name: image.name, result: await runGate(request, { ...deps, config: image.config }) });
  }
  const report = combineImageReports(
    done.map(({ name, result }) => ({ name, report: result.report })),
    deps.now,
    lint,
  );
  const records = done.flatMap((d) => (d.result.recordPath ? [d.result.recordPath] : []));
  return {
    report,
    platformDigests: Object.fromEntries(
      done.flatMap(({ name, result }) => Object.entries(result.platformDigests).map(([p, d]) => [`${name} ${p}`, d])),
    ),
    recordPath: records.length ? records.join(', ') : undefined,
    images: done,
  };
}

/** The repository's lint row for several images, under the stage's deadline (the repository's own settings). */
export async function repositoryLint(
  images: readonly Pick<ImageGate, 'config'>[],
  req: Pick<GateRequest, 'root' | 'repository' | 'timeoutSeconds' | 'graceMs'>,
  deps: Omit<GateDeps, 'config'> & { repositoryConfig?: ReleaseOperatorConfig },
): Promise<CheckResult> {
  const ctx = stageContext(
    { ...deps, config: deps.repositoryConfig ?? images[0].config },
    req.timeoutSeconds,
    req.graceMs,
  );
  try {
    return await repositoryLintRow(
      req,
      ctx,
      images.map((i) => i.config.smoke.dockerfile),
    );
  } finally {
    ctx.dispose();
  }
}
