import { usageError } from '../errors';
import { LIMITS, limitError } from '../limits';
import { list, num, obj, str } from '../untrusted';
import type { GitHubClient, RepoRef } from './client';
import { mapJob, mapRun } from './map';
import type { Job, WorkflowRun } from './types';

const slug = (r: RepoRef) => `${r.owner}/${r.name}`;
const base = (r: RepoRef) => ({ owner: r.owner, repo: r.name });

export interface ListRunsOptions {
  /** Workflow file name (release.yml) or ID; all workflows when absent. */
  workflow?: string | number;
  branch?: string;
  event?: string;
  actor?: string;
  /** GitHub search syntax, e.g. ">=2024-01-01T00:00:00Z". */
  created?: string;
  perPage?: number;
  signal?: AbortSignal;
}

export async function listRuns(gh: GitHubClient, repo: RepoRef, o: ListRunsOptions = {}): Promise<WorkflowRun[]> {
  const q: Record<string, unknown> = { ...base(repo), per_page: o.perPage ?? 20 };
  if (o.branch) q.branch = o.branch;
  if (o.event) q.event = o.event;
  if (o.actor) q.actor = o.actor;
  if (o.created) q.created = o.created;
  const { data } =
    o.workflow !== undefined
      ? await gh.call(
          'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
          { ...q, workflow_id: o.workflow },
          `list the runs of ${o.workflow} in ${slug(repo)}`,
          'repo',
          o.signal,
        )
      : await gh.call(
          'GET /repos/{owner}/{repo}/actions/runs',
          q,
          `list the workflow runs of ${slug(repo)}`,
          'repo',
          o.signal,
        );
  return list(obj(data).workflow_runs).map(mapRun);
}

export async function getRun(
  gh: GitHubClient,
  repo: RepoRef,
  runId: number,
  signal?: AbortSignal,
): Promise<WorkflowRun> {
  const { data } = await gh.call(
    'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
    { ...base(repo), run_id: runId },
    `read run ${runId} of ${slug(repo)}`,
    'repo',
    signal,
  );
  return mapRun(data);
}

/** Jobs of a run's latest attempt, every page. */
export async function listJobs(gh: GitHubClient, repo: RepoRef, runId: number, signal?: AbortSignal): Promise<Job[]> {
  const jobs: Job[] = [];
  const pages = LIMITS.githubListPages.default;
  for (let page = 1; page <= pages; page++) {
    const { data } = await gh.call(
      'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
      { ...base(repo), run_id: runId, filter: 'latest', per_page: 100, page },
      `list the jobs of run ${runId} in ${slug(repo)}`,
      'repo',
      signal,
    );
    const answer = obj(data);
    const items = list(answer.jobs);
    jobs.push(...items.map(mapJob));
    if (jobs.length >= num(answer.total_count) || items.length < 100) break;
    if (page === pages) throw limitError('githubListPages', pages, `Run ${runId} has more than ${jobs.length} jobs`);
  }
  return jobs;
}

export async function getJob(gh: GitHubClient, repo: RepoRef, jobId: number, signal?: AbortSignal): Promise<Job> {
  const { data } = await gh.call(
    'GET /repos/{owner}/{repo}/actions/jobs/{job_id}',
    { ...base(repo), job_id: jobId },
    `read job ${jobId} of ${slug(repo)}`,
    'repo',
    signal,
  );
  return mapJob(data);
}

/** Re-runs a whole run, or only its failed jobs (and what they depend on). */
export async function rerunRun(
  gh: GitHubClient,
  repo: RepoRef,
  runId: number,
  failedOnly: boolean,
  signal?: AbortSignal,
): Promise<void> {
  const run = await getRun(gh, repo, runId, signal);
  if (run.status !== 'completed')
    throw usageError(
      `Run ${runId} is still ${run.status}; only a completed run can be re-run.`,
      `Wait for it, or cancel it first: cancel ${runId}.`,
    );
  if (failedOnly && !['failure', 'cancelled', 'timed_out', 'startup_failure'].includes(run.conclusion ?? '')) {
    throw usageError(
      `Run ${runId} has no failed jobs (it concluded ${run.conclusion}).`,
      `Re-run it whole: rerun ${runId}.`,
    );
  }
  const route = failedOnly
    ? 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs'
    : 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun';
  await gh.call(
    route,
    { ...base(repo), run_id: runId },
    `re-run ${failedOnly ? 'the failed jobs of ' : ''}run ${runId} of ${slug(repo)}`,
    'repo',
    signal,
  );
}

export async function cancelRun(gh: GitHubClient, repo: RepoRef, runId: number, signal?: AbortSignal): Promise<void> {
  const run = await getRun(gh, repo, runId, signal);
  if (run.status === 'completed')
    throw usageError(`Run ${runId} already completed (${run.conclusion}); there is nothing to cancel.`);
  await gh.call(
    'POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel',
    { ...base(repo), run_id: runId },
    `cancel run ${runId} of ${slug(repo)}`,
    'repo',
    signal,
  );
}

export async function defaultBranch(gh: GitHubClient, repo: RepoRef, signal?: AbortSignal): Promise<string> {
  const { data } = await gh.call('GET /repos/{owner}/{repo}', base(repo), `read ${slug(repo)}`, 'repo', signal);
  return str(obj(data).default_branch);
}
