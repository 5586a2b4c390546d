import * as vscode from 'vscode';

/**
 * Building or running a repository's image executes the repository's code, so those actions need a trusted
 * workspace. Returns the reason an action is blocked, or undefined when it may run.
 */
export function trustBlockReason(trusted: boolean, action: string): string | undefined {
  if (trusted) return undefined;
  return vscode.l10n.t(
    "{0} is disabled in an untrusted workspace: it builds or runs this repository's images, which executes the repository's code. Trust the workspace (Workspaces: Manage Workspace Trust) to enable it.",
    action,
  );
}

/** Shows why an action is blocked (with a button to manage trust) and returns false, or returns true. */
export function requireTrust(action: string): boolean {
  const reason = trustBlockReason(vscode.workspace.isTrusted, action);
  if (!reason) return true;
  void vscode.window.showWarningMessage(reason, vscode.l10n.t('Manage Workspace Trust')).then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
