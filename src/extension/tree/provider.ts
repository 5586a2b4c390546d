import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import { errorNode, toTreeItem, type ReleaseNode } from './model';

/** Builds the root nodes; called again on every refresh. */
export type RootLoader = (signal: AbortSignal) => Promise<ReleaseNode[]>;

/**
 * The Release tree. Root facts load when the view first asks for them (never during activation), lazy
 * children on first expansion; a refresh drops everything and aborts loads still in flight.
 */
export class ReleaseTreeProvider implements vscode.TreeDataProvider<ReleaseNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReleaseNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots?: Promise<ReleaseNode[]>;
  private readonly loaded = new Map<string, Promise<ReleaseNode[]>>();
  private readonly parents = new Map<string, ReleaseNode>();
  /** Every node handed out since the last full refresh, by id (for refreshWhere). */
  private readonly shown = new Map<string, ReleaseNode>();
  private abort = new AbortController();

  constructor(private readonly loadRoots: RootLoader) {}

  refresh(node?: ReleaseNode): void {
    if (node) {
      this.loaded.delete(node.id);
      this.changed.fire(node);
      return;
    }
    this.abort.abort();
    this.abort = new AbortController();
    this.roots = undefined;
    this.loaded.clear();
    this.parents.clear();
    this.shown.clear();
    this.changed.fire(undefined);
  }

  /** Re-renders a root section once the roots have loaded (a live one: smoke results, the lint count). */
  async refreshRoot(id: string, update?: (node: ReleaseNode) => void): Promise<void> {
    const node = (await this.roots)?.find((n) => n.id === id);
    if (!node) return;
    update?.(node);
    this.refresh(node);
  }

  /** Re-renders every node shown whose id matches (a live section below the roots: an image's smoke results). */
  refreshWhere(match: (id: string) => boolean): void {
    for (const [id, node] of this.shown) if (match(id)) this.refresh(node);
  }

  getTreeItem(n: ReleaseNode): vscode.TreeItem {
    return toTreeItem(n);
  }

  getParent(n: ReleaseNode): ReleaseNode | undefined {
    return this.parents.get(n.id);
  }

  async getChildren(n?: ReleaseNode): Promise<ReleaseNode[]> {
    const signal = this.abort.signal;
    let kids: ReleaseNode[];
    if (!n) {
      this.roots ??= this.loadRoots(signal).catch((e) => [errorNode('root', describeError(e))]);
      kids = await this.roots;
    } else if (typeof n.children === 'function') {
      const load = n.children;
      let p = this.loaded.get(n.id);
      if (!p) {
        p = load(signal).catch((e) => [errorNode(n.id, describeError(e))]);
        this.loaded.set(n.id, p);
      }
      kids = await p;
    } else kids = n.children ?? [];
    for (const k of kids) {
      if (n) this.parents.set(k.id, n);
      this.shown.set(k.id, k);
    }
    return kids;
  }

  /** Every node reachable from the roots, loading lazy children: for tests and for commands that search the tree. */
  async walk(maxDepth = 4): Promise<ReleaseNode[]> {
    const out: ReleaseNode[] = [];
    const visit = async (parent: ReleaseNode | undefined, depth: number) => {
      for (const k of await this.getChildren(parent)) {
        out.push(k);
        if (depth < maxDepth && k.children) await visit(k, depth + 1);
      }
    };
    await visit(undefined, 0);
    return out;
  }

  dispose(): void {
    this.abort.abort();
    this.changed.dispose();
  }
}
