import {
  durationSeconds,
  type GitHubStatus,
  type Job,
  type Release,
  type RunEvent,
  type WorkflowRun,
} from '../../core/github';
import { neutralize as n } from '../../core/neutralize';

/** Names, branches and states come from GitHub and the workflow's author: one line each, no control codes. */
const state = (x: { status: string; conclusion: string | null }) =>
  n(x.status === 'completed' ? (x.conclusion ?? 'completed') : x.status);
const secs = (s?: number) =>
  s === undefined ? '' : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;

export function formatRuns(runs: WorkflowRun[]): string {
  if (!runs.length) return 'No workflow runs.';
  const rows = runs.map((r) => [
    String(r.id),
    state(r),
    n(r.name),
    n(r.branch ?? ''),
    n(r.event),
    n(r.createdAt.replace('T', ' ').replace('Z', '')),
  ]);
  const head = ['ID', 'STATE', 'WORKFLOW', 'BRANCH', 'EVENT', 'CREATED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatRun(run: WorkflowRun, jobs: Job[]): string {
  const lines = [
    `Run ${run.id}  ${n(run.name)} #${run.runNumber}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}`,
    `State     ${state(run)}`,
    `Trigger   ${n(run.event)} on ${n(run.branch ?? '?')} at ${n(run.headSha.slice(0, 12))}${run.actor ? ` by ${n(run.actor)}` : ''}`,
    `URL       ${n(run.url)}`,
  ];
  for (const j of jobs) {
    lines.push(
      `  job ${j.id}  ${n(j.name)}  ${state(j)}  ${secs(durationSeconds(j.startedAt, j.completedAt))}`.trimEnd(),
    );
    for (const s of j.steps)
      lines.push(
        `    ${String(s.number).padStart(2)}. ${n(s.name)}  ${state(s)}  ${secs(durationSeconds(s.startedAt, s.completedAt))}`.trimEnd(),
      );
  }
  return lines.join('\n');
}

/** One line of progress per event while following a run (stderr, so stdout keeps the final result). */
export function formatEvent(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'run':
      return `run ${e.run.id}: ${state(e.run)}`;
    case 'job':
      return `  job ${n(e.job.name)}: ${state(e.job)}`;
    case 'step': {
      const took = e.step.status === 'completed' ? secs(durationSeconds(e.step.startedAt, e.step.completedAt)) : '';
      return `    step ${e.step.number}. ${n(e.step.name)}: ${state(e.step)} ${took}`.trimEnd();
    }
    case 'wait':
      return e.reason === 'rate-limit' ? `  (rate limit low: next check in ${Math.ceil(e.ms / 1000)} s)` : undefined;
  }
}

export const succeeded = (run: WorkflowRun) =>
  run.status !== 'completed' || ['success', 'skipped', 'neutral'].includes(run.conclusion ?? '');

/** The GitHub lines of `status`. */
export function formatGitHubStatus(g: GitHubStatus): string {
  if ('error' in g) return `GitHub      facts not shown: ${n(g.error)}`;
  const badge = (r: Release) => (r.latest ? ' (latest)' : r.draft ? ' (draft)' : r.prerelease ? ' (prerelease)' : '');
  const lines = [`Releases    ${g.releases.map((r) => n(r.tag) + badge(r)).join(', ') || '(none)'}`];
  const run = g.latestReleaseRun;
  const workflow = g.releaseWorkflow && n(g.releaseWorkflow.file);
  if (!workflow) lines.push('Release run (no release workflow found: set github.releaseWorkflow)');
  else if (!run) lines.push(`Release run (none yet for ${workflow})`);
  else lines.push(`Release run ${run.id} ${state(run)} on ${n(run.branch ?? '?')} (${workflow}, ${n(run.createdAt)})`);
  return lines.join('\n');
}
