import { unzipSync, strFromU8 } from 'fflate';
import { CancelledError, environmentError } from '../errors';
import type { GitHubClient, RepoRef } from './client';
import { isHttpError, toUserError } from './errors';
import { getJob, listJobs } from './runs';
import type { Job, JobStep } from './types';

export interface LogSection {
  /** Step number, when the section is a step. */
  step?: number;
  name: string;
  conclusion?: string | null;
  lines: string[];
}

export interface JobLog {
  jobId?: number;
  jobName: string;
  conclusion?: string | null;
  sections: LogSection[];
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?/;

/**
 * Splits a job's log into its steps by the timestamps GitHub puts on every line: a line belongs to the last
 * step that had started by then. Lines before the first step go to it; without step timings, one section.
 */
export function splitByStep(text: string, steps: JobStep[]): LogSection[] {
  const lines = text
    .replace(/\r\n/g, '\n')
    .replace(/^\uFEFF/, '')
    .split('\n');
  if (lines.at(-1) === '') lines.pop();
  const timed = steps.filter((s) => s.startedAt).sort((a, b) => a.number - b.number);
  if (!timed.length) return [{ name: 'log', lines }];
  const sections: LogSection[] = timed.map((s) => ({
    step: s.number,
    name: s.name,
    conclusion: s.conclusion,
    lines: [],
  }));
  const starts = timed.map((s) => Math.floor(Date.parse(s.startedAt!) / 1000));
  let current = 0;
  for (const line of lines) {
    const m = TIMESTAMP.exec(line);
    if (m) {
      const t = Math.floor(Date.parse(m[1]) / 1000);
      while (current + 1 < starts.length && starts[current + 1] <= t) current++;
    }
    sections[current].lines.push(line);
  }
  return sections;
}

async function download(
  gh: GitHubClient,
  route: string,
  params: Record<string, unknown>,
  what: string,
  inProgress: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<unknown> {
  try {
    const res = await gh.octokit.request(route, { ...params, request: { signal } });
    return res.data;
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    if (isHttpError(e) && e.status === 410) {
      throw environmentError(
        `The logs of ${what} have expired (410 Gone).`,
        "GitHub keeps logs for the repository's retention period (90 days by default); re-run the job to get new logs.",
      );
    }
    if (isHttpError(e) && e.status === 404 && (await inProgress().catch(() => false))) {
      throw environmentError(
        `The logs of ${what} are not yet available: it is still running.`,
        'Follow it with `run ID --watch` and ask again when it completes.',
      );
    }
    throw toUserError(e, `download the logs of ${what}`);
  }
}

/** One job's log, split into its steps. */
export async function jobLog(
  gh: GitHubClient,
  repo: RepoRef,
  jobId: number,
  signal?: AbortSignal,
  job?: Job,
): Promise<JobLog> {
  const j = job ?? (await getJob(gh, repo, jobId, signal));
  const data = await download(
    gh,
    'GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs',
    { owner: repo.owner, repo: repo.name, job_id: jobId },
    `job ${jobId} (${j.name})`,
    async () => j.status !== 'completed',
    signal,
  );
  return { jobId, jobName: j.name, conclusion: j.conclusion, sections: splitByStep(toText(data), j.steps) };
}

/**
 * A run's logs: one zip with a `N_job.txt` per job (and, on some servers, `job/N_step.txt` per step). Step files
 * win when present; otherwise the job file is split by the step timings.
 */
export async function runLogs(gh: GitHubClient, repo: RepoRef, runId: number, signal?: AbortSignal): Promise<JobLog[]> {
  const jobs = await listJobs(gh, repo, runId, signal);
  const data = await download(
    gh,
    'GET /repos/{owner}/{repo}/actions/runs/{run_id}/logs',
    { owner: repo.owner, repo: repo.name, run_id: runId },
    `run ${runId}`,
    async () => jobs.some((j) => j.status !== 'completed'),
    signal,
  );
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : typeof data === 'string'
        ? new TextEncoder().encode(data)
        : new Uint8Array(data as ArrayBufferLike);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw environmentError(`The logs of run ${runId} are not a readable zip archive: ${(e as Error).message}.`);
  }
  const topLevel = Object.keys(entries).filter((n) => !n.includes('/') && n.endsWith('.txt'));
  const out: JobLog[] = [];
  for (const file of topLevel.sort((a, b) => parseInt(a) - parseInt(b))) {
    const jobName = file.replace(/^\d+_/, '').replace(/\.txt$/, '');
    const job = jobs.find((j) => j.name === jobName || sanitize(j.name) === jobName);
    const stepFiles = Object.keys(entries)
      .filter((n) => n.startsWith(`${jobName}/`) && n.endsWith('.txt'))
      .sort((a, b) => parseInt(a.split('/')[1]) - parseInt(b.split('/')[1]));
    const sections = stepFiles.length
      ? stepFiles.map((n) => {
          const number = parseInt(n.split('/')[1]);
          const step = job?.steps.find((s) => s.number === number);
          return {
            step: number,
            name:
              step?.name ??
              n
                .split('/')[1]
                .replace(/^\d+_/, '')
                .replace(/\.txt$/, ''),
            conclusion: step?.conclusion,
            lines: strFromU8(entries[n]).replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n'),
          };
        })
      : splitByStep(strFromU8(entries[file]), job?.steps ?? []);
    out.push({ jobId: job?.id, jobName: job?.name ?? jobName, conclusion: job?.conclusion, sections });
  }
  return out;
}

/** GitHub names zip entries after jobs with path-unsafe characters dropped. */
const sanitize = (name: string) => name.replace(/[/\\:*?"<>|]/g, '');

function toText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  return data instanceof Uint8Array ? new TextDecoder().decode(data) : '';
}

/** Plain text with a header per step, for the terminal, an output channel or an editor. */
export function formatLog(log: JobLog): string {
  const out = [`=== ${log.jobName}${log.conclusion ? ` (${log.conclusion})` : ''}`];
  for (const s of log.sections) {
    out.push(`--- ${s.step !== undefined ? `${s.step}. ` : ''}${s.name}${s.conclusion ? ` (${s.conclusion})` : ''}`);
    out.push(...s.lines);
  }
  return out.join('\n');
}
