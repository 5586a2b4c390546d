// `npm run bench [-- CASE...]`: bundles the TypeScript cases with esbuild (as test/build.mjs bundles tests) into
// bench/.work/build, builds the CLI and the extension as shipped into bench/.work, runs the cases one after the other
// (never in parallel: they would measure each other), then writes bench/results/latest.md from every case's part.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_EXTERNALS, cleanProductOutput, nodeBundleOptions, productBuilds } from '../scripts/bundle-options.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ORDER = ['registry', 'scale', 'smoke', 'glibc', 'extension', 'lint', 'gate'];
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
    ...readdirSync(path.join(root, 'bench', 'cases'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(root, 'bench', 'cases', f)),
    path.join(root, 'bench', 'lib', 'proxy-main.ts'),
    path.join(root, 'bench', 'lib', 'scale-front.ts'),
    path.join(root, 'bench', 'lib', 'scale-child.ts'),
    path.join(root, 'bench', 'lib', 'h2-minimal.ts'),
    path.join(root, 'bench', 'extension', 'suite.ts'),
  ],
  outbase: path.join(root, 'bench'),
  outdir: out,
  ...nodeBundleOptions('bench'),
  sourcemap: 'inline',
  external: TEST_EXTERNALS,
});

// The shipped form (minified, as `npm run package` builds it), into bench/.work rather than dist/: other people
// rebuild dist/ while they work, and a bench must not measure a bundle that changes under it.
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const extensionDir = path.join(root, 'bench', '.work', 'extension');
// Built once, as esbuild.mjs builds dist/ (productBuilds): bench/.work/extension/dist holds the CLI too, and
// bench/.work/dist is a copy of it for the cases that run the CLI.
cleanProductOutput(path.join(extensionDir, 'dist'));
await Promise.all(
  productBuilds({
    version: pkg.version,
    production: true,
    outdir: path.join(extensionDir, 'dist'),
    sourcemap: false,
  }).map((b) => esbuild.build(b)),
);
rmSync(path.join(root, 'bench', '.work', 'dist'), { recursive: true, force: true });
cpSync(path.join(extensionDir, 'dist'), path.join(root, 'bench', '.work', 'dist'), { recursive: true });
// The extension folder code-server develops: the manifest and icons next to the bundle.
writeFileSync(path.join(extensionDir, 'package.json'), JSON.stringify(pkg, null, 2));
cpSync(path.join(root, 'media'), path.join(extensionDir, 'media'), { recursive: true });

console.log(
  `bench: ${cases.join(', ')} on ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
const failed = [];
for (const c of cases) {
  const r = spawnSync(process.execPath, ['--enable-source-maps', path.join(out, 'cases', `${c}.js`)], {
    cwd: root,
    stdio: 'inherit',
  });
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
    "Figures are medians of several runs with their spread; ratio = row median / this project's median (above 1: slower than this project).",
    '',
    ...parts.map((f) => readFileSync(f, 'utf8')),
  ].join('\n'),
);
console.log(`bench: results in ${path.relative(root, latest)}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
