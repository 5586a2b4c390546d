import * as vscode from 'vscode';
import { DisposableStore } from './disposables';
import type { PlatformSmoke, SmokeResults, SmokeState } from './smokeResults';

const ICONS: Record<SmokeState, string> = {
  running: '$(sync~spin)',
  passed: '$(pass)',
  failed: '$(error)',
  cancelled: '$(circle-slash)',
};

/** Short platform name for the status bar: linux/arm64 -> arm64, linux/arm/v7 -> arm/v7. */
const shortPlatform = (p: string) => p.replace(/^linux\//, '');

function statusText(results: readonly PlatformSmoke[]): string {
  if (!results.length) return `$(beaker) ${vscode.l10n.t('Smoke: not run')}`;
  // Several images: each result says its image (worker/amd64).
  const name = (r: PlatformSmoke) =>
    `${r.imageName === undefined ? '' : `${r.imageName}/`}${shortPlatform(r.platform)}`;
  return `$(beaker) ${results.map((r) => `${ICONS[r.state]} ${name(r)}`).join('  ')}`;
}

/** A smoke state in the display language. */
export function stateLabel(state: SmokeState): string {
  const labels: Record<SmokeState, string> = {
    running: vscode.l10n.t('running'),
    passed: vscode.l10n.t('passed'),
    failed: vscode.l10n.t('failed'),
    cancelled: vscode.l10n.t('cancelled'),
  };
  return labels[state];
}

/**
 * The last smoke result per platform. Clicking opens the result (and, for a failure, the container logs).
 * Hidden while the workspace has no repository.
 */
export class SmokeStatusBar implements vscode.Disposable {
  private readonly disposables = new DisposableStore();
  readonly item = this.disposables.add(
    vscode.window.createStatusBarItem('releaseOperator.smoke', vscode.StatusBarAlignment.Left, 10),
  );
  private hasRepository = false;

  constructor(private readonly results: SmokeResults) {
    this.item.name = vscode.l10n.t('Release Operator: Smoke');
    this.item.command = 'releaseOperator.showSmokeResult';
    this.disposables.add(results.onDidChange(() => this.update()));
    this.update();
  }

  /** Shown only while the workspace has a repository. */
  get visible(): boolean {
    return this.hasRepository;
  }

  setHasRepository(has: boolean): void {
    this.hasRepository = has;
    this.update();
  }

  private update(): void {
    const all = this.results.all();
    this.item.text = statusText(all);
    const failed = all.some((r) => r.state === 'failed');
    this.item.backgroundColor = failed ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const line = (r: PlatformSmoke) => {
      const took = r.durationMs !== undefined ? vscode.l10n.t(' in {0} s', (r.durationMs / 1000).toFixed(1)) : '';
      const what = r.imageName === undefined ? r.platform : `${r.imageName} ${r.platform}`;
      return `- **${what}**: ${stateLabel(r.state)}${took}${r.message ? ` - ${r.message}` : ''}`;
    };
    const tip = new vscode.MarkdownString(
      all.length
        ? all.map(line).join('\n')
        : vscode.l10n.t('No smoke test has run in this window. Run one with **Release Operator: Run Smoke Test...**'),
    );
    tip.appendMarkdown(`\n\n${vscode.l10n.t('Click to show the result.')}`);
    this.item.tooltip = tip;
    if (this.hasRepository) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.disposables.dispose();
  }
}
