import * as vscode from 'vscode';
import { ReleaseOperatorServices } from './services';
import { registerCommands } from './commands';
import { ReleaseTreeProvider } from './tree';

/**
 * Activation wires services and registers everything in one place; it does no network, file or process work
 * itself (the tree loads its facts lazily when it is first shown).
 */
export function activate(context: vscode.ExtensionContext): { services: ReleaseOperatorServices } {
  const services = new ReleaseOperatorServices(context);
  const tree = new ReleaseTreeProvider(services);
  context.subscriptions.push(
    services,
    tree,
    vscode.window.createTreeView('releaseOperator.release', { treeDataProvider: tree, showCollapseAll: true }),
  );
  registerCommands(context, services, tree);
  return { services };
}

export function deactivate(): void {}
