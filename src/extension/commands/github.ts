import * as vscode from 'vscode';
import { usageError } from '../../core/errors';
import { guarded as guardedHandler, withCancellableProgress } from '../progress';
import type { ReleaseNode } from '../tree/model';
import type { CommandContext, Handler } from './context';
import { confirm } from './pick';

/** Release workflow: dispatch with typed inputs, re-run, cancel, logs. */
export function githubCommands(ctx: CommandContext): Record<string, Handler> {
  const { services } = ctx;
  const github = async () => {
    const f = await ctx.facts();
    const repo = f.status.repository.github;
    if (!repo)
      throw usageError(
        vscode.l10n.t('This repository has no GitHub remote.'),
        vscode.l10n.t('Add a remote that points at github.com (any remote name works).'),
      );
    const gh = await ctx.engines.github(f.config, repo, true);
    if (!gh)
      throw usageError(
        vscode.l10n.t('Not signed in to GitHub.'),
        vscode.l10n.t('Run "Release Operator: Sign in to GitHub" or set GITHUB_TOKEN.'),
      );
    return { f, gh };
  };
  const runIdOf = async (
    node: ReleaseNode | { runId: number } | undefined,
    title: string,
  ): Promise<number | undefined> => {
    if (node && 'runId' in node) return node.runId;
    if (node?.data?.runId) return node.data.runId;
    const { gh } = await github();
    const pick = await vscode.window.showQuickPick<vscode.QuickPickItem & { id: number }>(
      gh.runs().then((runs): Array<vscode.QuickPickItem & { id: number }> =>
        runs.map((r) => ({
          label: r.title,
          description: `#${r.id} · ${r.status === 'completed' ? (r.conclusion ?? '') : r.status}`,
          id: r.id,
        })),
      ),
      { title },
    );
    return pick?.id;
  };
  const guarded = <A extends unknown[], R>(what: string, fn: (...a: A) => Promise<R>) =>
    guardedHandler(services, what, fn);
  return {
    runWorkflow: guarded(
      vscode.l10n.t('Run release workflow'),
      async (args?: { ref?: string; inputs?: Record<string, string>; confirmed?: boolean }) => {
        const { f } = await github();
        const { workflow, reason } = await ctx.engines.releaseWorkflow(f);
        if (!workflow)
          throw usageError(
            vscode.l10n.t('No release workflow: {0}.', reason),
            vscode.l10n.t(
              'Set releaseOperator.github.releaseWorkflow (or "github.releaseWorkflow" in release-operator.json).',
            ),
          );
        if (!workflow.events.includes('workflow_dispatch'))
          throw usageError(
            vscode.l10n.t('{0} cannot be started by hand: it has no workflow_dispatch trigger.', workflow.path),
            vscode.l10n.t('Add `on: workflow_dispatch` to the workflow, or release by pushing a tag.'),
          );
        const ref =
          args?.ref ??
          (await vscode.window.showInputBox({
            title: vscode.l10n.t('Run {0}: branch or tag', workflow.name),
            value: f.status.repository.branch ?? '',
            validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A branch or tag is required')),
          }));
        if (!ref) return;
        const given: Record<string, string> = { ...args?.inputs };
        // Called with inputs (a keybinding, a test, another extension): no prompts, the declared defaults apply.
        for (const input of args?.inputs ? [] : (workflow.dispatchInputs ?? [])) {
          const title = `${workflow.name}: ${input.name}${input.description ? ` - ${input.description}` : ''}`;
          let value: string | undefined;
          if (input.type === 'boolean' || input.type === 'choice') {
            const options = input.type === 'boolean' ? ['true', 'false'] : (input.options ?? []);
            value = (
              await vscode.window.showQuickPick(
                options.map((o) => ({
                  label: o,
                  description: String(input.default) === o ? vscode.l10n.t('default') : undefined,
                })),
                { title, placeHolder: input.type },
              )
            )?.label;
          } else {
            value = await vscode.window.showInputBox({
              title,
              value: input.default !== undefined ? String(input.default) : '',
              prompt: input.required ? vscode.l10n.t('{0}, required', input.type) : input.type,
              validateInput: (v) =>
                input.required && !v
                  ? vscode.l10n.t('Required')
                  : input.type === 'number' && v && Number.isNaN(Number(v))
                    ? vscode.l10n.t('A number')
                    : undefined,
            });
          }
          if (value === undefined) return;
          given[input.name] = value;
        }
        // The engine validates against the declared types and says what is wrong.
        const { send } = await ctx.engines.prepareInputs(workflow, given);
        const shown =
          Object.entries(send)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || vscode.l10n.t('no inputs');
        const confirmed =
          args?.confirmed ||
          (await confirm(
            vscode.l10n.t('Run {0} on {1}?', workflow.name, ref),
            vscode.l10n.t('{0} with {1}. This starts a release workflow on GitHub.', workflow.path, shown),
            vscode.l10n.t('Run Workflow'),
          ));
        if (!confirmed) return;
        const result = await withCancellableProgress(services, vscode.l10n.t('Starting {0}', workflow.name), (signal) =>
          ctx.engines.dispatch(f, workflow, ref, send, signal),
        );
        if (!result) return;
        ctx.refresh();
        void vscode.window
          .showInformationMessage(
            vscode.l10n.t('Started {0} run #{1}.', workflow.name, result.run.id),
            vscode.l10n.t('Open in Browser'),
          )
          .then((p) => (p ? vscode.env.openExternal(vscode.Uri.parse(result.run.url)) : undefined));
        return result;
      },
    ),
    rerunWorkflow: guarded(
      vscode.l10n.t('Re-run workflow'),
      async (node?: ReleaseNode | { runId: number; confirmed?: boolean }) => {
        const runId = await runIdOf(node, vscode.l10n.t('Re-run failed jobs of run'));
        if (!runId) return;
        const confirmed =
          (node && 'confirmed' in node && node.confirmed) ||
          (await confirm(
            vscode.l10n.t('Re-run the failed jobs of run #{0}?', runId),
            vscode.l10n.t('GitHub starts the failed jobs again.'),
            vscode.l10n.t('Re-run'),
          ));
        if (!confirmed) return;
        const { f } = await github();
        await withCancellableProgress(services, vscode.l10n.t('Re-running run #{0}', runId), (signal) =>
          ctx.engines.rerun(f, runId, signal),
        );
        ctx.refresh();
      },
    ),
    cancelWorkflow: guarded(
      vscode.l10n.t('Cancel workflow run'),
      async (node?: ReleaseNode | { runId: number; confirmed?: boolean }) => {
        const runId = await runIdOf(node, vscode.l10n.t('Cancel run'));
        if (!runId) return;
        const confirmed =
          (node && 'confirmed' in node && node.confirmed) ||
          (await confirm(
            vscode.l10n.t('Cancel run #{0}?', runId),
            vscode.l10n.t('GitHub stops the run; jobs in progress are cancelled.'),
            vscode.l10n.t('Cancel Run'),
          ));
        if (!confirmed) return;
        const { f } = await github();
        await withCancellableProgress(services, vscode.l10n.t('Cancelling run #{0}', runId), (signal) =>
          ctx.engines.cancelRun(f, runId, signal),
        );
        ctx.refresh();
      },
    ),
    showRunLogs: guarded(
      vscode.l10n.t('Show run logs'),
      async (node?: ReleaseNode | { runId: number; jobId?: number }) => {
        const runId = await runIdOf(node, vscode.l10n.t('Show logs of run'));
        if (!runId) return;
        const { f } = await github();
        const jobId = node && 'id' in node ? node.data?.jobId : node?.jobId;
        const log = await withCancellableProgress(
          services,
          vscode.l10n.t('Reading logs of run #{0}', runId),
          (signal) => ctx.engines.runLogs(f, runId, jobId, signal),
        );
        if (log === undefined) return;
        // A read-only document with a section per step, opened at the first step that failed.
        const name = jobId ? `run-${runId}-job-${jobId}` : `run-${runId}`;
        const title = jobId ? vscode.l10n.t('Run #{0}, job {1}', runId, jobId) : vscode.l10n.t('Run #{0}', runId);
        await ctx.documents.show(name, title, log.sections, { language: 'log', reveal: log.failing });
        return log;
      },
    ),
  };
}
