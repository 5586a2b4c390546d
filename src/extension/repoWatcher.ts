import * as vscode from 'vscode';
import path from 'node:path';
import { DisposableStore } from './disposables';

/**
 * Fires when the repository's HEAD or refs change (commit, checkout, tag, fetch), debounced: one git
 * operation touches several files. Watches .git of the given folder; a worktree's .git file is not followed.
 */
export class RepoWatcher implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** The watchers of the folder in view; cleared when another folder is watched. */
  private readonly watchers = new DisposableStore();
  private timer?: NodeJS.Timeout;

  constructor(private readonly debounceMs = 500) {}

  watch(folder: vscode.WorkspaceFolder | undefined): void {
    this.watchers.clear();
    if (!folder) return;
    const git = vscode.Uri.file(path.join(folder.uri.fsPath, '.git'));
    for (const pattern of ['HEAD', 'packed-refs', 'refs/**']) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(git, pattern));
      const fire = () => this.fireSoon();
      for (const d of [w, w.onDidChange(fire), w.onDidCreate(fire), w.onDidDelete(fire)]) this.watchers.add(d);
    }
  }

  private fireSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(), this.debounceMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watchers.dispose();
    this.changed.dispose();
  }
}
