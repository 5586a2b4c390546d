import type { Logger } from '../log';
import type { Runner } from '../process/run';
import {
  DockerClient,
  PRODUCT_LABEL,
  SMOKE_RUN_LABEL,
  activeRunIds,
  engineKey,
  removeLabelled,
  serverVersion,
  type CleanupResult,
  type EngineSpec,
} from '../container';

export type SmokeCleanupResult = CleanupResult;

/**
 * Removes containers and temporary images left behind by runs that could not clean up (a crash, a kill -9, a
 * daemon that stopped mid-run): every one carrying the product label, or only those of one run id. What belongs
 * to a run still in progress on this machine (another window's smoke run) is left alone and listed as spared,
 * unless `force`. With `engines` (config engines), the default engine and every configured one are swept: a
 * container is removed on the engine that started it.
 */
export async function cleanupSmoke(opts: {
  runner: Runner;
  dockerPath: string;
  runId?: string;
  force?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  activeRunsDir?: string;
  engines?: Readonly<Record<string, EngineSpec>>;
}): Promise<SmokeCleanupResult> {
  const docker = new DockerClient({ runner: opts.runner, dockerPath: opts.dockerPath, logger: opts.logger });
  const specs = new Map<string, EngineSpec | undefined>([['', undefined]]);
  for (const spec of Object.values(opts.engines ?? {})) specs.set(engineKey(spec), spec);
  const results = await Promise.all(
    [...specs.values()].map(async (spec) => {
      const client = docker.forEngine(spec);
      await client.exec(serverVersion(), { signal: opts.signal });
      const filter = opts.runId ? `${SMOKE_RUN_LABEL}=${opts.runId}` : `${PRODUCT_LABEL}=1`;
      return removeLabelled(client, filter, opts.signal, {
        activeRuns: opts.force ? undefined : () => activeRunIds(opts.activeRunsDir),
      });
    }),
  );
  return {
    containers: results.flatMap((r) => r.containers),
    images: results.flatMap((r) => r.images),
    spared: {
      containers: results.flatMap((r) => r.spared.containers),
      images: results.flatMap((r) => r.spared.images),
    },
  };
}
