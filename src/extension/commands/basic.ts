import * as vscode from 'vscode';
import type { CommandContext, Handler } from './context';
import type { ReleaseNode } from '../tree/model';

/** Refresh, logs, repository picker, sign-in. */
export function basicCommands(ctx: CommandContext): Record<string, Handler> {
  const { services } = ctx;
  return {
    refresh: () => ctx.refresh(),
    // A "Show more" node (the image tags' next page): loads them, then redraws its folder with them.
    showMore: async (node?: ReleaseNode) => {
      if (!node?.more) return;
      await vscode.window.withProgress(
        { location: { viewId: 'releaseOperator.release' }, title: vscode.l10n.t('Loading more tags') },
        () => node.more!(new AbortController().signal),
      );
      ctx.tree.refresh(node.parent);
    },
    showLog: () => services.log.show(true),
    showContainerLogs: () => services.containers.show(true),
    selectRepository: async (folder?: vscode.WorkspaceFolder) => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      if (!folders.length)
        return void vscode.window.showInformationMessage(
          vscode.l10n.t('Open a folder that holds a git repository first.'),
        );
      const chosen =
        folder ??
        (
          await vscode.window.showQuickPick(
            folders.map((f) => ({
              label: f.name,
              description: f.uri.fsPath,
              picked: f === services.folder,
              folder: f,
            })),
            {
              title: vscode.l10n.t('Release Operator: repository to show'),
              placeHolder: vscode.l10n.t('Pick the workspace folder whose release you operate'),
            },
          )
        )?.folder;
      if (chosen) await services.selectFolder(chosen);
    },
    signIn: async () => {
      try {
        if (await ctx.auth.token(true)) ctx.refresh();
      } catch (e) {
        void vscode.window.showWarningMessage(
          vscode.l10n.t(
            'GitHub sign-in did not complete: {0}. You can also set GITHUB_TOKEN in the environment.',
            (e as Error).message,
          ),
        );
      }
    },
  };
}
