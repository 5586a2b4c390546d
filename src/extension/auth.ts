import * as vscode from 'vscode';
import { registerSecret } from '../core/redact';
import type { Logger } from '../core/log';
import { DisposableStore } from './disposables';

const GITHUB_SCOPES = ['repo', 'workflow', 'read:packages'];

/**
 * The GitHub token: VS Code's GitHub session (asked silently at start, created on first use), else
 * GITHUB_TOKEN / GH_TOKEN from the environment (code-server and CI machines have no GitHub sign-in).
 * Never awaited during activation: the auth provider may take seconds to appear.
 */
export class GitHubAuth implements vscode.Disposable {
  private session?: vscode.AuthenticationSession;
  private readonly disposables = new DisposableStore();
  private readonly changed = this.disposables.add(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.disposables.add(
      vscode.authentication.onDidChangeSessions((e) => {
        if (e.provider.id === 'github') void this.refreshSilently();
      }),
    );
  }

  /** Starts the silent lookup in the background. */
  start(): void {
    void this.refreshSilently();
  }

  private async refreshSilently(): Promise<void> {
    try {
      this.setSession(await vscode.authentication.getSession('github', GITHUB_SCOPES, { silent: true }));
    } catch (e) {
      this.logger.debug(`GitHub session not available: ${(e as Error).message}`);
      this.setSession(undefined);
    }
  }

  private setSession(s: vscode.AuthenticationSession | undefined): void {
    const before = this.session?.accessToken;
    this.session = s;
    if (s) registerSecret(s.accessToken);
    void vscode.commands.executeCommand('setContext', 'releaseOperator.signedIn', this.signedIn);
    if (before !== s?.accessToken) this.changed.fire();
  }

  private envToken(): string | undefined {
    const t = this.env.GITHUB_TOKEN || this.env.GH_TOKEN || undefined;
    registerSecret(t);
    return t;
  }

  get signedIn(): boolean {
    return !!(this.session || this.envToken());
  }

  /** The token, or undefined. With `createIfNone` VS Code asks the user to sign in (first use of a GitHub action). */
  async token(createIfNone = false): Promise<string | undefined> {
    if (this.session) return this.session.accessToken;
    const env = this.envToken();
    if (env) return env;
    if (!createIfNone) return undefined;
    const s = await vscode.authentication.getSession('github', GITHUB_SCOPES, { createIfNone: true });
    this.setSession(s);
    return s?.accessToken;
  }

  dispose(): void {
    this.disposables.dispose();
  }
}
