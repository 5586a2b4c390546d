import type { CheckResult, Examined, NextAction, Verdict } from './model';
import { oneLine } from './escape';

/** Words for each verdict, shared by the renderers so every face names them alike. */
export const VERDICT_WORDS: Record<Verdict, string> = {
  pass: 'pass',
  problem: 'problem',
  'nothing-checked': 'nothing checked',
  environment: 'could not run',
};

/** What a check examined, in words: "2 platforms", or "0 platforms (looked for ...; found ...)". */
export function examinedText(e: Examined): string {
  const counted = `${e.count} ${e.what}`;
  if (e.count > 0) return counted;
  const parts = [e.lookedFor && `looked for ${e.lookedFor}`, e.foundInstead && `found ${e.foundInstead}`].filter(
    Boolean,
  );
  return parts.length ? `${counted} (${parts.join('; ')})` : counted;
}

/** A next action in words, with its command when it has one. */
export function nextText(n: NextAction): string {
  return n.command ? `${n.text}: ${n.command}` : n.text;
}

const MAX_VALUE = 400;

/** One evidence value on one line: strings as they are, lists joined, objects as compact JSON; long ones cut. */
function evidenceValue(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)
        ? value.join(', ')
        : JSON.stringify(value);
  const line = oneLine(text ?? String(value));
  return line.length > MAX_VALUE ? `${line.slice(0, MAX_VALUE)}...` : line;
}

/** A check's evidence as `key: value` pairs, without the long multi-line parts (log tails) a renderer shows apart. */
export function evidencePairs(c: Pick<CheckResult, 'evidence'>): Array<[string, string]> {
  return Object.entries(c.evidence ?? {})
    .filter(([k, v]) => v !== undefined && v !== null && !LONG_KEYS.has(k))
    .map(([k, v]) => [k, evidenceValue(v)]);
}

/** Evidence keys that hold lines of output (log tails); renderers show them as blocks. */
const LONG_KEYS = new Set(['logTail', 'logs', 'output']);

/** The multi-line evidence of a check (a failing container's log tail), as lines. */
export function evidenceBlock(c: Pick<CheckResult, 'evidence'>): string[] {
  for (const k of LONG_KEYS) {
    const v = c.evidence?.[k];
    if (Array.isArray(v)) return v.map((l) => String(l));
    if (typeof v === 'string') return v.split(/\r?\n/);
  }
  return [];
}

/** The check's title with its subject: "Smoke linux/arm64". */
export function checkName(c: Pick<CheckResult, 'title' | 'subject'>): string {
  return c.subject ? `${c.title} ${c.subject}` : c.title;
}
