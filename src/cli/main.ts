import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from '../core/errors';
import { exitWhenFlushed } from '../core/process/exit';
import { keepHeapSmall } from '../core/process/heap';
import { COMMANDS } from './commands';
import type { CliIO, CliRuntime } from './framework';

declare const RELEASE_OPERATOR_VERSION: string;

export function buildProgram(rt: CliRuntime): Command {
  const program = new Command('release-operator')
    .description(
      'Show the truth about a container release and gate it.\n\n' +
        'Exit codes: 0 the check passed, 1 the check found a problem with the release,\n' +
        '            2 bad usage or input, 3 the environment could not run the check.',
    )
    .version(typeof RELEASE_OPERATOR_VERSION === 'string' ? RELEASE_OPERATOR_VERSION : 'dev', '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Program options only before the command: `gate --version 1.2.3` is the release's version, not ours.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => rt.io.stdout(s), writeErr: (s) => rt.io.stderr(s) })
    .exitOverride();
  for (const register of COMMANDS) register(program, rt);
  return program;
}

/** Runs the CLI and resolves to its exit code; never calls process.exit itself (tests call it in-process). */
export async function runCli(argv: string[], io: CliIO, signal: AbortSignal): Promise<number> {
  let exitCode = 0;
  const rt: CliRuntime = { io, signal, setExitCode: (c) => (exitCode = c) };
  const program = buildProgram(rt);
  program.commands.forEach((c) =>
    c.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) }),
  );
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_CODES.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return 0;
      return EXIT_CODES.usage;
    }
    throw e;
  }
}

/**
 * The executable (dist/cli.js runs this): argv, signals and the exit code of this process. `run` is runCli; tests
 * pass another to show what happens when a command never settles.
 */
export function main(run: typeof runCli = runCli): void {
  keepHeapSmall();
  const controller = new AbortController();
  let interrupted = 0;
  let settled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted++;
    if (interrupted > 1) {
      settled = true; // quitting at once was asked for
      process.exit(130);
    }
    process.stderr.write(`\n${sig}: stopping and cleaning up (press Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Node ends a process whose event loop is empty with exit code 0, even while a promise is still pending. A gate
  // must never pass that way: a command that did not finish is an error, said as one.
  process.on('exit', () => {
    if (settled) return;
    process.stderr.write(
      'error: Release Operator stopped before the command finished (it was left waiting on nothing); its result is unknown. Please report this.\n',
    );
    process.exitCode = EXIT_CODES.environment;
  });
  const io: CliIO = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
  run(process.argv.slice(2), io, controller.signal).then(
    (code) => {
      settled = true;
      exitWhenFlushed(controller.signal.aborted && code === 0 ? 130 : code);
    },
    (e) => {
      settled = true;
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      exitWhenFlushed(EXIT_CODES.environment);
    },
  );
}
