import { neutralize as n } from '../neutralize';
import type { Basis, CheckFinding, CheckResult, NextAction, ReadinessReport, Verdict } from './model';

/**
 * Check results as text for a terminal: the CLI prints it, the editor shows it as a document, and the gate's
 * job summary can start from it. One line per check (verdict, title, what it saw), then its findings and next
 * actions indented under it, then what the checks relied on. Every field may quote a tag, a label or a server's
 * words, so each is neutralized: one line, no control codes (a label key cannot forge a "pass" line).
 */

export const VERDICT_LABELS: Record<Verdict, string> = {
  pass: 'pass',
  problem: 'problem',
  'nothing-checked': 'nothing checked',
  environment: 'could not run',
};

const SEVERITY_LABELS: Record<CheckFinding['severity'], string> = {
  error: 'problem',
  warning: 'warning',
  info: 'note',
};

/** A basis in words: `image tags: no prefix, inferred from 41 of 43 version tags`. */
export function describeBasis(b: Basis): string {
  const how =
    b.source === 'inferred'
      ? `inferred from ${b.detail}`
      : b.source === 'configured'
        ? `configured (${b.detail})`
        : `by default (${b.detail})`;
  return n(`${b.subject}: ${b.value}, ${how}`);
}

/** One check: its line, then its findings and next actions. `titleWidth` aligns the summaries of several. */
export function renderCheck(c: CheckResult, titleWidth = 0): string[] {
  const title = n(`${c.title}${c.subject ? ` ${c.subject}` : ''}${c.advisory ? ' (advisory)' : ''}`);
  const lines = [`  ${VERDICT_LABELS[c.verdict].padEnd(15)}  ${title.padEnd(titleWidth)}  ${n(c.summary)}`.trimEnd()];
  for (const f of c.findings) {
    const at = f.location ? ` (${n(f.location.file)}${f.location.line ? `:${f.location.line}` : ''})` : '';
    lines.push(`      ${SEVERITY_LABELS[f.severity]}: ${n(f.message)}${at}`);
    if (f.next) lines.push(`        ${nextText(f.next)}`);
  }
  for (const n of c.next ?? []) lines.push(`      ${nextText(n)}`);
  return lines;
}

function nextText(a: NextAction): string {
  return `next: ${n(a.text)}${a.command ? `: ${n(a.command)}` : ''}`;
}

/**
 * A report (or any set of checks with their combined verdict): a first line with `heading` and the summary,
 * the checks, then the basis of all of them.
 */
export function renderReport(
  r: Pick<ReadinessReport, 'summary' | 'checks' | 'basis'>,
  heading?: string,
  extra: { notes?: readonly string[] } = {},
): string {
  const width = Math.max(
    0,
    ...r.checks.map((c) => n(`${c.title}${c.subject ? ` ${c.subject}` : ''}${c.advisory ? ' (advisory)' : ''}`).length),
  );
  const lines = [n(heading ? `${heading}: ${r.summary}` : r.summary)];
  for (const c of r.checks) lines.push(...renderCheck(c, width));
  for (const b of r.basis) lines.push(`  based on: ${describeBasis(b)}`);
  for (const note of extra.notes ?? []) lines.push(`  note: ${n(note)}`);
  return lines.join('\n');
}
