import * as vscode from 'vscode';
import type { PlatformSmoke, SmokeStepView } from './smokeResults';

/** The marker of a failing step's header: one string to search the channel for (Ctrl+F in the Output panel). */
const FAILED_MARK = '>>> FAILED';

const secs = (ms?: number) => (ms === undefined ? '' : ` (${(ms / 1000).toFixed(1)} s)`);

/**
 * A smoke run's log as sections for the Containers output channel: a header per platform, and under it one per
 * step with what it did. Passing platforms come first and failing ones last; within a failing platform the failing
 * step is the last section, marked, with the container's evidence (docker ps row, exit, log tail) under it. VS Code
 * cannot scroll an output channel to a line, and show() leaves the view at its end, so what is at the end is what
 * the operator sees: the failing step, then one line naming every failing step (a run can fail on several).
 */
export function smokeLogText(reference: string, runs: readonly PlatformSmoke[]): string {
  const failing = (r: PlatformSmoke) => r.state === 'failed';
  const ordered = [...runs.filter((r) => !failing(r)), ...runs.filter(failing)];
  const out = [`==== ${vscode.l10n.t('Smoke test of {0}', reference)} ====`];
  const pointers: string[] = [];
  for (const r of ordered) {
    const failed = r.steps.find((s) => s.state === 'failed');
    out.push(
      '',
      `==== ${r.platform}: ${
        failed
          ? vscode.l10n.t('failed at step {0}', failed.name)
          : failing(r)
            ? vscode.l10n.t('failed')
            : r.state === 'passed'
              ? vscode.l10n.t('passed')
              : vscode.l10n.t('cancelled')
      }${secs(r.durationMs)} ====`,
    );
    const skipped = r.steps.filter((s) => s.state === 'skipped').map((s) => s.name);
    for (const s of r.steps.filter((x) => x.state !== 'skipped' && x !== failed)) out.push(...stepSection(r, s));
    if (skipped.length) out.push(`---- ${r.platform} › ${vscode.l10n.t('not run: {0}', skipped.join(', '))}`);
    if (failing(r)) {
      // The evidence sits under the failing step; a platform that failed without one (it could not be checked
      // here) gets it under its own header.
      if (failed) out.push(...stepSection(r, failed));
      else if (r.message) out.push(`${FAILED_MARK} ${r.platform}: ${r.message}`);
      out.push(...evidence(r));
      pointers.push(failed ? `${r.platform} › ${failed.name}` : r.platform);
    }
  }
  if (pointers.length)
    out.push('', `${FAILED_MARK}: ${pointers.join('; ')} — ${vscode.l10n.t('its section is the one marked above')}`);
  return out.join('\n') + '\n';
}

function stepSection(r: PlatformSmoke, s: SmokeStepView): string[] {
  const mark = s.state === 'failed' ? `${FAILED_MARK} ` : '';
  const state =
    s.state === 'failed'
      ? vscode.l10n.t('failed')
      : s.state === 'passed'
        ? vscode.l10n.t('passed')
        : vscode.l10n.t('running');
  return [`---- ${mark}${r.platform} › ${s.name}: ${state}${secs(s.durationMs)} ----`, ...(s.detail ? [s.detail] : [])];
}

function evidence(r: PlatformSmoke): string[] {
  return [
    ...(r.exit !== undefined ? [vscode.l10n.t('container exit code: {0}', r.exit)] : []),
    ...(r.psRow ? [vscode.l10n.t('docker ps -a: {0}', r.psRow)] : []),
    ...(r.logs?.length ? [vscode.l10n.t('docker logs (last {0} lines):', r.logs.length), ...r.logs] : []),
  ];
}
