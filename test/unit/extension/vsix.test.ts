import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

/** Everything the packaged extension may hold; anything else in `vsce ls` is a leak (sources, configs, docs). */
const ALLOWED = [
  /^package\.json$/,
  /^package\.nls(\.[a-z-]+)?\.json$/,
  /^l10n\/bundle\.l10n(\.[a-z-]+)?\.json$/,
  /^schemas\/release-operator\.schema\.json$/,
  /^(README|CHANGELOG)\.md$/,
  /^LICENSE$/,
  /^media\/(icon\.png|release\.svg)$/,
  /^media\/walkthrough\/[a-z-]+\.md$/,
  /^dist\/(extension|cli)\.js$/,
  /^dist\/esm\/(extension|cli)\/[\w.-]+\.mjs$/,
];
/** What the manifest points at: without these the installed extension is broken or untranslated. */
const REQUIRED = [
  'package.json',
  'package.nls.json',
  'package.nls.zh-cn.json',
  'l10n/bundle.l10n.json',
  'l10n/bundle.l10n.zh-cn.json',
  'schemas/release-operator.schema.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'media/icon.png',
  'media/release.svg',
  'media/walkthrough/first-gate.md',
];

describe('the packaged .vsix', () => {
  it('holds only what the extension needs (vsce ls, as vsce package would pack it)', function () {
    this.timeout(60_000);
    const vsce = path.join(REPO_ROOT, 'node_modules/@vscode/vsce/vsce');
    const r = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = r.stdout.split('\n').filter(Boolean);
    assert.deepEqual(
      files.filter((f) => !ALLOWED.some((a) => a.test(f))),
      [],
      'files that do not belong in the .vsix (.vscodeignore)',
    );
    for (const f of REQUIRED) assert.ok(files.includes(f), `${f} is packaged`);
    // The bundles exist only after a build; when they do, they are packaged (and their source maps are not).
    if (existsSync(path.join(REPO_ROOT, 'dist/extension.js')))
      for (const f of ['dist/extension.js', 'dist/cli.js']) assert.ok(files.includes(f), `${f} is packaged`);
  });
});
