import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { CancelledError, environmentError, usageError } from '../errors';
import { redact } from '../redact';

/**
 * The one place the engine runs programs. Always an argv array (never a shell string), always a timeout,
 * always cancellable, output redacted before anyone sees it.
 */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Milliseconds before the process is killed; 0 means no limit. Default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  input?: string | Buffer;
  /** Called with each complete line of stdout/stderr as it arrives (already redacted). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep stdout as raw bytes (docker save / export). */
  binaryStdout?: boolean;
  /** What to tell a person when the program is not installed. */
  missingHint?: string;
  /**
   * Hands stdout to this function as a byte stream instead of collecting it (docker save: hundreds of MiB). The
   * run ends when both the program and the function have finished; whatever the function leaves unread is
   * discarded. When the function throws, the program is stopped (unless it already closed stdout) and the run
   * rejects with that error, except when the program failed on its own (exit code, timeout, signal): then the
   * result is returned as usual, since the program's stderr says why its output broke off. Not with onLine.
   */
  consumeStdout?: (stdout: Readable) => Promise<void>;
}

export interface RunResult {
  command: string;
  args: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  stdoutBytes?: Buffer;
  timedOut: boolean;
  durationMs: number;
}

export type Runner = (command: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

const DEFAULT_TIMEOUT_MS = 120_000;

export const runProcess: Runner = async (command, args, options = {}) => {
  if (options.signal?.aborted) throw new CancelledError();
  const started = Date.now();
  const child = execa(command, args as string[], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    reject: false,
    timeout: options.timeoutMs === 0 ? undefined : (options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    cancelSignal: options.signal,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    encoding: options.binaryStdout ? 'buffer' : 'utf8',
    buffer: options.consumeStdout ? { stdout: false } : true,
    stripFinalNewline: false,
    maxBuffer: 512 * 1024 * 1024,
    forceKillAfterDelay: 3000,
  });
  if (options.onLine) {
    const onLine = options.onLine;
    for (const stream of ['stdout', 'stderr'] as const) {
      let pending = '';
      child[stream]?.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const l of lines) onLine(redact(l), stream);
      });
      child[stream]?.on('end', () => {
        if (pending) onLine(redact(pending), stream);
        pending = '';
      });
    }
  }
  let consumerError: { error: unknown } | undefined;
  let stoppedByUs = false;
  const stdout = child.stdout;
  const consuming =
    options.consumeStdout && stdout
      ? options.consumeStdout(stdout).then(
          () => void stdout.resume(),
          (error: unknown) => {
            consumerError = { error };
            // A program still writing is stopped; one that closed stdout is about to exit and says why itself.
            if (!stdout.readableEnded) {
              stoppedByUs = true;
              child.kill();
            }
            stdout.resume();
          },
        )
      : undefined;
  const r = await child;
  await consuming;
  const durationMs = Date.now() - started;
  const cause = (r as { cause?: unknown }).cause as NodeJS.ErrnoException | undefined;
  if (cause && (cause.code === 'ENOENT' || cause.code === 'EACCES')) {
    // Node says ENOENT for the program also when the folder it should run in is missing.
    if (options.cwd && cause.code === 'ENOENT' && !(await isFolder(options.cwd))) {
      throw usageError(
        `The folder ${options.cwd} does not exist (needed to run '${command}' there).`,
        'Check the path (--cwd, or the folder open in VS Code).',
      );
    }
    throw environmentError(
      `Cannot run '${command}': ${cause.code === 'ENOENT' ? 'not found' : 'permission denied'}.`,
      options.missingHint ?? `Install ${command} or put it on PATH.`,
      cause,
    );
  }
  if (r.isCanceled || options.signal?.aborted) throw new CancelledError(`${command} cancelled`);
  if (consumerError) {
    const failedOnItsOwn =
      !stoppedByUs && (r.timedOut || Boolean(r.signal) || (typeof r.exitCode === 'number' && r.exitCode !== 0));
    if (!failedOnItsOwn) throw consumerError.error;
  }
  const stdoutBytes = options.binaryStdout ? Buffer.from(r.stdout as unknown as Uint8Array) : undefined;
  return {
    command,
    args,
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : r.timedOut ? 124 : 1,
    stdout: stdoutBytes ? '' : redact(String(r.stdout ?? '')),
    stderr: redact(String(r.stderr ?? '')),
    stdoutBytes,
    timedOut: Boolean(r.timedOut),
    durationMs,
  };
};

/** Usage hints that CLIs print after the real error ("See 'docker run --help'."). */
const BOILERPLATE = /^(see|run) '[^']*--help'|^usage:/i;
const ERRORISH = /error|denied|not found|no such|failed|cannot|unable|refused|invalid|unknown/i;

/**
 * The line of stderr (or stdout) that says what went wrong, for error messages: the last line that reads like an
 * error, else the last line that is not a usage hint. Docker ends many failures with "See 'docker run --help'."
 * after the "Error response from daemon: ..." line that matters.
 */
export function lastLine(r: Pick<RunResult, 'stderr' | 'stdout'>): string {
  const lines = (r.stderr.trim() || r.stdout.trim())
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !BOILERPLATE.test(l));
  return [...lines].reverse().find((l) => ERRORISH.test(l)) ?? lines.at(-1) ?? '';
}

async function isFolder(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
