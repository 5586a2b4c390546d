import { type Command, Option } from 'commander';
import { loadConfig } from '../core/config/load';
import { findWorkTree } from '../core/git/root';
import type { ConfigOverrides, ReleaseOperatorConfig } from '../core/config/schema';
import { CancelledError, EXIT_CODES, ReleaseOperatorError, describeError } from '../core/errors';
import { createLogger, type Logger } from '../core/log';
import { neutralize, neutralizeBlock, neutralizeJson } from '../core/neutralize';
import { describeWait, runOperation } from '../core/operation';
import { redact } from '../core/redact';

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal: waits and retries are shown there (as with --verbose). */
  stderrIsTTY?: boolean;
}

export interface CommonOptions {
  json?: boolean;
  cwd?: string;
  docker?: string;
  verbose?: boolean;
}

/** What a command hands back: `ok` false means the check found a problem with the release (exit 1). */
export interface CommandOutcome {
  ok: boolean;
  data: unknown;
  text: string;
  /** Overrides the exit code derived from `ok` (e.g. 3 when the environment could not run the check). */
  exitCode?: number;
}

export class CliContext {
  private configCache?: Promise<{ config: ReleaseOperatorConfig; root: string; file?: string }>;
  readonly logger: Logger;
  constructor(
    readonly io: CliIO,
    readonly options: CommonOptions,
    readonly signal: AbortSignal,
  ) {
    // A log line may carry a server's words: one line, no control characters.
    this.logger = createLogger(
      (level, msg) => io.stderr(`${level}: ${neutralize(msg)}\n`),
      options.verbose ? 'debug' : 'warn',
    );
  }

  get cwd(): string {
    return this.options.cwd ?? process.cwd();
  }
  get json(): boolean {
    return Boolean(this.options.json);
  }

  /** Config for the repository around cwd (or cwd itself outside a repository), with flag overrides last. */
  config(): Promise<{ config: ReleaseOperatorConfig; root: string; file?: string }> {
    return (this.configCache ??= (async () => {
      // The work tree is found on disk (no git process before the first request); git decides where only it can.
      const found = await findWorkTree(this.cwd, this.io.env);
      const root =
        found === undefined
          ? await import('../core/git/repo')
              .then(({ GitRepo }) => GitRepo.open(this.cwd))
              .then((r) => r.root)
              .catch(() => this.cwd)
          : (found ?? this.cwd);
      const { config, file } = await loadConfig(root, this.flagOverrides(), { environment: this.environment() });
      return { config, root, file };
    })());
  }

  /** What the command line sets, applied last as the extension applies its settings. */
  private flagOverrides(): ConfigOverrides {
    const docker = this.options.docker ?? this.io.env.RELEASE_OPERATOR_DOCKER;
    return docker ? { dockerPath: docker } : {};
  }

  /** What the machine says, below release-operator.json: a GitHub Enterprise runner's API. */
  private environment(): ConfigOverrides {
    const apiUrl = this.io.env.GITHUB_API_URL;
    return apiUrl ? { github: { apiUrl } } : {};
  }
}

export interface CommandSpec<A extends unknown[], O> {
  name: string;
  summary: string;
  description?: string;
  /** Adds arguments and options beyond the common ones. */
  configure?(cmd: Command): void;
  /** Leave out --docker for commands that never run containers. */
  usesDocker?: boolean;
  run(ctx: CliContext, args: A, options: O & CommonOptions): Promise<CommandOutcome>;
}

export interface CliRuntime {
  io: CliIO;
  signal: AbortSignal;
  setExitCode(code: number): void;
}

/** Registers a command with the options every command shares and the one place errors become exit codes. */
export function defineCommand<A extends unknown[], O>(
  program: Command,
  rt: CliRuntime,
  spec: CommandSpec<A, O>,
): Command {
  const cmd = program
    .command(spec.name)
    .summary(spec.summary)
    .description(spec.description ?? spec.summary);
  spec.configure?.(cmd);
  cmd.addOption(new Option('--json', 'print one JSON document on stdout'));
  cmd.addOption(new Option('--cwd <dir>', 'repository folder (default: the current folder)'));
  if (spec.usesDocker) cmd.addOption(new Option('--docker <path>', 'docker executable (env RELEASE_OPERATOR_DOCKER)'));
  cmd.addOption(new Option('-v, --verbose', 'log what happens on stderr'));
  cmd.action(async (...all: unknown[]) => {
    const command = all.at(-1) as Command;
    const options = command.opts<O & CommonOptions>();
    const args = all.slice(0, -2) as A;
    const ctx = new CliContext(rt.io, options, rt.signal);
    // Waits of a few seconds (a retry, a rate limit) are said on a terminal or with --verbose; a pipe stays quiet.
    const showWaits = Boolean(options.verbose || rt.io.stderrIsTTY);
    try {
      // One command is one operation: its registry and GitHub requests count against the limits together (the
      // process runs one command at a time, so every call of it belongs to this operation, whatever signal it carries).
      const outcome = await runOperation(() => spec.run(ctx, args, options), {
        onWait: showWaits ? (n) => rt.io.stderr(`${neutralize(describeWait(n))}\n`) : undefined,
        signal: rt.signal,
        ambient: true,
      });
      // The output boundary: whatever a formatter let through, no control character reaches the terminal.
      if (ctx.json) rt.io.stdout(neutralizeJson(redact(JSON.stringify(outcome.data, null, 2))) + '\n');
      else if (outcome.text)
        rt.io.stdout(neutralizeBlock(redact(outcome.text.endsWith('\n') ? outcome.text : outcome.text + '\n')));
      rt.setExitCode(outcome.exitCode ?? (outcome.ok ? EXIT_CODES.ok : EXIT_CODES.check));
    } catch (e) {
      rt.setExitCode(reportError(e, ctx, rt.io));
    }
  });
  return cmd;
}

/** Prints an error for a person (stderr) and, with --json, for a machine (stdout); returns the exit code. */
function reportError(e: unknown, ctx: { json: boolean }, io: CliIO): number {
  let kind: string;
  let code: number;
  let message: string;
  let hint: string | undefined;
  if (e instanceof ReleaseOperatorError) {
    ({ kind, message, hint } = e);
    code = e.exitCode;
  } else if (e instanceof CancelledError) {
    kind = 'cancelled';
    message = 'Cancelled.';
    code = 130;
  } else {
    kind = 'internal';
    message = `Unexpected error: ${describeError(e)}`;
    hint = 'This is a bug in Release Operator; run again with --verbose and report it.';
    code = EXIT_CODES.environment;
    if (io.env.RELEASE_OPERATOR_DEBUG && e instanceof Error) io.stderr(redact(e.stack ?? '') + '\n');
  }
  io.stderr(neutralizeBlock(redact(`error: ${message}${hint ? `\n  ${hint}` : ''}`)) + '\n');
  if (ctx.json) io.stdout(neutralizeJson(redact(JSON.stringify({ error: { kind, message, hint } }, null, 2))) + '\n');
  return code;
}

/** Commander parsers shared by the commands: a comma-separated list that may also be repeated; a repeated value. */
export const listOption = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
export const repeatOption = (v: string, prev: string[] = []): string[] => [...prev, v];
