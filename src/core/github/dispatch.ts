import { environmentError } from '../errors';
import { obj, optNum, optStr } from '../untrusted';
import type { GitHubClient, RepoRef } from './client';
import { getRun, listRuns } from './runs';
import type { WorkflowRun } from './types';

export interface DispatchOptions {
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
  signal?: AbortSignal;
  /** How long to look for the run when GitHub does not say which one it started (ms). Default 60 s. */
  findTimeoutMs?: number;
}

export interface DispatchResult {
  run: WorkflowRun;
  /** How the run was found: GitHub said so (return_run_details), or it was matched by workflow/ref/actor/time. */
  foundBy: 'run-details' | 'matched';
}

/**
 * Triggers workflow_dispatch and finds the run it started. GitHub (since 2025) returns the run's ID when asked
 * with `return_run_details`; older servers (GitHub Enterprise) answer 204, and then the run is matched: same
 * workflow, event workflow_dispatch, the ref as branch, the token's user as actor, created after the dispatch.
 */
export async function dispatchWorkflow(gh: GitHubClient, repo: RepoRef, o: DispatchOptions): Promise<DispatchResult> {
  const slug = `${repo.owner}/${repo.name}`;
  const since = gh.now() - 5_000;
  const send = (details: boolean) =>
    gh.call(
      'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
      {
        owner: repo.owner,
        repo: repo.name,
        workflow_id: o.workflow,
        ref: o.ref,
        inputs: o.inputs,
        ...(details ? { return_run_details: true } : {}),
      },
      `dispatch ${o.workflow} on ${o.ref} in ${slug}`,
      'workflow',
      o.signal,
    );
  // GitHub Enterprise Server (3.17 and older) does not know return_run_details and may refuse the key (422).
  const res = await send(true).catch((e) => {
    if (/return_run_details/.test((e as Error).message)) return send(false);
    throw e;
  });
  const id = optNum(obj(res.data).workflow_run_id);
  if (res.status === 200 && id) return { run: await getRun(gh, repo, id, o.signal), foundBy: 'run-details' };

  const { data: user } = await gh.call('GET /user', {}, "read the token's user", 'repo', o.signal);
  const login = optStr(obj(user).login);
  const deadline = gh.now() + (o.findTimeoutMs ?? 60_000);
  for (let wait = 1000; ; wait = Math.min(wait * 2, 8000)) {
    const runs = await listRuns(gh, repo, {
      workflow: o.workflow,
      event: 'workflow_dispatch',
      branch: o.ref.replace(/^refs\/(heads|tags)\//, ''),
      actor: login,
      created: `>=${new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
      signal: o.signal,
    });
    const mine = runs
      .filter((r) => Date.parse(r.createdAt) >= since)
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    if (mine.length) return { run: mine[0], foundBy: 'matched' };
    if (gh.now() + wait > deadline) {
      throw environmentError(
        `Dispatched ${o.workflow} on ${o.ref}, but its run did not show up within ${Math.round((o.findTimeoutMs ?? 60_000) / 1000)} s.`,
        `Look for it with: runs --workflow ${o.workflow}`,
      );
    }
    await gh.sleep(wait, o.signal);
  }
}
