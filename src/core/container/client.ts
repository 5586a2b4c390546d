import type { Logger } from '../log';
import { nullLogger } from '../log';
import type { Runner } from '../process/run';
import { environmentError } from '../errors';
import { lastLine } from '../process/run';
import type { DockerCommand, DockerResult, DockerStreamCommand } from './command';
import { DOCKER_PATH_HINT, dockerFailure, isDaemonDown } from './errors';
import { describeEngine, engineArgs, type EngineSpec } from './engine';

export interface DockerClientOptions {
  runner: Runner;
  /** The docker executable (config.dockerPath). */
  dockerPath: string;
  logger?: Logger;
  cwd?: string;
  /** The engine every call of this client goes to (config `engines`); unset: the docker client's default. */
  engine?: EngineSpec;
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
  readonly engine?: EngineSpec;
  /** The engine in words ("docker context arm", "ssh://ci@arm-box"), for messages. */
  readonly engineName: string;
  private readonly logger: Logger;
  private readonly prefix: string[];
  constructor(private readonly options: DockerClientOptions) {
    this.dockerPath = options.dockerPath;
    this.engine = options.engine;
    this.engineName = describeEngine(options.engine);
    this.logger = options.logger ?? nullLogger;
    this.prefix = engineArgs(options.engine);
  }

  /** A client of the same executable and logger for another engine (undefined: the default engine). */
  forEngine(engine: EngineSpec | undefined): DockerClient {
    return new DockerClient({ ...this.options, engine });
  }

  async exec<T>(cmd: DockerCommand<T>, opts: ExecOptions = {}): Promise<T> {
    const lines: string[] = [];
    const started = Date.now();
    const argv = [...this.prefix, ...cmd.args];
    this.logger.debug(`$ ${this.dockerPath} ${argv.join(' ')}`);
    const r = await this.options.runner(this.dockerPath, argv, {
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
    // Parsers and messages see the command's own argv; the engine is said by the client.
    const result: DockerResult = { ...r, args: cmd.args, lines };
    this.logger.debug(`docker ${cmd.args[0]}: exit ${r.exitCode} after ${Date.now() - started} ms`);
    const accepted = cmd.acceptExitCodes === 'any' || r.exitCode === 0 || cmd.acceptExitCodes?.includes(r.exitCode);
    // Commands that accept any exit read a timeout themselves (a container that hangs is the image's fault).
    if (!accepted || (r.timedOut && cmd.acceptExitCodes !== 'any') || (r.exitCode !== 0 && isDaemonDown(r.stderr))) {
      const err = dockerFailure(this.dockerPath, result, cmd.failureKind, this.engine && this.engineName);
      this.logger.debug(`docker failed: ${err.message}`);
      throw err;
    }
    return cmd.parse(result);
  }

  /** Runs a command whose stdout is a stream and resolves to what its consumer made of it. */
  async stream<T>(cmd: DockerStreamCommand<T>, opts: Omit<ExecOptions, 'onLine'> = {}): Promise<T> {
    let consumed: { value: T } | undefined;
    const started = Date.now();
    const timeoutMs = opts.timeoutMs ?? cmd.timeoutMs;
    const argv = [...this.prefix, ...cmd.args];
    this.logger.debug(`$ ${this.dockerPath} ${argv.join(' ')}`);
    const r = await this.options.runner(this.dockerPath, argv, {
      cwd: this.options.cwd,
      timeoutMs,
      signal: opts.signal,
      missingHint: DOCKER_PATH_HINT,
      consumeStdout: async (stdout) => void (consumed = { value: await cmd.consume(stdout) }),
    });
    this.logger.debug(`docker ${cmd.args[0]}: exit ${r.exitCode} after ${Date.now() - started} ms`);
    if (r.exitCode !== 0) {
      const why = r.timedOut && timeoutMs ? `no end after ${timeoutMs / 60_000} minutes` : lastLine(r);
      throw environmentError(
        `${cmd.what} failed${this.engine ? ` on ${this.engineName}` : ''}: ${why || `exit code ${r.exitCode}`}`,
        'Check that the Docker engine is running (`docker info`) and try again.',
      );
    }
    if (!consumed)
      throw environmentError(
        `${cmd.what} gave no output stream.`,
        'The runner in use does not stream stdout (RunOptions.consumeStdout).',
      );
    return consumed.value;
  }
}
