// Writes contributes.configuration in package.json from src/core/config/schema.ts, the one source of truth.
// Run after changing the schema: node scripts/sync-settings.mjs  (a unit test fails when they differ).
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const tmp = path.join(mkdtempSync(path.join(os.tmpdir(), 'ro-settings-')), 'settings.js');
await esbuild.build({
  entryPoints: [path.join(root, 'src/core/config/settings.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: tmp,
  logLevel: 'warning',
});
const { settingsContribution } = createRequire(import.meta.url)(tmp);
const pkgFile = path.join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
pkg.contributes.configuration = settingsContribution();
writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
console.log(`package.json: ${Object.keys(pkg.contributes.configuration.properties).length} settings written`);
