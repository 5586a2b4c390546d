import type { GitHubClient, RepoRef } from './client';
import { getRun, listJobs } from './runs';
import type { Job, JobStep, WorkflowRun } from './types';

/** What a follower reports, in order, as a run moves (see index.ts for how the faces use it). */
export type RunEvent =
  | { type: 'run'; run: WorkflowRun; previous?: WorkflowRun }
  | { type: 'job'; job: Job; previous?: Job }
  | { type: 'step'; job: Job; step: JobStep; previous?: JobStep }
  | { type: 'wait'; ms: number; reason: 'interval' | 'rate-limit' };

export interface FollowOptions {
  /** Stop following (the view closed, Ctrl-C): the promise rejects with CancelledError. */
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** First poll interval (ms). Default 3 s. */
  intervalMs?: number;
  /** Interval ceiling while nothing changes (ms). Default 30 s. */
  maxIntervalMs?: number;
  /** Below this many remaining requests, wait for the rate limit to reset (bounded by maxRateLimitWaitMs). */
  lowRateLimit?: number;
  maxRateLimitWaitMs?: number;
}

export interface RunSnapshot {
  run: WorkflowRun;
  jobs: Job[];
}

const changed = (
  a: { status: string; conclusion: string | null } | undefined,
  b: { status: string; conclusion: string | null },
) => !a || a.status !== b.status || a.conclusion !== b.conclusion;

/**
 * Polls a run until it completes. The interval starts modest and backs off (x1.5) while nothing changes, resets
 * when something does, and stretches to the rate-limit reset when few requests are left.
 */
export async function followRun(
  gh: GitHubClient,
  repo: RepoRef,
  runId: number,
  o: FollowOptions = {},
): Promise<RunSnapshot> {
  const start = o.intervalMs ?? 3000;
  const max = o.maxIntervalMs ?? 30_000;
  let interval = start;
  let prevRun: WorkflowRun | undefined;
  const prevJobs = new Map<number, Job>();
  for (;;) {
    const run = await getRun(gh, repo, runId, o.signal);
    const jobs = await listJobs(gh, repo, runId, o.signal);
    let moved = false;
    if (changed(prevRun, run)) {
      o.onEvent?.({ type: 'run', run, previous: prevRun });
      moved = true;
    }
    for (const job of jobs) {
      const before = prevJobs.get(job.id);
      if (changed(before, job)) {
        o.onEvent?.({ type: 'job', job, previous: before });
        moved = true;
      }
      for (const step of job.steps) {
        const was = before?.steps.find((s) => s.number === step.number);
        if (changed(was, step) && (was || step.status !== 'queued')) {
          o.onEvent?.({ type: 'step', job, step, previous: was });
          moved = true;
        }
      }
      prevJobs.set(job.id, job);
    }
    prevRun = run;
    if (run.status === 'completed') return { run, jobs };

    interval = moved ? start : Math.min(max, Math.round(interval * 1.5));
    let wait = interval;
    let reason: 'interval' | 'rate-limit' = 'interval';
    const { remaining, resetAt } = gh.rateLimit;
    if (remaining !== undefined && resetAt !== undefined && remaining < (o.lowRateLimit ?? 20)) {
      wait = Math.min(Math.max(wait, resetAt - gh.now() + 1000), o.maxRateLimitWaitMs ?? 15 * 60_000);
      reason = 'rate-limit';
    }
    o.onEvent?.({ type: 'wait', ms: wait, reason });
    await gh.sleep(wait, o.signal);
  }
}
