// `npm run lint:precision`: lints the precision corpus (test/fixtures/lint/corpus) and writes docs/lint-precision.md,
// the per-rule table of findings, real, false and noise per severity. The TypeScript is bundled with esbuild first,
// as the tests are; test/unit/lint/precision.test.ts fails when the committed table is out of date.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-precision-'));
const out = path.join(dir, 'precision.mjs');
try {
  await esbuild.build({
    entryPoints: [path.join(root, 'test', 'lint-corpus', 'precision.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const m = await import(pathToFileURL(out).href);
  const corpusDir = path.join(root, 'test', 'fixtures', 'lint', 'corpus');
  const { corpus, classified, stale, errors } = await m.runCorpus(corpusDir);
  const unclassified = classified.filter((c) => !c.verdict);
  if (unclassified.length || stale.length || errors.length) {
    for (const c of unclassified) console.error(`unclassified: ${c.repo}: ${c.key}: ${c.finding.message}`);
    for (const s of stale) console.error(`stale classification: ${s}`);
    for (const e of errors) console.error(`rule error: ${e}`);
  }
  const md = m.renderMarkdown(corpus, m.precisionTable(classified));
  writeFileSync(path.join(root, 'docs', 'lint-precision.md'), md);
  console.log(`docs/lint-precision.md: ${corpus.repos.length} repositories, ${classified.length} findings`);
  process.exitCode = unclassified.length || stale.length || errors.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
