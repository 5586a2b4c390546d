// Writes the GitHub Action's bundle, action/index.js (see actionBuild in scripts/bundle-options.mjs).
// `npm run build:action`; commit the result: a unit test fails when it differs from a fresh build.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { actionBuild } from './bundle-options.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await esbuild.build(actionBuild({ version: pkg.version }));
console.log('action/index.js written');
