import { runProcess, type RunOptions } from '../../src/core/process/run';
import { cpuReference, loadAverage, writeCaseResult } from './report';

/** How many times to run a subject: the case's default, scaled by BENCH_RUNS (e.g. BENCH_RUNS=1 for a quick try). */
export function runs(n: number): number {
  const scale = Number(process.env.BENCH_RUNS_SCALE ?? 1);
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** A bench case's main: measures, prints its tables, and stores them as the case's part of latest.md. */
export function runCase(name: string, body: () => Promise<string[]>): void {
  const load = loadAverage();
  const cpu = cpuReference();
  console.log(`bench ${name}: load average ${load}; CPU reference ${cpu} ms`);
  body().then(
    (tables) => {
      for (const t of tables) console.log(`\n${t}\n`);
      console.log(`bench ${name}: written to ${writeCaseResult(name, tables, load, cpu)}`);
      process.exit(0);
    },
    (e) => {
      console.error(`bench ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    },
  );
}

/** Runs a shell script (a peer as an operator would write it); throws with its stderr when it fails. */
export async function sh(script: string, options: RunOptions = {}): Promise<string> {
  const r = await runProcess('bash', ['-eo', 'pipefail', '-c', script], { timeoutMs: 900_000, ...options });
  if (r.exitCode !== 0)
    throw new Error(`script failed (exit ${r.exitCode}): ${script.slice(0, 200)}\n${r.stderr.slice(-2000)}`);
  return r.stdout;
}

export const log = (s: string) => console.log(`  ${s}`);
