import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../test/helpers/paths';
import { fmtMs, summarize, type Summary } from './stats';

export interface Row {
  name: string;
  samples: number[];
  /** Extra columns, e.g. request counts. */
  extra?: Record<string, string | number>;
}

export interface Table {
  title: string;
  /** Row name the ratios are taken against (this project). */
  subject: string;
  rows: Row[];
  notes?: string[];
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.type()} ${os.release()} ${os.arch()}, ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/** A markdown table: median, spread, and how many times slower each row is than the subject. */
export function renderTable(t: Table): string {
  const sums = new Map<string, Summary>(t.rows.map((r) => [r.name, summarize(r.samples)]));
  const subject = sums.get(t.subject)!;
  const extraKeys = [...new Set(t.rows.flatMap((r) => Object.keys(r.extra ?? {})))];
  const head = ['what', 'runs', 'median', 'min – max', 'ratio to this project', ...extraKeys];
  const lines = [`### ${t.title}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of t.rows) {
    const s = sums.get(r.name)!;
    const ratio = r.name === t.subject ? '1.00' : `${(s.median / subject.median).toFixed(2)}`;
    lines.push(
      `| ${[r.name, s.n, fmtMs(s.median), `${fmtMs(s.min)} – ${fmtMs(s.max)}`, ratio, ...extraKeys.map((k) => r.extra?.[k] ?? '')].join(' | ')} |`,
    );
  }
  if (t.notes?.length) lines.push('', ...t.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

/** The load average as `uptime` shows it (1, 5, 15 minutes): other work on the machine moves every figure. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

/**
 * How fast this machine's CPU is right now: a fixed loop of 10^8 additions, the fastest of three, in ms. These
 * machines share their host, whose speed moves through the day (the same listing measured 0.85 and 1.5 s of CPU
 * an hour apart): figures of two runs compare only where this does.
 */
export function cpuReference(additions = 1e8): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    let x = 0;
    for (let i = 0; i < additions; i++) x += i % 7;
    best = Math.min(best, performance.now() - t0 + (x < 0 ? 1 : 0));
  }
  // A shorter loop (taken between a case's rounds) is given as the time of 10^8, so the two compare.
  return Math.round((best * 1e8) / additions);
}

/**
 * What the CPU reference taken before and after a run says of it: nothing when it held (within 10%), else that the
 * host's speed moved during the run, so its times compare with no run where it held.
 */
export function hostSpeedNote(before: number, after: number): string {
  if (Math.abs(after - before) <= 0.1 * before) return '';
  return ` **The host's speed moved during this run** (the CPU reference ${before} -> ${after} ms): its times compare with no run where it held; run it again for figures that do.`;
}

const CASES_DIR = path.join(REPO_ROOT, 'bench', 'results', 'cases');

/**
 * One case's section, kept in bench/results/cases/<case>.md so that running a single case refreshes only its
 * own part of latest.md; each part says when and under what load it was measured.
 */
export function writeCaseResult(
  name: string,
  tables: string[],
  loadBefore: string,
  cpuBefore = cpuReference(),
): string {
  mkdirSync(CASES_DIR, { recursive: true });
  const file = path.join(CASES_DIR, `${name}.md`);
  const cpuAfter = cpuReference();
  const head = `## ${name}

Measured ${new Date().toISOString()} on ${machine()}; load average before ${loadBefore}, after ${loadAverage()}; CPU reference (a fixed loop of 10^8 additions, lower is faster) before ${cpuBefore} ms, after ${cpuAfter} ms.${hostSpeedNote(cpuBefore, cpuAfter)}`;
  writeFileSync(file, [head, '', ...tables.flatMap((t) => [t, ''])].join('\n'));
  return file;
}
