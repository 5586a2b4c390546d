// Writes what the config schema (src/core/config/schema.ts, the one source of truth) implies for the editor:
// contributes.configuration in package.json (with %placeholders%), the settings' English text in package.nls.json,
// and the JSON Schema of release-operator.json in schemas/. Run after changing the schema:
//   node scripts/sync-settings.mjs          (unit tests fail when these files are stale)
//   node scripts/sync-settings.mjs --check  (exit 1 when a file would change)
import * as esbuild from 'esbuild';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const check = process.argv.includes('--check');
const tmp = path.join(mkdtempSync(path.join(os.tmpdir(), 'ro-settings-')), 'settings.js');
await esbuild.build({
  stdin: {
    contents:
      "export { localizedSettingsContribution } from './src/core/config/settings';\n" +
      "export { configJsonSchema } from './src/core/config/jsonSchema';\n",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: tmp,
  logLevel: 'warning',
});
const { localizedSettingsContribution, configJsonSchema } = createRequire(import.meta.url)(tmp);
const json = (v) => JSON.stringify(v, null, 2) + '\n';
const read = (f) => JSON.parse(readFileSync(path.join(root, f), 'utf8'));

const { contribution, strings } = localizedSettingsContribution();
const pkg = read('package.json');
pkg.contributes.configuration = contribution;
// The settings' keys are rewritten in place; every other key of package.nls.json (commands, views, ...) is kept.
const nls = read('package.nls.json');
const settingsKey = (k) => k === 'configuration.title' || k.startsWith('releaseOperator.');
const nextNls = Object.fromEntries([
  ...Object.entries(nls).filter(([k]) => !settingsKey(k)),
  ...Object.entries(strings),
]);

const outputs = [
  ['package.json', json(pkg)],
  ['package.nls.json', json(nextNls)],
  ['schemas/release-operator.schema.json', json(configJsonSchema())],
];
let stale = 0;
for (const [file, text] of outputs) {
  const abs = path.join(root, file);
  const old = existsSync(abs) ? readFileSync(abs, 'utf8') : '';
  if (old === text) continue;
  stale++;
  if (check) console.error(`${file} is stale: run node scripts/sync-settings.mjs`);
  else {
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    console.log(`${file} written`);
  }
}
if (check && stale) process.exit(1);
console.log(`${Object.keys(contribution.properties).length} settings${check ? ' checked' : ''}`);
