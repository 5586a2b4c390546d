import * as vscode from 'vscode';
import { loadConfig } from '../core/config/load';
import { validateOverrides } from '../core/config/load';
import type { ConfigOverrides, ReleaseOperatorConfig } from '../core/config/schema';
import { leafFields } from '../core/config/schema';
import { createLogger, type Logger } from '../core/log';

/** Shared services of the extension: the log, configuration, and the repository folder in use. */
export class ReleaseOperatorServices implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly logger: Logger;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Release Operator', { log: true });
    this.logger = createLogger((level, msg) => this.log[level](msg), 'trace');
    this.disposables.push(this.log);
  }

  /** The workspace folder the Release view is about (the first one, until a picker chooses). */
  get folder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  /** Settings the user set explicitly (not package.json defaults, so release-operator.json still applies). */
  settingsOverrides(): ConfigOverrides {
    const cfg = vscode.workspace.getConfiguration('releaseOperator', this.folder?.uri);
    const out: Record<string, any> = {};
    for (const [key] of leafFields()) {
      const i = cfg.inspect(key);
      const v = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
      if (v === undefined) continue;
      const parts = key.split('.');
      let o = out;
      for (const p of parts.slice(0, -1)) o = o[p] ??= {};
      o[parts.at(-1)!] = v;
    }
    return validateOverrides(out, 'settings (releaseOperator.*)');
  }

  async config(): Promise<ReleaseOperatorConfig> {
    const root = this.folder?.uri.fsPath ?? process.cwd();
    return (await loadConfig(root, this.settingsOverrides())).config;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
