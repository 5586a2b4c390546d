import type { Logger } from '../log';
import type { Runner } from '../process/run';
import {
  DockerClient,
  PRODUCT_LABEL,
  SMOKE_RUN_LABEL,
  activeRunIds,
  removeLabelled,
  serverVersion,
  type CleanupResult,
} from '../container';

export type SmokeCleanupResult = CleanupResult;

/**
 * Removes containers and temporary images left behind by runs that could not clean up (a crash, a kill -9, a
 * daemon that stopped mid-run): every one carrying the product label, or only those of one run id. What belongs
 * to a run still in progress on this machine (another window's smoke run) is left alone and listed as spared,
 * unless `force`.
 */
export async function cleanupSmoke(opts: {
  runner: Runner;
  dockerPath: string;
  runId?: string;
  force?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  activeRunsDir?: string;
}): Promise<SmokeCleanupResult> {
  const docker = new DockerClient({ runner: opts.runner, dockerPath: opts.dockerPath, logger: opts.logger });
  await docker.exec(serverVersion(), { signal: opts.signal });
  return removeLabelled(docker, opts.runId ? `${SMOKE_RUN_LABEL}=${opts.runId}` : `${PRODUCT_LABEL}=1`, opts.signal, {
    activeRuns: opts.force ? undefined : () => activeRunIds(opts.activeRunsDir),
  });
}
