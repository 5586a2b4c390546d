import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { localStatus, type StatusReport } from '../core/status';
import type { ReleaseOperatorServices } from './services';

type Node = { label: string; description?: string; tooltip?: string; icon?: string; contextValue?: string; children?: Node[]; id: string };

/** The Release tree. Facts load on first expansion, never during activation. */
export class ReleaseTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private status?: Promise<StatusReport | Error>;

  constructor(private readonly services: ReleaseOperatorServices) {}

  refresh(): void {
    this.status = undefined;
    this.changed.fire(undefined);
  }

  getTreeItem(n: Node): vscode.TreeItem {
    const item = new vscode.TreeItem(n.label, n.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = n.id;
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.contextValue = n.contextValue;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon);
    return item;
  }

  async getChildren(n?: Node): Promise<Node[]> {
    if (n) return n.children ?? [];
    const folder = this.services.folder;
    if (!folder) return [];
    this.status ??= this.services
      .config()
      .then((config) => localStatus(folder.uri.fsPath, config))
      .catch((e: unknown) => new Error(describeError(e)));
    const s = await this.status;
    if (s instanceof Error) return [{ id: 'error', label: s.message, icon: 'warning' }];
    const gh = s.repository.github;
    return [
      {
        id: 'repository',
        label: gh ? `${gh.owner}/${gh.name}` : 'Repository',
        description: `${s.repository.branch ?? 'detached'} @ ${s.repository.head?.slice(0, 7) ?? 'no commits'}`,
        icon: 'repo',
        contextValue: 'repository',
      },
      {
        id: 'version',
        label: 'Version',
        description: s.version ? `${s.version.version} (${s.version.source})` : 'none found',
        icon: 'tag',
        contextValue: 'version',
        children: s.tagPlan.map((t) => ({ id: `plan:${t.tag}`, label: t.tag, description: t.rule, icon: 'arrow-right', contextValue: 'plannedTag' })),
      },
    ];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
