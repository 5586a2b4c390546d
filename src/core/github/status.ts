import type { ReleaseOperatorConfig } from '../config/schema';
import { describeError } from '../errors';
import type { GitHubClient, RepoRef } from './client';
import { listReleases } from './releases';
import { listRuns } from './runs';
import type { Release, WorkflowRun } from './types';
import { guessReleaseWorkflow, readWorkflowFiles } from './workflows';

/** The GitHub facts `status` shows, or why they are missing (no token, GitHub unreachable): never fatal. */
export type GitHubStatus =
  | { releases: Release[]; releaseWorkflow?: { file: string; reason: string }; latestReleaseRun?: WorkflowRun }
  | { error: string };

export async function githubStatus(
  connect: () => Promise<{ gh: GitHubClient; repo: RepoRef }>,
  root: string,
  config: ReleaseOperatorConfig,
  signal?: AbortSignal,
): Promise<GitHubStatus> {
  try {
    const { gh, repo } = await connect();
    const guess = guessReleaseWorkflow(await readWorkflowFiles(root), config.github.releaseWorkflow);
    const [releases, runs] = await Promise.all([
      listReleases(gh, repo, signal),
      guess.workflow ? listRuns(gh, repo, { workflow: guess.workflow.file, perPage: 1, signal }) : Promise.resolve([]),
    ]);
    return {
      releases: releases.slice(0, 5),
      releaseWorkflow: guess.workflow ? { file: guess.workflow.file, reason: guess.reason } : undefined,
      latestReleaseRun: runs[0],
    };
  } catch (e) {
    return { error: describeError(e).replace(/\n\s*/g, ' ') };
  }
}
