/**
 * The CLI as a user runs it: `node dist/cli.js` in a process of its own, with its exit code, output, wall time and
 * peak memory (GNU time's maximum resident set size of the node process), optionally as another user (tests run as
 * root; `nobody` cannot read what root made unreadable).
 *
 *   const r = await runCliProcess(['tags', `${reg.host}/acme/app`], { cwd, timeoutMs: 30_000 });
 *   r.code, r.stdout, r.stderr, r.ms, r.maxRssMiB
 *   const p = startCliProcess([...]); ...; p.kill('SIGTERM'); const r = await p.done;   // signal tests
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './paths';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
/** What any one hostile case may cost the CLI process in memory (issue #24: under 300 MB for each case). */
export const MEMORY_BOUND_MIB = 300;

export interface CliProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident memory of the CLI process in MiB (GNU time), when measured. */
  maxRssMiB?: number;
  timedOut: boolean;
}

export interface CliProcessOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Killed (SIGKILL) after this long: a hang fails the test instead of the suite. Default 60 s. */
  timeoutMs?: number;
  /** Run as this user (setpriv; uid and gid of the name). */
  user?: 'nobody';
  /** Measure peak memory with /usr/bin/time (default true). */
  measure?: boolean;
}

const RSS_MARK = 'RO_TEST_MAXRSS_KIB=';

export interface CliProcess {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when stderr has shown a line matching `re` (or rejects when the process ends first). */
  waitFor(re: RegExp): Promise<void>;
  done: Promise<CliProcessResult>;
}

export function startCliProcess(args: string[], o: CliProcessOptions = {}): CliProcess {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: build it first with `node esbuild.mjs`');
  const measure = o.measure !== false;
  // Each process starts with an empty product cache of its own (manifests and configs by digest): no case answers
  // from what an earlier test or run left in the user's cache (a cached config once hid a hostile 64 MiB blob).
  const cache = mkdtempSync(path.join(os.tmpdir(), 'ro-cli-cache-'));
  if (o.user) chmodSync(cache, 0o777);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', XDG_CACHE_HOME: cache, ...o.env };
  const argv = [process.execPath, CLI, ...args];
  const asUser = o.user ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
  // GNU time runs the CLI as its child and reports that child's peak RSS; signals are sent to the CLI itself.
  const full = [...(measure ? ['/usr/bin/time', '-f', `${RSS_MARK}%M`] : []), ...asUser, ...argv];
  const started = Date.now();
  const child = spawn(full[0], full.slice(1), { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ re: RegExp; resolve: () => void; reject: (e: Error) => void }> = [];
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    for (const w of [...waiters])
      if (w.re.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
    void cliPid().then((pid) => pid && process.kill(pid, 'SIGKILL'));
  }, o.timeoutMs ?? 60_000);
  // The node process: the child itself, or the child of time/setpriv (setpriv execs, so time's child is node).
  const cliPid = async (): Promise<number | undefined> => {
    if (!measure) return child.pid;
    for (let i = 0; i < 100; i++) {
      const pid = childOf(child.pid!);
      if (pid) return pid;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  };
  const done = new Promise<CliProcessResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(cache, { recursive: true, force: true });
      for (const w of waiters) w.reject(new Error(`the CLI ended before printing ${w.re}:\n${stderr}`));
      const mark = stderr.lastIndexOf(RSS_MARK);
      let maxRssMiB: number | undefined;
      if (mark >= 0) {
        maxRssMiB = Math.round(Number(stderr.slice(mark + RSS_MARK.length).trim()) / 1024);
        stderr = stderr.slice(0, mark);
      }
      // GNU time reports a child killed by a signal as "Command terminated by signal N" and exits 128+N.
      const bySignal = /Command terminated by signal (\d+)\n?$/.exec(stderr);
      if (bySignal) stderr = stderr.slice(0, bySignal.index);
      stderr = stderr.replace(/Command exited with non-zero status \d+\n?$/, '');
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, maxRssMiB, timedOut });
    });
  });
  return {
    pid: child.pid!,
    kill: (sig) => void cliPid().then((pid) => pid && process.kill(pid, sig)),
    waitFor: (re) =>
      re.test(stderr)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => waiters.push({ re, resolve, reject })),
    done,
  };
}

export function runCliProcess(args: string[], o: CliProcessOptions = {}): Promise<CliProcessResult> {
  return startCliProcess(args, o).done;
}

/** The first child process of `pid` (from /proc). */
function childOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    const first = Number(text.split(/\s+/)[0]);
    return first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/** True when the text holds a control character a terminal would act on (ESC, BEL, CR, C1, bidi overrides). */
export function hasControlCodes(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- finding them is the point
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text);
}
