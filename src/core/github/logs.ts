import { Unzip, UnzipInflate } from 'fflate';
import { CancelledError, ReleaseOperatorError, environmentError } from '../errors';
import { LIMITS, limitError, raiseHint } from '../limits';
import { neutralize, neutralizeBlock } from '../neutralize';
import { withOperation } from '../operation';
import { deadline } from './bounded-fetch';
import type { GitHubClient, RepoRef } from './client';
import { toUserError } from './errors';
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
  /** Set when the log is longer than the limit (limits.logMegabytes): what was not read. */
  cut?: LogCut;
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?/;

/** What the lines of one command's logs may cost together (see logLines). */
export interface LineBudget {
  lines: number;
  chars: number;
  /** Set once a log was cut for lines or characters. */
  cut?: string;
}

/** A budget from the log size limit: a line costs at least 32 bytes of it, and shown text at most twice it. */
export const lineBudget = (logBytes: number): LineBudget => ({
  lines: Math.floor(logBytes / 32),
  chars: logBytes * 2,
});

/** One shown log line is clipped to this many characters (a fixed limit; the clip is said on the line). */
const LOG_LINE_CHARS = LIMITS.logLineChars.default;
// eslint-disable-next-line no-control-regex -- colour codes (CSI ... m) are dropped, not escaped: they only colour
const SGR = /\u001b\[[0-9;:]*m/g;

/**
 * The lines of a log as they are kept and shown: colour codes dropped, every other control character escaped
 * (neutralizeBlock; a line can neither act on a terminal nor overwrite another), each line clipped, and the whole
 * within `budget` (a log of 32 MiB of newlines is not 32 million lines in memory). Split as it goes, not at once.
 */
export function logLines(text: string, budget: LineBudget = lineBudget(Number.MAX_SAFE_INTEGER / 4)): string[] {
  const out: string[] = [];
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (at < text.length && !budget.cut) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const raw = text.slice(at, end > at && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    at = end + 1;
    let line = neutralizeBlock((raw.length > LOG_LINE_CHARS ? raw.slice(0, LOG_LINE_CHARS) : raw).replace(SGR, ''));
    if (line.length > LOG_LINE_CHARS || raw.length > LOG_LINE_CHARS)
      line = `${line.slice(0, LOG_LINE_CHARS)} … (line clipped: ${raw.length} characters)`;
    if (--budget.lines < 0 || (budget.chars -= line.length + 1) < 0) {
      budget.cut = 'has more lines than the log size limit lets one command keep';
      break;
    }
    out.push(line);
  }
  return out;
}

/**
 * Splits a job's log into its steps by the timestamps GitHub puts on every line: a line belongs to the last
 * step that had started by then. Lines before the first step go to it; without step timings, one section.
 */
export function splitByStep(text: string, steps: JobStep[], budget?: LineBudget): LogSection[] {
  const lines = logLines(text, budget);
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

/** The same cap for every log of one command; when it is reached the rest is not read and the cut is said. */
export interface LogCut {
  /** What was cut, for people: "the log of job 7 (build) is longer than 32 MiB". */
  message: string;
  limitBytes: number;
  readBytes: number;
}

/**
 * A log download: the API answers with a redirect to blob storage (followed without the token), the body is read as
 * it streams, within the log size limit, an idle timeout (no byte for the request timeout) and the operation's time.
 */
async function openLog(
  gh: GitHubClient,
  path: string,
  what: string,
  inProgress: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<{
  body: ReadableStream<Uint8Array>;
  length?: number;
  done(): void;
  expired(): 'request' | 'operation' | undefined;
  what: string;
}> {
  const base = gh.apiUrl.replace(/\/+$/, '');
  let url = `${base}${path}`;
  const origin = new URL(url).origin;
  // The headers of each hop within the request time; the body below within the idle time and the operation's.
  for (let hop = 0; ; hop++) {
    const d = deadline(gh.limits, signal, `GET ${new URL(url).pathname}`);
    let res: Response;
    try {
      res = await gh.fetchImpl(url, {
        headers: {
          ...(new URL(url).origin === origin ? { authorization: gh.authorization } : {}),
          accept: 'application/vnd.github+json',
          'user-agent': 'release-operator',
        },
        redirect: 'manual',
        signal: d.signal,
      });
    } catch (e) {
      d.done();
      if (signal?.aborted) throw new CancelledError();
      const t = d.expired();
      if (t === 'operation')
        throw limitError('operationSeconds', gh.limits.operationMs, `Downloading the logs of ${what}`);
      if (t === 'request')
        throw environmentError(
          `GitHub did not answer within ${Math.round(gh.limits.githubRequestMs / 1000)} s when asked for the logs of ${what}.`,
          raiseHint('githubRequestSeconds'),
        );
      throw environmentError(
        `Cannot reach ${new URL(url).origin} for the logs of ${what}: ${causeOf(e)}.`,
        'Check the network, then try again.',
      );
    }
    const location = res.headers.get('location');
    if ([301, 302, 303, 307, 308].includes(res.status) && location) {
      d.done();
      await res.body?.cancel().catch(() => undefined);
      if (hop >= LIMITS.redirects.default)
        throw environmentError(`Too many redirects for the logs of ${what}.`, 'Check the GitHub server.');
      url = new URL(location, url).toString();
      continue;
    }
    if (res.status !== 200) {
      d.done();
      const text = await readSmall(res);
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {
        /* not JSON: the text is the message */
      }
      const headers = Object.fromEntries(res.headers);
      if (res.status === 410)
        throw environmentError(
          `The logs of ${what} have expired (410 Gone).`,
          "GitHub keeps logs for the repository's retention period (90 days by default); re-run the job to get new logs.",
        );
      if (res.status === 404 && (await inProgress().catch(() => false)))
        throw environmentError(
          `The logs of ${what} are not yet available: it is still running.`,
          'Follow it with `run ID --watch` and ask again when it completes.',
        );
      throw toUserError(
        { status: res.status, message: typeof data === 'string' ? data : 'HTTP error', response: { headers, data } },
        `download the logs of ${what}`,
      );
    }
    const length = Number(res.headers.get('content-length') ?? '') || undefined;
    return { body: res.body ?? new ReadableStream(), length, done: () => d.done(), expired: () => d.expired(), what };
  }
}

/**
 * Reads a log body chunk by chunk: `take` returns false to stop (the limit); no byte for the request time is a fault.
 */
async function readChunks(
  gh: GitHubClient,
  log: Awaited<ReturnType<typeof openLog>>,
  take: (chunk: Uint8Array) => boolean,
  signal?: AbortSignal,
): Promise<void> {
  const reader = log.body.getReader();
  const idleMs = gh.limits.githubRequestMs;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<'idle'>((resolve) => (timer = setTimeout(() => resolve('idle'), idleMs)));
      const next = await Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
      if (next === 'idle')
        throw environmentError(
          `GitHub answered, but the logs of ${log.what} stopped arriving: no data for ${Math.round(idleMs / 1000)} s.`,
          `GitHub or the network to it is slow; try again later. ${raiseHint('githubRequestSeconds')}`,
        );
      if (next.done) return;
      if (!take(next.value)) return;
    }
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    if (log.expired() === 'operation')
      throw limitError('operationSeconds', gh.limits.operationMs, `Downloading the logs of ${log.what}`);
    if (e instanceof ReleaseOperatorError) throw e;
    throw environmentError(
      `GitHub answered, but the logs of ${log.what} were cut short: ${causeOf(e)}.`,
      'Try again; the connection broke off.',
    );
  } finally {
    log.done();
    await reader.cancel().catch(() => undefined);
  }
}

/** One job's log, split into its steps; `cut` says what was not read when the log is longer than the limit. */
export async function jobLog(
  gh: GitHubClient,
  repo: RepoRef,
  jobId: number,
  signal?: AbortSignal,
  job?: Job,
): Promise<JobLog> {
  return withOperation({ signal }, async (_, { signal }) => {
    const j = job ?? (await getJob(gh, repo, jobId, signal));
    const what = `job ${jobId} (${neutralize(j.name, 100)})`;
    const log = await openLog(
      gh,
      `/repos/${enc(repo.owner)}/${enc(repo.name)}/actions/jobs/${jobId}/logs`,
      what,
      async () => j.status !== 'completed',
      signal,
    );
    const max = gh.limits.logBytes;
    const decoder = new TextDecoder();
    const parts: string[] = [];
    let read = 0;
    let cut: LogCut | undefined;
    await readChunks(
      gh,
      log,
      (chunk) => {
        const room = max - read;
        const keep = chunk.length > room ? chunk.subarray(0, room) : chunk;
        parts.push(decoder.decode(keep, { stream: true }));
        read += keep.length;
        if (chunk.length > room) {
          cut = {
            message:
              `the log of ${what} is longer than ${Math.round(max / 2 ** 20)} ` +
              `MiB${log.length ? ` (${log.length} bytes)` : ''}; only its first ${Math.round(max / 2 ** 20)} ` +
              `MiB were read`,
            limitBytes: max,
            readBytes: read,
          };
          return false;
        }
        return true;
      },
      signal,
    );
    parts.push(decoder.decode());
    const budget = lineBudget(max);
    const sections = splitByStep(parts.join(''), j.steps, budget);
    if (!cut && budget.cut) cut = { message: `the log of ${what} ${budget.cut}`, limitBytes: max, readBytes: read };
    return { jobId, jobName: j.name, conclusion: j.conclusion, sections, cut };
  });
}

/**
 * A run's logs: one zip with a `N_job.txt` per job (and, on some servers, `job/N_step.txt` per step). Step files
 * win when present; otherwise the job file is split by the step timings. The zip is unpacked as it streams, within
 * the log size limit counted on the unpacked text (a zip bomb stops at the limit); what is past it is not read.
 */
export async function runLogs(gh: GitHubClient, repo: RepoRef, runId: number, signal?: AbortSignal): Promise<JobLog[]> {
  return withOperation({ signal }, async (_, { signal }) => {
    const jobs = await listJobs(gh, repo, runId, signal);
    const what = `run ${runId}`;
    const log = await openLog(
      gh,
      `/repos/${enc(repo.owner)}/${enc(repo.name)}/actions/runs/${runId}/logs`,
      what,
      async () => jobs.some((j) => j.status !== 'completed'),
      signal,
    );
    const unzipped = await unzipLogs(gh, log, signal);
    const { entries } = unzipped;
    let cut = unzipped.cut;
    const budget = lineBudget(gh.limits.logBytes);
    const text = (name: string) => decodeEntry(entries.get(name)!);
    const names = [...entries.keys()];
    const topLevel = names.filter((n) => !n.includes('/') && n.endsWith('.txt'));
    const out: JobLog[] = [];
    for (const file of topLevel.sort((a, b) => parseInt(a) - parseInt(b))) {
      const jobName = file.replace(/^\d+_/, '').replace(/\.txt$/, '');
      const job = jobs.find((j) => j.name === jobName || sanitize(j.name) === jobName);
      const stepFiles = names
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
              lines: logLines(text(n), budget),
            };
          })
        : splitByStep(text(file), job?.steps ?? [], budget);
      out.push({ jobId: job?.id, jobName: job?.name ?? jobName, conclusion: job?.conclusion, sections });
    }
    if (!cut && budget.cut)
      cut = { message: `the logs of ${what} ${budget.cut}`, limitBytes: gh.limits.logBytes, readBytes: 0 };
    if (cut) {
      // Said once, on the last job shown (the cut falls in or after it).
      if (out.length) out[out.length - 1].cut = cut;
      else out.push({ jobName: what, sections: [], cut });
    }
    return out;
  });
}

/**
 * The `.txt` entries of a run-log zip as it streams, bounded; a body that is not a zip is refused at its first bytes.
 */
async function unzipLogs(
  gh: GitHubClient,
  log: Awaited<ReturnType<typeof openLog>>,
  signal?: AbortSignal,
): Promise<{ entries: Map<string, Uint8Array[]>; cut?: LogCut }> {
  const max = gh.limits.logBytes;
  const entries = new Map<string, Uint8Array[]>();
  let total = 0;
  let files = 0;
  let cut: LogCut | undefined;
  let failure: unknown;
  let checked = false;
  const unzip = new Unzip((file) => {
    if (++files > LIMITS.logFiles.default) {
      failure = limitError('logFiles', LIMITS.logFiles.default, `The logs of ${log.what} hold more files`);
      return;
    }
    const keep: Uint8Array[] | undefined = file.name.endsWith('.txt') && !entries.has(file.name) ? [] : undefined;
    if (keep) entries.set(file.name, keep);
    file.ondata = (err, data) => {
      if (err) return void (failure ??= err);
      if (cut || !data.length) return;
      // Every entry's unpacked bytes count, kept or not: a bomb of another name costs the same time.
      const room = max - total;
      total += Math.min(data.length, room);
      if (keep) keep.push(data.length > room ? data.slice(0, room) : data);
      if (data.length > room)
        cut = {
          message: `the logs of ${log.what} unpack to more than ${Math.round(max / 2 ** 20)} MiB; only the first ${Math.round(max / 2 ** 20)} MiB were read`,
          limitBytes: max,
          readBytes: total,
        };
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  let head: Uint8Array = new Uint8Array(0);
  await readChunks(
    gh,
    log,
    (chunk) => {
      if (!checked) {
        // The first bytes say whether it is a zip at all: a run log of another kind is not read whole to learn it.
        head = concat(head, chunk);
        if (head.length < 4) return true;
        checked = true;
        if (!(head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)) {
          failure = environmentError(
            `The logs of ${log.what} are not a zip archive (they start with "${neutralize(Buffer.from(head.subarray(0, 16)).toString('latin1'))}").`,
            'GitHub sends run logs as a zip; check github.apiUrl. The logs of one job: logs --job ID.',
          );
          return false;
        }
        chunk = head;
      }
      // Small pieces: one push of highly compressed data unpacks at most about 2 MiB before the limit is checked.
      for (let i = 0; i < chunk.length && !cut && !failure; i += 2048) {
        try {
          unzip.push(chunk.subarray(i, i + 2048));
        } catch (e) {
          failure = e;
        }
      }
      return !cut && !failure;
    },
    signal,
  );
  if (!cut && !failure) {
    try {
      unzip.push(new Uint8Array(0), true);
    } catch (e) {
      failure = e;
    }
  }
  if (failure)
    throw failure instanceof ReleaseOperatorError
      ? failure
      : environmentError(
          `The logs of ${log.what} are not a readable zip archive: ${causeOf(failure)}.`,
          'Download them again; the archive is broken.',
        );
  return { entries, cut };
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => (a.length ? Buffer.concat([a, b]) : b);
const decodeEntry = (chunks: Uint8Array[]) => {
  const d = new TextDecoder();
  return chunks.map((c) => d.decode(c, { stream: true })).join('') + d.decode();
};
const enc = encodeURIComponent;
const causeOf = (e: unknown) => {
  const c = (e as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return c?.code ?? c?.message ?? (e instanceof Error ? e.message : String(e));
};

/** The start of an error answer, for its message (a hostile server may send gigabytes). */
async function readSmall(res: Response, max = 64 * 1024): Promise<string> {
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch {
    /* what came is enough */
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** GitHub names zip entries after jobs with path-unsafe characters dropped. */
const sanitize = (name: string) => name.replace(/[/\\:*?"<>|]/g, '');

/**
 * Plain text with a header per step, for the terminal, an output channel or an editor. Names and lines came from
 * the workflow and whatever it ran: control characters are escaped, so a log line cannot act on a terminal.
 */
export function formatLog(log: JobLog): string {
  const out = [`=== ${neutralize(log.jobName)}${log.conclusion ? ` (${neutralize(log.conclusion)})` : ''}`];
  for (const s of log.sections) {
    out.push(
      `--- ${s.step !== undefined ? `${s.step}. ` : ''}${neutralize(s.name)}${s.conclusion ? ` (${neutralize(s.conclusion)})` : ''}`,
    );
    // Lines were made safe when read (logLines); a section built elsewhere is made safe here too.
    for (const line of s.lines) out.push(neutralizeBlock(line).replace(/\n/g, '\\n'));
  }
  if (log.cut) out.push(`--- cut: ${log.cut.message} (limits.logMegabytes)`);
  return out.join('\n');
}
