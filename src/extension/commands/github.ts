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
        'This repository has no GitHub remote.',
        'Add a remote that points at github.com (any remote name works).',
      );
    const gh = await ctx.engines.github(f.config, repo, true);
    if (!gh)
      throw usageError('Not signed in to GitHub.', 'Run "Release Operator: Sign in to GitHub" or set GITHUB_TOKEN.');
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
      'Run release workflow',
      async (args?: { ref?: string; inputs?: Record<string, string>; confirmed?: boolean }) => {
        const { f } = await github();
        const { workflow, reason } = await ctx.engines.releaseWorkflow(f);
        if (!workflow)
          throw usageError(
            `No release workflow: ${reason}.`,
            'Set releaseOperator.github.releaseWorkflow (or "github.releaseWorkflow" in release-operator.json).',
          );
        if (!workflow.events.includes('workflow_dispatch'))
          throw usageError(
            `${workflow.path} cannot be started by hand: it has no workflow_dispatch trigger.`,
            'Add `on: workflow_dispatch` to the workflow, or release by pushing a tag.',
          );
        const ref =
          args?.ref ??
          (await vscode.window.showInputBox({
            title: `Run ${workflow.name}: branch or tag`,
            value: f.status.repository.branch ?? '',
            validateInput: (v) => (v.trim() ? undefined : 'A branch or tag is required'),
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
                options.map((o) => ({ label: o, description: String(input.default) === o ? 'default' : undefined })),
                { title, placeHolder: input.type },
              )
            )?.label;
          } else {
            value = await vscode.window.showInputBox({
              title,
              value: input.default !== undefined ? String(input.default) : '',
              prompt: `${input.type}${input.required ? ', required' : ''}`,
              validateInput: (v) =>
                input.required && !v
                  ? 'Required'
                  : input.type === 'number' && v && Number.isNaN(Number(v))
                    ? 'A number'
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
            .join(', ') || 'no inputs';
        const confirmed =
          args?.confirmed ||
          (await confirm(
            `Run ${workflow.name} on ${ref}?`,
            `${workflow.path} with ${shown}. This starts a release workflow on GitHub.`,
            'Run Workflow',
          ));
        if (!confirmed) return;
        const result = await withCancellableProgress(services, `Starting ${workflow.name}`, (signal) =>
          ctx.engines.dispatch(f, workflow, ref, send, signal),
        );
        if (!result) return;
        ctx.refresh();
        void vscode.window
          .showInformationMessage(`Started ${workflow.name} run #${result.run.id}.`, 'Open in Browser')
          .then((p) => p && vscode.env.openExternal(vscode.Uri.parse(result.run.url)));
        return result;
      },
    ),
    rerunWorkflow: guarded('Re-run workflow', async (node?: ReleaseNode | { runId: number; confirmed?: boolean }) => {
      const runId = await runIdOf(node, 'Re-run failed jobs of run');
      if (!runId) return;
      const confirmed =
        (node && 'confirmed' in node && node.confirmed) ||
        (await confirm(`Re-run the failed jobs of run #${runId}?`, 'GitHub starts the failed jobs again.', 'Re-run'));
      if (!confirmed) return;
      const { f } = await github();
      await withCancellableProgress(services, `Re-running run #${runId}`, (signal) =>
        ctx.engines.rerun(f, runId, signal),
      );
      ctx.refresh();
    }),
    cancelWorkflow: guarded(
      'Cancel workflow run',
      async (node?: ReleaseNode | { runId: number; confirmed?: boolean }) => {
        const runId = await runIdOf(node, 'Cancel run');
        if (!runId) return;
        const confirmed =
          (node && 'confirmed' in node && node.confirmed) ||
          (await confirm(
            `Cancel run #${runId}?`,
            'GitHub stops the run; jobs in progress are cancelled.',
            'Cancel Run',
          ));
        if (!confirmed) return;
        const { f } = await github();
        await withCancellableProgress(services, `Cancelling run #${runId}`, (signal) =>
          ctx.engines.cancelRun(f, runId, signal),
        );
        ctx.refresh();
      },
    ),
    showRunLogs: guarded('Show run logs', async (node?: ReleaseNode | { runId: number }) => {
      const runId = await runIdOf(node, 'Show logs of run');
      if (!runId) return;
      const { f } = await github();
      const jobId = node && 'id' in node ? node.data?.jobId : undefined;
      const text = await withCancellableProgress(services, `Reading logs of run #${runId}`, (signal) =>
        ctx.engines.runLogs(f, runId, jobId, signal),
      );
      if (text === undefined) return;
      const doc = await vscode.workspace.openTextDocument({ language: 'log', content: text });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
  };
}
