// Sums test/.artifacts/reliability-figures.jsonl (written by the reliability and fuzz tests) into the
// Markdown table quoted in docs/reliability.md and the README.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const file = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '../../.artifacts/reliability-figures.jsonl',
);
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const of = (kind) => rows.filter((r) => r.kind === kind);
const sum = (rs, k) => rs.reduce((n, r) => n + (Number(r[k]) || 0), 0);

const faults = of('fault').filter((r) => r.injected !== undefined);
const fuzz = of('fuzz');
const hostile = of('hostile').filter((r) => r.refused !== undefined);
const cases = of('hostile').filter((r) => r.maxRssMiB !== undefined);
const cancels = of('hostile').filter((r) => r.msToExit !== undefined);
const secrets = of('secrets-leaked');
const left = of('containers-left');
const load = of('load');

const out = [
  '| Figure | Value |',
  '|---|---|',
  `| Faults injected / survived | ${sum(faults, 'injected')} / ${sum(faults, 'survived')} (${faults.map((f) => `${f.name} ${f.injected}`).join(', ')}) |`,
  `| Hostile inputs refused or contained | ${sum(hostile, 'refused') + cases.length} (${sum(hostile, 'refused')} in-process, ${cases.length} cases against the CLI in its own process) |`,
  ...(cases.length
    ? [
        `| Peak memory of the CLI in a hostile case | at most ${Math.max(...cases.map((c) => c.maxRssMiB))} MiB (bound 300 MiB; ${cases.length} cases) |`,
      ]
    : []),
  ...(cancels.length
    ? [
        `| SIGINT/SIGTERM to exit | at most ${Math.max(...cancels.map((c) => c.msToExit))} ms (${cancels.map((c) => `${c.name.replace(/^cancel: /, '')} ${c.msToExit}`).join(', ')}) |`,
      ]
    : []),
  `| Inputs fuzzed | ${sum(fuzz, 'inputs')} (${fuzz.map((f) => `${f.name} ${f.inputs}`).join(', ')}) |`,
  `| Secrets leaked | ${sum(secrets, 'leaked')} (${secrets.map((s) => `${s.commands} command runs searched for ${s.secrets} secrets`).join('; ')}) |`,
  `| Containers left behind | ${sum(left, 'containers')} |`,
  ...load.map(
    (l) =>
      `| Load: ${l.name} | ${l.requests} requests, at most ${l.peakInFlight} in flight, RSS +${l.rssGrowthMiB} MiB (max RSS ${l.maxRssMiB} MiB) |`,
  ),
];
console.log(out.join('\n'));
if (cases.length) {
  console.log('\n| Hostile case | Exit | Time | Peak memory |\n|---|---|---|---|');
  for (const c of cases) console.log(`| ${c.name} | ${c.exit} | ${(c.ms / 1000).toFixed(1)} s | ${c.maxRssMiB} MiB |`);
}
for (const r of of('fault').filter((r) => r.verdict))
  console.log(
    `\n${r.name}: verdict ${r.verdict} (${r.detail})${r.leftAfterRestart !== undefined ? `, ${r.leftAfterRestart} container(s) still there after the daemon restarted (removed by cleanup)` : ''}`,
  );
