// `npm run bench [-- CASE...]`: bundles the TypeScript cases with esbuild (as test/build.mjs bundles tests) into
// bench/.work/build, builds dist/ (the CLI and extension the cases measure), runs the cases one after the other
// (never in parallel: they would measure each other), then writes bench/results/latest.md from every case's part.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ORDER = ['registry', 'smoke', 'glibc', 'extension'];
const asked = process.argv.slice(2);
const unknown = asked.filter((c) => !ORDER.includes(c));
if (unknown.length) {
  console.error(`unknown case(s): ${unknown.join(', ')}; the cases are: ${ORDER.join(', ')}`);
  process.exit(2);
}
const cases = asked.length ? ORDER.filter((c) => asked.includes(c)) : ORDER;
const out = path.join(root, 'bench', '.work', 'build');

await esbuild.build({
  entryPoints: [
    ...readdirSync(path.join(root, 'bench', 'cases')).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, 'bench', 'cases', f)),
    path.join(root, 'bench', 'lib', 'proxy-main.ts'),
    path.join(root, 'bench', 'extension', 'suite.ts'),
  ],
  outbase: path.join(root, 'bench'),
  outdir: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  external: ['vscode', 'mocha', 'playwright-core', 'fsevents'],
  define: { 'import.meta.url': '__import_meta_url', RELEASE_OPERATOR_VERSION: '"bench"' },
  banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
});

// The shipped form: what `npm run package` puts in the .vsix (the CLI cases run dist/cli.js too).
const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

console.log(`bench: ${cases.join(', ')} on ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
const failed = [];
for (const c of cases) {
  const r = spawnSync(process.execPath, ['--enable-source-maps', path.join(out, 'cases', `${c}.js`)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed.push(c);
}

// latest.md: every case's most recent part (a single-case run refreshes only its own part).
const parts = ORDER.map((c) => path.join(root, 'bench', 'results', 'cases', `${c}.md`)).filter((f) => existsSync(f));
const latest = path.join(root, 'bench', 'results', 'latest.md');
writeFileSync(
  latest,
  [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (see bench/README.md). Every case ran its subjects in rounds, next to each other, in one run on one machine.',
    'Figures are medians of several runs with their spread; ratio = row median / this project\'s median (above 1: slower than this project).',
    '',
    ...parts.map((f) => readFileSync(f, 'utf8')),
  ].join('\n'),
);
console.log(`bench: results in ${path.relative(root, latest)}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
