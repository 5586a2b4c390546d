import * as vscode from 'vscode';
import type { CommandContext, Handler } from './context';

/** Refresh, logs, repository picker, sign-in. */
export function basicCommands(ctx: CommandContext): Record<string, Handler> {
  const { services } = ctx;
  return {
    refresh: () => ctx.refresh(),
    showLog: () => services.log.show(true),
    showContainerLogs: () => services.containers.show(true),
    selectRepository: async (folder?: vscode.WorkspaceFolder) => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      if (!folders.length)
        return void vscode.window.showInformationMessage('Open a folder that holds a git repository first.');
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
              title: 'Release Operator: repository to show',
              placeHolder: 'Pick the workspace folder whose release you operate',
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
          `GitHub sign-in did not complete: ${(e as Error).message}. You can also set GITHUB_TOKEN in the environment.`,
        );
      }
    },
  };
}
