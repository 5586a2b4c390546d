import { Option, type Command } from 'commander';
import { EXIT_CODES, environmentError, usageError } from '../../core/errors';
import { raiseHint } from '../../core/limits';
import type { GitHubClient, RepoRef, WorkflowFile } from '../../core/github';
import { defineCommand, type CliContext, type CliRuntime, type CommandSpec } from '../framework';
import { confirm, githubContext, parseId } from './github-context';

/**
 * The GitHub engine (Octokit) and the text of its results, loaded when one of these commands runs: `--help` and
 * the other commands do without them.
 */
const engine = async () => {
  const [core, text] = await Promise.all([import('../../core/github'), import('./format-github')]);
  return { ...core, ...text };
};

const repoOption = () => new Option('--repo <owner/name>', 'GitHub repository (default: from the git remote)');
const intervalOption = () =>
  new Option(
    '--interval <seconds>',
    'first poll interval while watching; it backs off to 10x while nothing changes',
  ).default('3');

async function watch(ctx: CliContext, gh: GitHubClient, repo: RepoRef, runId: number, intervalText = '3') {
  const seconds = Number(intervalText);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    throw usageError(`--interval expects seconds between 0 and 600; got '${intervalText}'.`);
  const { followRun, formatEvent } = await engine();
  return followRun(gh, repo, runId, {
    intervalMs: seconds * 1000,
    maxIntervalMs: seconds * 10_000,
    signal: ctx.signal,
    onEvent: (e) => {
      const line = formatEvent(e);
      if (line) ctx.io.stderr(line + '\n');
    },
  });
}

const runsCommand: CommandSpec<[], { workflow?: string; repo?: string; limit?: string }> = {
  name: 'runs',
  summary: 'list recent workflow runs',
  configure: (c) =>
    c
      .addOption(new Option('--workflow <file>', 'only runs of this workflow (release.yml)'))
      .addOption(new Option('--limit <n>', 'how many (default 20)'))
      .addOption(repoOption()),
  async run(ctx, _a, o) {
    const { gh, repo } = await githubContext(ctx, o.repo);
    const { formatRuns, listRuns } = await engine();
    const perPage = o.limit ? parseId(o.limit, '--limit') : 20;
    const runs = await listRuns(gh, repo, {
      workflow: o.workflow,
      perPage: Math.min(100, Math.max(1, perPage)),
      signal: ctx.signal,
    });
    return { ok: true, data: { repository: `${repo.owner}/${repo.name}`, runs }, text: formatRuns(runs) };
  },
};

const runCommand: CommandSpec<[string], { watch?: boolean; interval?: string; repo?: string }> = {
  name: 'run',
  summary: 'show a workflow run with its jobs and steps; --watch follows it until it completes',
  configure: (c) =>
    c
      .argument('<id>', 'run ID (see `runs`)')
      .addOption(new Option('--watch', 'follow the run live until it completes (exit 1 if it fails)'))
      .addOption(intervalOption())
      .addOption(repoOption()),
  async run(ctx, [id], o) {
    const { gh, repo } = await githubContext(ctx, o.repo);
    const { formatRun, getRun, listJobs, succeeded } = await engine();
    const runId = parseId(id, 'The run ID');
    const snap = o.watch
      ? await watch(ctx, gh, repo, runId, o.interval)
      : { run: await getRun(gh, repo, runId, ctx.signal), jobs: await listJobs(gh, repo, runId, ctx.signal) };
    return { ok: succeeded(snap.run), data: snap, text: formatRun(snap.run, snap.jobs) };
  },
};

/**
 * The workflow to dispatch: the one named (in the checkout, else known only to GitHub: then its inputs are not
 * checked here), or the release workflow. `file` is the checkout's copy, when there is one.
 */
async function findWorkflow(
  ctx: CliContext,
  { gh, repo, root, config }: Awaited<ReturnType<typeof githubContext>>,
  named: string | undefined,
): Promise<{ workflow: string; file?: WorkflowFile }> {
  const { guessReleaseWorkflow, knownWorkflows, readWorkflowFiles } = await engine();
  const files = await readWorkflowFiles(root);
  let file: WorkflowFile | undefined;
  if (!named) {
    const guess = guessReleaseWorkflow(files, config.github.releaseWorkflow);
    if (!guess.workflow)
      throw usageError(`No release workflow: ${guess.reason}.`, 'Name the workflow: dispatch release.yml');
    file = guess.workflow;
    ctx.logger.info(`release workflow ${file.file}: ${guess.reason}`);
  } else file = files.find((f) => f.file === named || f.path === named || f.name === named);
  if (!file) {
    // Not in the checkout: it may exist only on GitHub (then its inputs are checked by GitHub, not here).
    const known = await knownWorkflows(root, gh, repo, ctx.signal);
    const remote = known.find((k) => k.file === named || k.name === named || k.remote?.path === named);
    if (!remote)
      throw usageError(
        `No workflow '${named}' in ${repo.owner}/${repo.name}.`,
        `Known workflows: ${known.map((k) => k.file).join(', ') || 'none'}.`,
      );
    if (remote.remote?.state && remote.remote.state !== 'active')
      throw usageError(
        `Workflow ${remote.file} is ${remote.remote.state} on GitHub.`,
        "Enable it in the repository's Actions settings first.",
      );
    ctx.io.stderr(`note: ${remote.file} is not in this checkout; its inputs are not checked before sending\n`);
    return { workflow: remote.file };
  }
  if (file.error)
    throw file.unreadable
      ? environmentError(`Cannot read the workflow ${file.path}: ${file.error}`)
      : usageError(`The workflow ${file.path} cannot be used: ${file.error}`, 'Fix the file, then try again.');
  if (!file.dispatchInputs)
    throw usageError(
      `Workflow ${file.file} has no workflow_dispatch trigger, so it cannot be run by hand.`,
      `Add 'on: workflow_dispatch' to ${file.path}.`,
    );
  return { workflow: file.file, file };
}

const dispatchCommand: CommandSpec<
  [string | undefined],
  { ref?: string; input?: string[]; watch?: boolean; interval?: string; repo?: string }
> = {
  name: 'dispatch',
  summary: 'run a workflow (workflow_dispatch) with typed inputs; default: the release workflow',
  description:
    'Runs a workflow by workflow_dispatch. Inputs are checked against the workflow file in .github/workflows\n' +
    '(choice, boolean, number, environment, string; required and defaults) before anything is sent.\n' +
    'WORKFLOW is a file name (release.yml) or workflow name; without it, the release workflow\n' +
    '(github.releaseWorkflow, else guessed: name says "release", runs on tags/releases, pushes images).',
  configure: (c) =>
    c
      .argument('[workflow]', 'workflow file name or name')
      .addOption(new Option('--ref <ref>', "branch or tag to run on (default: the repository's default branch)"))
      .addOption(
        new Option('--input <key=value>', 'a workflow input (repeatable)').argParser(
          (v: string, prev: string[] = []) => [...prev, v],
        ),
      )
      .addOption(new Option('--watch', 'follow the run until it completes (exit 1 if it fails)'))
      .addOption(intervalOption())
      .addOption(repoOption()),
  async run(ctx, [workflowArg], o) {
    const context = await githubContext(ctx, o.repo);
    const { gh, repo } = context;
    const { defaultBranch, dispatchWorkflow, formatRun, parseInputFlags, prepareInputs, succeeded } = await engine();
    const { workflow, file } = await findWorkflow(ctx, context, workflowArg);
    const given = parseInputFlags(o.input ?? []);
    // Without the file on disk the inputs cannot be typed here; GitHub still checks their names.
    const { send, effective } = file
      ? prepareInputs(file.dispatchInputs!, given, workflow)
      : { send: given, effective: given };
    const ref = o.ref ?? (await defaultBranch(gh, repo, ctx.signal));
    const { run, foundBy } = await dispatchWorkflow(gh, repo, { workflow, ref, inputs: send, signal: ctx.signal });
    ctx.io.stderr(`dispatched ${workflow} on ${ref}: run ${run.id} ${run.url}\n`);
    const snap = o.watch ? await watch(ctx, gh, repo, run.id, o.interval) : { run, jobs: [] };
    return {
      ok: succeeded(snap.run),
      data: { workflow, ref, inputs: effective, foundBy, run: snap.run, jobs: snap.jobs },
      text: o.watch
        ? formatRun(snap.run, snap.jobs)
        : `Run ${run.id} (${run.status}) ${run.url}\nFollow it: run ${run.id} --watch`,
    };
  },
};

const logsCommand: CommandSpec<[string], { job?: boolean; run?: boolean; repo?: string }> = {
  name: 'logs',
  summary: 'show the log of a run (all jobs) or of one job, by step',
  description:
    'Shows logs split into step sections. The ID is taken as a run ID; if no run has it, as a job ID.\n' +
    'Say which with --run or --job (job IDs are shown by `run ID`).',
  configure: (c) =>
    c
      .argument('<id>', 'run or job ID')
      .addOption(new Option('--job', 'the ID is a job ID').conflicts('run'))
      .addOption(new Option('--run', 'the ID is a run ID'))
      .addOption(repoOption()),
  async run(ctx, [id], o) {
    const { gh, repo } = await githubContext(ctx, o.repo);
    const { formatLog, getRun, jobLog, runLogs } = await engine();
    const n = parseId(id, 'The ID');
    let kind: 'run' | 'job' = o.job ? 'job' : 'run';
    if (!o.job && !o.run) {
      kind = await getRun(gh, repo, n, ctx.signal).then(
        () => 'run' as const,
        (e) => {
          if (/\(404\)/.test((e as Error).message)) return 'job' as const;
          throw e;
        },
      );
    }
    const logs = kind === 'job' ? [await jobLog(gh, repo, n, ctx.signal)] : await runLogs(gh, repo, n, ctx.signal);
    const cut = logs.find((l) => l.cut)?.cut;
    // What was read is shown; a log cut at its limit is still an environment fault (exit 3) that says so.
    if (cut)
      ctx.io.stderr(
        `error: ${cut.message}: the limit of ${Math.round(cut.limitBytes / 2 ** 20)} MiB (limits.logMegabytes) ` +
          `was reached.\n  ${raiseHint('logMegabytes')}\n`,
      );
    return {
      ok: !cut,
      data: { kind, id: n, jobs: logs, ...(cut ? { cut } : {}) },
      text: logs.map(formatLog).join('\n\n'),
      exitCode: cut ? EXIT_CODES.environment : undefined,
    };
  },
};

const rerunCommand: CommandSpec<[string], { failed?: boolean; watch?: boolean; interval?: string; repo?: string }> = {
  name: 'rerun',
  summary: 're-run a completed workflow run, or only its failed jobs',
  configure: (c) =>
    c
      .argument('<id>', 'run ID')
      .addOption(new Option('--failed', 'only the failed jobs (and the jobs they need)'))
      .addOption(new Option('--watch', 'follow the new attempt until it completes'))
      .addOption(intervalOption())
      .addOption(repoOption()),
  async run(ctx, [id], o) {
    const { gh, repo } = await githubContext(ctx, o.repo);
    const { formatRun, rerunRun, succeeded } = await engine();
    const runId = parseId(id, 'The run ID');
    await rerunRun(gh, repo, runId, Boolean(o.failed), ctx.signal);
    const snap = o.watch ? await watch(ctx, gh, repo, runId, o.interval) : undefined;
    const text =
      `Re-running ${o.failed ? 'the failed jobs of ' : ''}run ${runId}.` +
      (snap ? `\n${formatRun(snap.run, snap.jobs)}` : `\nFollow it: run ${runId} --watch`);
    return {
      ok: snap ? succeeded(snap.run) : true,
      data: { runId, failedOnly: Boolean(o.failed), run: snap?.run, jobs: snap?.jobs },
      text,
    };
  },
};

const cancelCommand: CommandSpec<[string], { yes?: boolean; repo?: string }> = {
  name: 'cancel',
  summary: 'cancel a queued or running workflow run (asks first; --yes to skip)',
  configure: (c) =>
    c
      .argument('<id>', 'run ID')
      .addOption(new Option('-y, --yes', 'do not ask for confirmation'))
      .addOption(repoOption()),
  async run(ctx, [id], o) {
    const { gh, repo } = await githubContext(ctx, o.repo);
    const { cancelRun, getRun } = await engine();
    const runId = parseId(id, 'The run ID');
    const run = await getRun(gh, repo, runId, ctx.signal);
    if (run.status === 'completed')
      throw usageError(`Run ${runId} already completed (${run.conclusion}); there is nothing to cancel.`);
    await confirm(ctx, `Cancel run ${runId} (${run.name}, ${run.status})?`, o.yes, 'cancel');
    await cancelRun(gh, repo, runId, ctx.signal);
    return { ok: true, data: { runId, cancelled: true }, text: `Cancel requested for run ${runId}.` };
  },
};

export function register(program: Command, rt: CliRuntime): void {
  defineCommand(program, rt, runsCommand);
  defineCommand(program, rt, runCommand);
  defineCommand(program, rt, dispatchCommand);
  defineCommand(program, rt, logsCommand);
  defineCommand(program, rt, rerunCommand);
  defineCommand(program, rt, cancelCommand);
}
