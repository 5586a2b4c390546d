import type { Readable } from 'node:stream';
import type { ErrorKind } from '../errors';
import type { RunResult } from '../process/run';

/**
 * A docker invocation described as data: the argv after the executable, extra environment, and a parser that
 * turns the finished process into a value. One runner (DockerClient.exec) executes every command, so the
 * executable, error mapping, logging and cancellation live in one place.
 */
export interface DockerCommand<T> {
  args: string[];
  env?: Record<string, string>;
  /** Milliseconds before the process is killed; default the runner's. */
  timeoutMs?: number;
  /** Exit codes the parser handles itself; any other non-zero exit becomes a DockerError (stderr as message). */
  acceptExitCodes?: readonly number[] | 'any';
  /**
   * The kind of a failure no rule recognises (default 'check': the image's fault). Commands that only ask about the
   * engine (`docker version`) set 'environment': their failure is never the release's.
   */
  failureKind?: ErrorKind;
  parse(result: DockerResult): T;
}

/**
 * A docker invocation whose stdout is a byte stream (docker save, docker export: hundreds of MiB), described as
 * data like DockerCommand: `consume` reads the stream as it arrives (nothing is collected or written to disk)
 * and its result is the command's value. DockerClient.stream runs it. A process that fails is an environment
 * error naming `what`, in docker's own words: the engine could not hand out what it holds.
 */
export interface DockerStreamCommand<T> {
  args: string[];
  /** The stream in words, for messages ("docker save app:1"). */
  what: string;
  /** Milliseconds before the process is killed; default the runner's. */
  timeoutMs?: number;
  /** Reads stdout while the process runs; whatever it leaves unread is discarded. */
  consume(stdout: Readable): Promise<T>;
}

/** A finished docker process, plus stdout and stderr lines in the order they arrived (for logs). */
export interface DockerResult extends RunResult {
  lines: string[];
}

/** JSON from `--format '{{json .}}'`, one object per line. */
export function jsonLines<T>(text: string): T[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}
