import * as vscode from 'vscode';
import { checkName, readinessReport, reportMarkdown, type CheckResult, type ReadinessReport } from '../../core/report';
import type { KnownSmoke } from '../../core/gate';
import { describeError } from '../../core/errors';
import { DisposableStore } from '../disposables';
import type { ResultDocuments } from '../documents';
import type { Engines } from '../engines';
import type { Facts } from '../facts';
import { withCancellableProgress } from '../progress';
import type { ReleaseOperatorServices } from '../services';
import type { SmokeResults } from '../smokeResults';
import type { ReleaseNode } from '../tree/model';
import { ReleaseTreeProvider } from '../tree/provider';
import { fixOf, type FixContext } from './fixes';
import { reportNodes, rowId, VERDICT_ICON, verdictWord } from './nodes';

export const READINESS_VIEW = 'releaseOperator.readiness';

interface Shown {
  report: ReadinessReport;
  x: FixContext;
  /** The view's heading for an extra section (a glibc check run from a command). */
  heading?: string;
  /** With several images: which images the report is about (one, or all). */
  scope?: string;
}

/**
 * The Readiness view: is this version ready to ship? It shows the readiness report the engine builds (the gate's
 * rows, one model with the CLI and the Action) for the effective version or a picked one, and below it the last
 * on-demand check (glibc) in the same form. A status bar item says the report's verdict, as the summary row does.
 */
export class ReadinessView implements vscode.Disposable {
  readonly provider: ReleaseTreeProvider;
  readonly status: vscode.StatusBarItem;
  private readonly disposables = new DisposableStore();
  private readiness?: Shown;
  private extra?: Shown;
  /** Why there is no report to show (no version, no image). */
  private missing?: string;
  private version?: string;
  /** The one image of several the view is about (a filter, `--image NAME`); undefined: every image. */
  private image?: string;
  private computing?: Promise<ReadinessReport | undefined>;
  /** Cancels a build nobody asked for, when the view goes away. */
  private readonly quiet = new AbortController();

  constructor(
    private readonly deps: {
      services: ReleaseOperatorServices;
      engines: Engines;
      facts: () => Promise<Facts>;
      smoke: SmokeResults;
      documents: ResultDocuments;
    },
  ) {
    this.provider = this.disposables.add(new ReleaseTreeProvider(() => Promise.resolve(this.roots())));
    this.status = this.disposables.add(
      vscode.window.createStatusBarItem('releaseOperator.readiness', vscode.StatusBarAlignment.Left, 11),
    );
    this.status.name = vscode.l10n.t('Release Operator: Readiness');
    this.status.command = `${READINESS_VIEW}.focus`;
    // A smoke run that ends changes its platform's row: the report is built again from what is known now.
    this.disposables.add(
      deps.smoke.onDidChange(() => {
        if (this.readiness && deps.smoke.all().every((r) => r.state !== 'running')) void this.refreshSmokeRows();
      }),
    );
  }

  /** The report shown now (tests compare its rows with the view's). */
  get report(): ReadinessReport | undefined {
    return this.readiness?.report;
  }

  /** The version the view is about: picked, else the effective version. */
  async pickedVersion(f: Facts): Promise<string | undefined> {
    return this.version ?? f.status.version?.version;
  }

  pick(version: string | undefined): void {
    this.version = version;
  }

  /** The image of several the view is about; undefined: all of them (each row says its image). */
  get imageFilter(): string | undefined {
    return this.image;
  }

  pickImage(name: string | undefined): void {
    this.image = name;
  }

  /**
   * Builds the report for the version, then shows it. Asked for (the command): under a cancellable notification
   * that names the check running. By itself (the view shown, the repository changed): with the view's own progress
   * bar only, and a newer build or the view's disposal cancels it.
   */
  compute(options: { quiet?: boolean } = {}): Promise<ReadinessReport | undefined> {
    this.computing ??= this.build(options.quiet === true).finally(() => (this.computing = undefined));
    return this.computing;
  }

  private async build(quiet: boolean): Promise<ReadinessReport | undefined> {
    const all = await this.deps.facts();
    // A filter for an image no longer configured falls back to every image.
    const chosen = all.images.filter((i) => i.name === this.image);
    const f = chosen.length && all.images.length > 1 ? { ...all, images: chosen } : all;
    const version = await this.pickedVersion(f);
    const noImage = f.images.find((i) => !i.status.image);
    if (!version || noImage) {
      this.readiness = undefined;
      this.missing = !version
        ? vscode.l10n.t('No version found: set one in package.json, Cargo.toml, pyproject.toml or VERSION, or tag one')
        : all.images.length > 1
          ? vscode.l10n.t(
              'No image for {0}: set its "image" in the "images" list of release-operator.json',
              noImage!.name,
            )
          : vscode.l10n.t('No image: set "image" in release-operator.json or add a GitHub remote');
      this.provider.refresh();
      this.updateStatus();
      return undefined;
    }
    const run = (signal: AbortSignal, progress: (m: string) => void) =>
      this.deps.engines.readiness(f, version, this.knownSmoke(), signal, (check) =>
        progress(vscode.l10n.t('{0} running', check)),
      );
    const report = await vscode.window.withProgress({ location: { viewId: READINESS_VIEW } }, () =>
      quiet
        ? run(this.quiet.signal, () => undefined).catch((e: unknown) => {
            this.deps.services.logger.warn(`readiness of ${version}: ${describeError(e)}`);
            return undefined;
          })
        : withCancellableProgress(this.deps.services, vscode.l10n.t('Checking whether {0} is ready', version), run),
    );
    if (!report) return undefined;
    this.readiness = { report, x: this.fixContext(f, report), scope: this.scopeOf(f) };
    this.missing = undefined;
    this.deps.services.logger.info(`readiness of ${version}: ${report.summary}`);
    this.provider.refresh();
    this.updateStatus();
    return report;
  }

  /** The face's last smoke results, as the engine's rows with the reference each ran. */
  private knownSmoke(): KnownSmoke[] {
    return this.deps.smoke
      .all()
      .flatMap((r) => (r.check && r.state !== 'running' ? [{ reference: r.image, check: r.check }] : []));
  }

  /** After a smoke run: the smoke rows again, through the engine's report (no registry or GitHub reads). */
  private async refreshSmokeRows(): Promise<void> {
    const shown = this.readiness;
    if (!shown) return;
    // Each image's rows take the runs of its own reference (several images: the row's subject says the image).
    const contexts = shown.x.images ? Object.values(shown.x.images) : [shown.x];
    const runs = contexts.flatMap((x) =>
      this.knownSmoke()
        .filter((k) => k.reference === x.reference)
        .map((k) => ({
          subject: x.image === undefined ? k.check.subject : `${x.image} ${k.check.subject}`,
          check: x.image === undefined ? k.check : { ...k.check, subject: `${x.image} ${k.check.subject}` },
        })),
    );
    if (!runs.length) return;
    const checks: CheckResult[] = shown.report.checks.map(
      (c) => (c.id === 'smoke' && runs.find((k) => k.subject === c.subject)?.check) || c,
    );
    const report = readinessReport(checks, {
      image: shown.report.image,
      version: shown.report.version,
      context: shown.report.context,
      now: () => new Date(),
    });
    this.readiness = { ...shown, report };
    this.provider.refresh();
    this.updateStatus();
  }

  /** Shows a report of an on-demand check (glibc of an image) below the readiness rows. */
  async showExtra(report: ReadinessReport, heading: string): Promise<void> {
    const f = await this.deps.facts();
    this.extra = { report, heading, x: this.fixContext(f, report) };
    this.provider.refresh();
    await vscode.commands.executeCommand(`${READINESS_VIEW}.focus`);
  }

  /** With several images: which the report is about (one, or all). */
  private scopeOf(f: Facts): string | undefined {
    return f.images.length > 1
      ? vscode.l10n.t('All images: {0}', f.images.map((i) => i.name).join(', '))
      : f.images[0] && f.images[0].config !== f.config
        ? vscode.l10n.t('Image {0}', f.images[0].name)
        : undefined;
  }

  private fixContext(f: Facts, report: ReadinessReport): FixContext {
    const x: FixContext = {
      root: f.status.repository.root,
      version: report.version ?? '',
      reference: report.context?.reference ?? report.image ?? '',
      dockerfile: f.config.smoke.dockerfile,
    };
    if (f.images.length < 2) return f.images[0] ? { ...x, dockerfile: f.images[0].config.smoke.dockerfile } : x;
    // Several images: a row's fix works on its own image (its reference, its Dockerfile).
    const images: Record<string, FixContext> = {};
    for (const i of f.images)
      images[i.name] = {
        ...x,
        reference: report.context?.[`${i.name} reference`] ?? i.status.image ?? '',
        dockerfile: i.config.smoke.dockerfile,
        image: i.name,
      };
    return { ...x, images };
  }

  private roots(): ReleaseNode[] {
    const out: ReleaseNode[] = [];
    if (this.missing) out.push({ id: 'missing', label: this.missing, icon: 'info', contextValue: 'readinessMissing' });
    if (this.readiness?.scope)
      out.push({
        id: 'images',
        label: this.readiness.scope,
        icon: 'package',
        contextValue: 'readinessImages',
        tooltip: vscode.l10n.t('Release Operator: Check Readiness chooses the image (or all of them).'),
      });
    if (this.readiness) out.push(...reportNodes('readiness', this.readiness.report, this.readiness.x));
    if (this.extra)
      out.push({
        id: 'extra',
        label: this.extra.heading ?? '',
        description: this.extra.report.summary,
        ...VERDICT_ICON[this.extra.report.verdict],
        contextValue: 'readinessExtra',
        expanded: true,
        children: reportNodes('extra', this.extra.report, this.extra.x).slice(1),
        command: {
          command: 'releaseOperator.showReadinessDetails',
          title: vscode.l10n.t('Show Details'),
          arguments: [{ section: 'extra' }],
        },
      });
    return out;
  }

  private updateStatus(): void {
    const r = this.readiness?.report;
    if (!r) {
      this.status.hide();
      return;
    }
    const icon = {
      pass: '$(pass)',
      problem: '$(error)',
      'nothing-checked': '$(circle-large-outline)',
      environment: '$(warning)',
    }[r.verdict];
    this.status.text = `${icon} ${r.verdict === 'pass' ? vscode.l10n.t('{0} ready', r.version ?? '') : vscode.l10n.t('{0} not ready', r.version ?? '')}`;
    this.status.tooltip = `${verdictWord(r.verdict)}: ${r.summary}`;
    this.status.backgroundColor =
      r.verdict === 'problem' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.status.show();
  }

  /** The report as the Action's job summary writes it (markdown), opened at the row's section. */
  async details(arg?: { section?: string; row?: string }): Promise<void> {
    const shown = arg?.section === 'extra' ? this.extra : this.readiness;
    if (!shown) return;
    const check = shown.report.checks.find((c) => rowId(arg?.section ?? 'readiness', c) === arg?.row);
    const text = reportMarkdown(shown.report, {
      title: shown.heading ?? vscode.l10n.t('Readiness of {0}', shown.report.version ?? shown.report.image ?? ''),
    });
    const heading = check ? checkName(check) : undefined;
    await this.deps.documents.show(
      `readiness-${shown.report.version ?? 'image'}${arg?.section === 'extra' ? '-check' : ''}`,
      shown.heading ?? vscode.l10n.t('Readiness of {0}', shown.report.version ?? ''),
      [{ title: '', lines: text.split('\n') }],
      { language: 'markdown', reveal: heading ? (l) => l.startsWith('### ') && l.endsWith(` ${heading}`) : undefined },
    );
  }

  /** Runs a row's fix (its inline action). */
  async fix(node?: ReleaseNode): Promise<void> {
    const shown = node?.id.startsWith('extra/') ? this.extra : this.readiness;
    const check = shown?.report.checks.find((c) => node && rowId(node.id.split('/')[0], c) === node.id);
    if (!shown || !check) return;
    const fix = fixOf(check, shown.x);
    if (fix) await vscode.commands.executeCommand(fix.command, ...((fix.arguments ?? []) as unknown[]));
  }

  dispose(): void {
    this.quiet.abort();
    this.disposables.dispose();
  }
}
