import * as vscode from 'vscode';
import type { ReleaseOperatorServices } from './services';
import type { ReleaseTreeProvider } from './tree';

/** Every command the extension contributes is registered here, so a test can compare with package.json. */
export function registerCommands(context: vscode.ExtensionContext, services: ReleaseOperatorServices, tree: ReleaseTreeProvider): void {
  const reg = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg('releaseOperator.refresh', () => tree.refresh());
  reg('releaseOperator.showLog', () => services.log.show(true));
}
