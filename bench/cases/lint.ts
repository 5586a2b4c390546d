// Lint time against the number of jobs: a workflow of N jobs in a chain of `needs` (every tenth pushes, every
// tenth runs the image, some create Releases), linted by the engine as the CLI does, beside its peer: parsing the
// same text with the YAML library alone (the floor no lint can go under). Linear lint keeps the ratio to the
// floor flat as N grows; the job-by-job comparison this replaced grew 20x from 1,000 to 8,000 jobs (#24).
import { parseDocument } from 'yaml';
import { lintDocument } from '../../src/core/lint/engine';
import { bigWorkflow } from '../../test/helpers/big-workflow';
import { log, runCase, runs } from '../lib/case';
import { renderTable, type Row } from '../lib/report';
import { measureInterleaved, summarize } from '../lib/stats';

const OPTIONS = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };
const SIZES = [1000, 2000, 4000, 8000, 16000];

runCase('lint', async () => {
  const tables: string[] = [];
  const summary: string[] = [
    '### Lint time against jobs',
    '',
    '| jobs | lint (median) | YAML parse alone (median) | lint / parse | lint ms per 1,000 jobs | operations |',
    '|---|---|---|---|---|---|',
  ];
  for (const n of SIZES) {
    const text = bigWorkflow(n);
    let operations = 0;
    const samples = await measureInterleaved([
      {
        name: 'release-operator lint (engine)',
        runs: runs(n > 4000 ? 3 : 5),
        run: () => {
          const r = lintDocument({ file: '.github/workflows/big.yml', text, kind: 'workflow' }, OPTIONS);
          operations = r.stats.operations;
          return Promise.resolve();
        },
      },
      {
        name: 'yaml parseDocument (floor)',
        runs: runs(n > 4000 ? 3 : 5),
        run: () => Promise.resolve(parseDocument(text)),
      },
    ]);
    const rows: Row[] = [...samples.entries()].map(([name, s]) => ({ name, samples: s }));
    tables.push(
      renderTable({ title: `Lint, ${n} jobs (${(text.length / 1024).toFixed(0)} KiB)`, subject: rows[0].name, rows }),
    );
    const lint = summarize(rows[0].samples).median;
    const parse = summarize(rows[1].samples).median;
    log(`${n} jobs: lint ${lint.toFixed(0)} ms, parse ${parse.toFixed(0)} ms, ${operations} operations`);
    summary.push(
      `| ${n} | ${lint.toFixed(0)} ms | ${parse.toFixed(0)} ms | ${(lint / parse).toFixed(2)} | ${((lint / n) * 1000).toFixed(0)} | ${operations} |`,
    );
  }
  return [summary.join('\n'), ...tables];
});
