import * as vscode from 'vscode';
import {
  checkName,
  examinedText,
  reportCounts,
  type CheckFinding,
  type CheckResult,
  type ReadinessReport,
  type Verdict,
} from '../../core/report';
import type { ReleaseNode } from '../tree/model';
import { verdictLabel } from '../verdicts';
import { fixOf, openLocation, type FixContext } from './fixes';

/** Icons per verdict. nothing-checked is a hollow circle, never the pass check mark: it vouches for nothing. */
export const VERDICT_ICON: Record<Verdict, { icon: string; iconColor?: string }> = {
  pass: { icon: 'pass', iconColor: 'testing.iconPassed' },
  problem: { icon: 'error', iconColor: 'testing.iconFailed' },
  'nothing-checked': { icon: 'circle-large-outline', iconColor: 'problemsWarningIcon.foreground' },
  environment: { icon: 'warning', iconColor: 'problemsWarningIcon.foreground' },
};

export const verdictWord = verdictLabel;

/** The row id of a check: its id and subject (a report has one row per check and subject). */
export const rowId = (section: string, c: Pick<CheckResult, 'id' | 'subject'>) =>
  `${section}/${c.id}${c.subject ? `/${c.subject}` : ''}`;

/**
 * A readiness report as rows: the summary line (the report's combined verdict) first, then one row per check in
 * the report's order with its verdict icon and what it examined. A row's click opens its details; its inline
 * action is its fix (contextValue "fixable"). Findings, digests and binaries are its children.
 */
export function reportNodes(section: string, report: ReadinessReport, x: FixContext): ReleaseNode[] {
  const summary: ReleaseNode = {
    id: `${section}/summary`,
    label:
      report.verdict === 'pass'
        ? vscode.l10n.t('{0}: ready', title(report))
        : vscode.l10n.t('{0}: not ready', title(report)),
    // The label says the verdict; the description the rest of the report's summary (its counts).
    description: reportCounts(report.verdict, report.checks),
    tooltip: report.summary,
    ...VERDICT_ICON[report.verdict],
    contextValue: `readinessSummary verdict-${report.verdict}`,
    command: {
      command: 'releaseOperator.showReadinessDetails',
      title: vscode.l10n.t('Show Details'),
      arguments: [{ section }],
    },
    data: { version: report.version },
  };
  return [summary, ...report.checks.map((c) => checkNode(section, c, x))];
}

const title = (r: ReadinessReport) => (r.version ? vscode.l10n.t('Version {0}', r.version) : (r.image ?? ''));

function checkNode(section: string, c: CheckResult, x: FixContext): ReleaseNode {
  const id = rowId(section, c);
  const fix = fixOf(c, x);
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(
    `**${checkName(c)}**: ${verdictWord(c.verdict)}${c.advisory ? ` (${vscode.l10n.t('advisory')})` : ''}\n\n`,
  );
  tip.appendText(`${c.summary}\n\n`);
  tip.appendText(vscode.l10n.t('Examined: {0}', examinedText(c.examined)));
  if (fix) tip.appendText(`\n\n${vscode.l10n.t('Fix: {0}', fix.title)}`);
  const kids = children(id, c, x);
  return {
    id,
    label: checkName(c),
    // What it examined; a check that could not run says why instead (it examined nothing by definition).
    description: `${c.advisory ? `${vscode.l10n.t('advisory')} · ` : ''}${verdictWord(c.verdict)} · ${
      c.verdict === 'environment' ? c.summary.replace(/^could not run: /, '') : examinedText(c.examined)
    }`,
    tooltip: tip,
    ...VERDICT_ICON[c.verdict],
    contextValue: `readinessCheck verdict-${c.verdict}${fix ? ' fixable' : ''}`,
    command: {
      command: 'releaseOperator.showReadinessDetails',
      title: vscode.l10n.t('Show Details'),
      arguments: [{ section, row: id }],
    },
    children: kids.length ? kids : undefined,
    expanded: c.verdict === 'problem',
    data: { reference: str(c.evidence?.image), platform: c.subject },
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** What is under a row: glibc's binaries with their missing versions, the platforms with digests, the findings. */
function children(id: string, c: CheckResult, x: FixContext): ReleaseNode[] {
  const out: ReleaseNode[] = [];
  if (c.id === 'glibc') out.push(...glibcChildren(id, c));
  if (c.id === 'platforms') out.push(...digestChildren(id, c));
  if (c.id === 'smoke') out.push(...smokeChildren(id, c));
  const shownAbove = c.id === 'glibc' ? (f: CheckFinding) => f.rule === 'missing-version' : () => false;
  c.findings
    .filter((f) => !shownAbove(f))
    .forEach((f, i) =>
      out.push({
        id: `${id}/finding/${i}`,
        label: f.message,
        description: [f.rule, f.location && `${f.location.file}:${f.location.line ?? 1}`].filter(Boolean).join(' · '),
        tooltip: f.message,
        icon: f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'info',
        iconColor:
          f.severity === 'error'
            ? 'problemsErrorIcon.foreground'
            : f.severity === 'warning'
              ? 'problemsWarningIcon.foreground'
              : undefined,
        contextValue: 'readinessFinding',
        command: openLocation(f, x.root),
      }),
    );
  return out;
}

/** platform -> binaries -> missing versions (a binary with nothing missing says so). */
function glibcChildren(id: string, c: CheckResult): ReleaseNode[] {
  const files = Array.isArray(c.evidence?.files) ? (c.evidence.files as unknown[]).map(String) : [];
  return files.map((file) => {
    const missing = c.findings
      .filter((f) => f.subject === file && f.rule === 'missing-version')
      .flatMap((f) =>
        Array.isArray(f.evidence?.missing) ? (f.evidence.missing as Array<{ version: string; library: string }>) : [],
      );
    return {
      id: `${id}/file/${file}`,
      label: file,
      description: missing.length
        ? vscode.l10n.t('needs {0}', [...new Set(missing.map((m) => m.version))].join(', '))
        : vscode.l10n.t('runs on the image glibc'),
      icon: missing.length ? 'error' : 'file-binary',
      iconColor: missing.length ? 'problemsErrorIcon.foreground' : undefined,
      contextValue: 'glibcBinary',
      expanded: missing.length > 0,
      children: missing.length
        ? missing.map((m, i) => ({
            id: `${id}/file/${file}/${i}`,
            label: m.version,
            description: m.library,
            icon: 'circle-slash',
            contextValue: 'glibcMissing',
          }))
        : undefined,
    };
  });
}

/** Each platform of the published index with its full manifest digest (copyable). */
function digestChildren(id: string, c: CheckResult): ReleaseNode[] {
  const digests = (c.evidence?.digests ?? {}) as Record<string, string>;
  return Object.entries(digests).map(([platform, digest]) => ({
    id: `${id}/digest/${platform}`,
    label: platform,
    description: digest.replace('sha256:', '').slice(0, 12),
    tooltip: digest,
    icon: 'package',
    contextValue: 'readinessDigest',
    data: { digest, platform },
  }));
}

/** A smoke row's steps, as the gate recorded them ("help ok, version ok, health FAILED"). */
function smokeChildren(id: string, c: CheckResult): ReleaseNode[] {
  const steps = str(c.evidence?.steps);
  if (!steps) return [];
  return steps.split(', ').map((s) => {
    const [name, state] = s.split(' ');
    return {
      id: `${id}/step/${name}`,
      label: name,
      description:
        state === 'ok'
          ? vscode.l10n.t('passed')
          : state === 'skipped'
            ? vscode.l10n.t('skipped')
            : vscode.l10n.t('failed'),
      icon: state === 'ok' ? 'pass' : state === 'skipped' ? 'debug-step-over' : 'error',
      contextValue: 'readinessStep',
    };
  });
}
