/** Median and spread of repeated measurements; the bench reports medians, never single runs. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  if (!samples.length) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { n: s.length, median, min: s[0], max: s.at(-1)! };
}

async function measure(times: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

export const fmtMs = (ms: number) =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;

export interface Subject {
  name: string;
  runs: number;
  /** Untimed work before each run (e.g. removing what the last run left). */
  before?: () => Promise<unknown>;
  run: () => Promise<unknown>;
  /** Untimed work after each run (e.g. reading counters). */
  after?: () => Promise<unknown>;
}

/**
 * Runs the subjects in rounds (A B C, A B C, ...) rather than all of A then all of B, so a change of load on the
 * shared machine falls on every subject alike. Returns the samples by subject name.
 */
export async function measureInterleaved(
  subjects: Subject[],
  onSample?: (name: string, ms: number) => void,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  const rounds = Math.max(...subjects.map((s) => s.runs));
  for (let i = 0; i < rounds; i++) {
    for (const s of subjects) {
      if (i >= s.runs) continue;
      await s.before?.();
      const [ms] = await measure(1, s.run);
      await s.after?.();
      out.get(s.name)!.push(ms);
      onSample?.(s.name, ms);
    }
  }
  return out;
}
