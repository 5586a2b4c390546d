import * as vscode from 'vscode';
import { loadConfig, validateOverrides } from '../core/config/load';
import type { ConfigOverrides, ReleaseOperatorConfig } from '../core/config/schema';
import { RESTRICTED_KEYS, leafFields } from '../core/config/schema';
import { createLogger, type Logger } from '../core/log';
import { runProcess, type Runner } from '../core/process/run';
import { redact } from '../core/redact';
import { DisposableStore } from './disposables';

const SELECTED_FOLDER_KEY = 'releaseOperator.selectedFolder';

/**
 * Shared services of the extension: the product log, the container log, configuration, and the repository
 * folder in use (the first workspace folder until the picker chooses another; the choice is remembered).
 */
export class ReleaseOperatorServices implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  /** Container output (docker logs of failing smoke containers, build output): kept apart from the product log. */
  readonly containers: vscode.OutputChannel;
  readonly logger: Logger;
  /** Programs run through the engine's one runner, with every command line logged at debug level. */
  readonly run: Runner;
  private readonly disposables = new DisposableStore();
  private readonly folderChanged = this.disposables.add(new vscode.EventEmitter<vscode.WorkspaceFolder | undefined>());
  readonly onDidChangeFolder = this.folderChanged.event;
  private containerTail = '';

  constructor(readonly context: vscode.ExtensionContext) {
    this.log = this.disposables.add(vscode.window.createOutputChannel('Release Operator', { log: true }));
    this.containers = this.disposables.add(vscode.window.createOutputChannel('Release Operator: Containers'));
    this.logger = createLogger((level, msg) => this.log[level](msg), 'trace');
    this.run = (command, args, options) => {
      this.logger.debug(`run: ${command} ${args.join(' ')}`);
      return runProcess(command, args, options);
    };
    this.disposables.add(vscode.workspace.onDidChangeWorkspaceFolders(() => this.folderChanged.fire(this.folder)));
  }

  /** Appends container output, redacted (a container may echo a token from its environment). */
  appendContainerLog(text: string): void {
    const clean = redact(text.endsWith('\n') ? text : text + '\n');
    this.containers.append(clean);
    this.containerTail = (this.containerTail + clean).slice(-64 * 1024);
  }

  /** The last 64 KiB written to the container channel (output channels cannot be read back). */
  containerLogTail(): string {
    return this.containerTail;
  }

  /** The workspace folder the Release view is about. */
  get folder(): vscode.WorkspaceFolder | undefined {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const chosen = this.context.workspaceState.get<string>(SELECTED_FOLDER_KEY);
    return folders.find((f) => f.uri.toString() === chosen) ?? folders[0];
  }

  async selectFolder(folder: vscode.WorkspaceFolder): Promise<void> {
    await this.context.workspaceState.update(SELECTED_FOLDER_KEY, folder.uri.toString());
    this.folderChanged.fire(folder);
  }

  /** Settings the user set explicitly (not package.json defaults, so release-operator.json still applies). */
  settingsOverrides(): ConfigOverrides {
    // One inspect of the whole section (each layer's values as one object) rather than one per setting: about 40
    // inspects took 6 to 15 ms of the extension host's time on every load of the Release view, this one under 1 ms.
    const all = vscode.workspace
      .getConfiguration(undefined, this.folder?.uri)
      .inspect<Record<string, unknown>>('releaseOperator');
    const layers = [all?.workspaceFolderValue, all?.workspaceValue, all?.globalValue];
    // inspect() shows the workspace's values even where VS Code ignores them: leave out what an untrusted
    // workspace may not choose (its restricted settings), as get() would.
    const userOnly = vscode.workspace.isTrusted ? [] : (RESTRICTED_KEYS as readonly string[]);
    type Tree = { [k: string]: unknown };
    const out: Tree = {};
    for (const [key] of leafFields()) {
      const parts = key.split('.');
      const at = (layer: unknown) =>
        parts.reduce<unknown>(
          (o, p) => (o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[p] : undefined),
          layer,
        );
      const v = (userOnly.includes(key) ? [all?.globalValue] : layers).map(at).find((x) => x !== undefined);
      if (v === undefined) continue;
      let o = out;
      for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Tree;
      o[parts.at(-1)!] = v;
    }
    return validateOverrides(out, 'settings (releaseOperator.*)');
  }

  async config(): Promise<ReleaseOperatorConfig> {
    const root = this.folder?.uri.fsPath ?? process.cwd();
    const { config, ignored } = await loadConfig(root, this.settingsOverrides(), {
      untrusted: !vscode.workspace.isTrusted,
    });
    if (ignored.length)
      this.logger.info(
        `release-operator.json: ${ignored.join(', ')} left out in an untrusted workspace ` +
          '(they choose what runs on this machine); set them in your user settings',
      );
    return config;
  }

  dispose(): void {
    this.disposables.dispose();
  }
}
