// Builds dist/ (the extension and the CLI; see productBuilds in scripts/bundle-options.mjs for its layout).
// `--production` minifies; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { cleanProductOutput, productBuilds } from './scripts/bundle-options.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const builds = productBuilds({ version: pkg.version, production });

cleanProductOutput();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
