import type * as vscode from 'vscode';

/**
 * The disposables one object owns (its emitters, subscriptions, watchers), disposed together in the order they
 * were added. VS Code's own DisposableStore is internal to the workbench, hence this small one.
 */
export class DisposableStore implements vscode.Disposable {
  private items: vscode.Disposable[] = [];

  /** Adds one and hands it back, so a field can be declared and owned in one line. */
  add<T extends vscode.Disposable>(item: T): T {
    this.items.push(item);
    return item;
  }

  /** Disposes what the store holds now and keeps it usable (a watcher that watches another folder). */
  clear(): void {
    const items = this.items;
    this.items = [];
    for (const d of items) d.dispose();
  }

  dispose(): void {
    this.clear();
  }
}
