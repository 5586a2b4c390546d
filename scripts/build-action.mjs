// Writes the GitHub Action's bundle, action/index.js (see actionBuild in scripts/bundle-options.mjs):
// `npm run build:action`, then commit it. With --check it writes nothing and exits 1 when the committed file
// differs from a fresh build (the test suite runs that, as actions/attest's check-dist does).
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { actionBuild } from './bundle-options.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const options = actionBuild({ version: pkg.version });
if (process.argv.includes('--check')) {
  const fresh = (await esbuild.build({ ...options, write: false })).outputFiles[0].text;
  const committed = readFileSync(options.outfile, 'utf8');
  if (fresh !== committed) {
    console.error(
      `action/index.js differs from a fresh build of src/action (${committed.length} bytes committed, ${fresh.length} built): run npm run build:action and commit it.`,
    );
    process.exit(1);
  }
  console.log('action/index.js equals a fresh build');
} else {
  await esbuild.build(options);
  console.log('action/index.js written');
}
