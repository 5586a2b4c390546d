import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS } from './paths';

/**
 * Figures for docs/reliability.md: each reliability test appends what it proved (faults injected and survived,
 * inputs fuzzed, secrets found, containers left) to one JSON-lines file, summed by
 * `node scripts/reliability-figures.mjs` after a run.
 */
const FIGURES_FILE = path.join(ARTIFACTS, 'reliability-figures.jsonl');

export type FigureKind = 'fault' | 'fuzz' | 'secrets-leaked' | 'containers-left' | 'load' | 'hostile';

export function recordFigure(kind: FigureKind, name: string, values: Record<string, number | string>): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  appendFileSync(FIGURES_FILE, JSON.stringify({ kind, name, ...values, at: new Date().toISOString() }) + '\n');
}
