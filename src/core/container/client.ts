import type { Logger } from '../log';
import { nullLogger } from '../log';
import type { Runner } from '../process/run';
import type { DockerCommand, DockerResult } from './command';
import { DOCKER_PATH_HINT, dockerFailure, isDaemonDown } from './errors';

export interface DockerClientOptions {
  runner: Runner;
  /** The docker executable (config.dockerPath). */
  dockerPath: string;
  logger?: Logger;
  cwd?: string;
}

export interface ExecOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Each output line as it arrives (build output, logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** The one runner of docker commands: runs the described argv through runProcess and hands the result to its parser. */
export class DockerClient {
  readonly dockerPath: string;
  private readonly logger: Logger;
  constructor(private readonly options: DockerClientOptions) {
    this.dockerPath = options.dockerPath;
    this.logger = options.logger ?? nullLogger;
  }

  async exec<T>(cmd: DockerCommand<T>, opts: ExecOptions = {}): Promise<T> {
    const lines: string[] = [];
    const started = Date.now();
    this.logger.debug(`$ ${this.dockerPath} ${cmd.args.join(' ')}`);
    const r = await this.options.runner(this.dockerPath, cmd.args, {
      cwd: this.options.cwd,
      env: cmd.env,
      timeoutMs: opts.timeoutMs ?? cmd.timeoutMs,
      signal: opts.signal,
      missingHint: DOCKER_PATH_HINT,
      onLine: (line, stream) => {
        lines.push(line);
        opts.onLine?.(line, stream);
      },
    });
    const result: DockerResult = { ...r, lines };
    this.logger.debug(`docker ${cmd.args[0]}: exit ${r.exitCode} after ${Date.now() - started} ms`);
    const accepted = cmd.acceptExitCodes === 'any' || r.exitCode === 0 || cmd.acceptExitCodes?.includes(r.exitCode);
    // Commands that accept any exit read a timeout themselves (a container that hangs is the image's fault).
    if (!accepted || (r.timedOut && cmd.acceptExitCodes !== 'any') || (r.exitCode !== 0 && isDaemonDown(r.stderr))) {
      const err = dockerFailure(this.dockerPath, result, cmd.failureKind);
      this.logger.debug(`docker failed: ${err.message}`);
      throw err;
    }
    return cmd.parse(result);
  }
}
