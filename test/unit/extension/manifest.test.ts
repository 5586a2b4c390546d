import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { localizedSettingsContribution, settingsContribution } from '../../../src/core/config/settings';
import { RESTRICTED_KEYS } from '../../../src/core/config/schema';
import { configJsonSchema } from '../../../src/core/config/jsonSchema';
import Ajv from 'ajv';
import { REPO_ROOT } from '../../helpers/paths';

const readJson = (f: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, f), 'utf8'));
const nls: Record<string, string> = readJson('package.nls.json');
/** The manifest as VS Code shows it in English: every %placeholder% replaced from package.nls.json. */
const resolve = (v: unknown): unknown =>
  typeof v === 'string'
    ? v.replace(/^%([^%]+)%$/, (m, k: string) => nls[k] ?? m)
    : Array.isArray(v)
      ? v.map(resolve)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]))
        : v;
const raw = readJson('package.json');
const pkg = resolve(raw) as any;
const commands: Array<{ command: string; title: string; category: string; icon?: string; enablement?: string }> =
  pkg.contributes.commands;
const ids = new Set(commands.map((c) => c.command));

describe('package.json extension manifest', () => {
  it('names the extension and its entry points', () => {
    assert.equal(pkg.name, 'release-operator');
    assert.equal(pkg.displayName, 'Release Operator');
    assert.equal(pkg.main, './dist/extension.js');
    assert.deepEqual(pkg.bin, { 'release-operator': './dist/cli.js' });
    assert.ok(pkg.publisher, 'vsce needs a publisher');
    assert.ok(existsSync(path.join(REPO_ROOT, pkg.icon)), `icon ${pkg.icon} exists`);
  });

  it('targets a VS Code no newer than 1.100 (code-server 4.100.3 runs the tests)', () => {
    const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.vscode);
    assert.ok(m, `engines.vscode ${pkg.engines.vscode} is ^X.Y.Z`);
    assert.ok(Number(m[1]) === 1 && Number(m[2]) <= 100, `engines.vscode ${pkg.engines.vscode} is at most ^1.100.0`);
    const types = pkg.devDependencies['@types/vscode'].replace(/^[\^~]/, '');
    assert.ok(Number(types.split('.')[1]) <= Number(m[2]), '@types/vscode is not newer than engines.vscode');
  });

  it('puts every command under the "Release Operator" category with a title, and ids are unique', () => {
    assert.ok(commands.length >= 10);
    assert.equal(ids.size, commands.length);
    for (const c of commands) {
      assert.match(c.command, /^releaseOperator\.[a-zA-Z]+$/);
      assert.equal(c.category, 'Release Operator', c.command);
      assert.ok(c.title.length > 3, c.command);
      if (c.icon) assert.match(c.icon, /^\$\([a-z-]+\)$/, `${c.command} icon is a codicon`);
    }
  });

  it('references only contributed commands and views in menus and welcome views', () => {
    const viewIds = new Set(
      Object.values(pkg.contributes.views)
        .flat()
        .map((v: any) => v.id),
    );
    for (const [menu, items] of Object.entries<any[]>(pkg.contributes.menus)) {
      for (const item of items) assert.ok(ids.has(item.command), `${menu}: ${item.command} is contributed`);
    }
    for (const w of pkg.contributes.viewsWelcome) {
      assert.ok(viewIds.has(w.view), `welcome view for ${w.view}`);
      for (const [, cmd] of (w.contents as string).matchAll(/\(command:([\w.]+)\)/g)) {
        if (cmd.startsWith('releaseOperator.')) assert.ok(ids.has(cmd), `welcome link ${cmd} is contributed`);
      }
    }
    const containers = pkg.contributes.viewsContainers.activitybar.map((c: any) => c.id);
    for (const key of Object.keys(pkg.contributes.views)) assert.ok(containers.includes(key), `view container ${key}`);
    assert.ok(viewIds.has('releaseOperator.release'));
    for (const c of pkg.contributes.viewsContainers.activitybar)
      assert.ok(existsSync(path.join(REPO_ROOT, c.icon)), c.icon);
  });

  it('disables building and running images in an untrusted workspace', () => {
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    for (const id of [
      'releaseOperator.runSmoke',
      'releaseOperator.runSmokeForPlatform',
      'releaseOperator.runSmokeBuild',
    ]) {
      assert.match(commands.find((c) => c.command === id)?.enablement ?? '', /isWorkspaceTrusted/, id);
    }
    for (const s of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations)
      assert.ok(pkg.contributes.configuration.properties[s], `${s} is a setting`);
    // The same keys the engine leaves out of release-operator.json in an untrusted workspace.
    assert.deepEqual(
      pkg.capabilities.untrustedWorkspaces.restrictedConfigurations,
      RESTRICTED_KEYS.map((k) => `releaseOperator.${k}`),
    );
  });

  it('contributes exactly the settings the config schema implies (node scripts/sync-settings.mjs)', () => {
    assert.deepEqual(pkg.contributes.configuration, settingsContribution());
    assert.deepEqual(raw.contributes.configuration, localizedSettingsContribution().contribution);
    for (const [key, p] of Object.entries<any>(pkg.contributes.configuration.properties)) {
      assert.ok(p.title && p.markdownDescription && 'default' in p, `${key} has title, description and default`);
    }
  });

  it('registers every contributed command in the extension source (and nothing else under releaseOperator.)', () => {
    // The extension-host test checks this at run time; this catches it without VS Code.
    const dir = path.join(REPO_ROOT, 'src/extension/commands');
    const src = readdirSync(dir)
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    const tables = [...src.matchAll(/^\s{4}(\w+): /gm)]
      .map((m) => `releaseOperator.${m[1]}`)
      .filter((id) => ids.has(id));
    for (const id of ids) assert.ok(tables.includes(id), `${id} has a handler in src/extension/commands`);
  });

  it('keeps sources and tests out of the .vsix', () => {
    const ignore = readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['src/**', 'test/**', 'node_modules/**', 'out/**'])
      assert.ok(ignore.includes(p), `.vscodeignore has ${p}`);
  });

  it('validates release-operator.json with the JSON Schema generated from the config schema', () => {
    assert.deepEqual(raw.contributes.jsonValidation, [
      { fileMatch: ['release-operator.json'], url: './schemas/release-operator.schema.json' },
    ]);
    const committed = readJson('schemas/release-operator.schema.json');
    assert.deepEqual(committed, configJsonSchema(), 'stale: run node scripts/sync-settings.mjs');
    // What the editor then says: the same keys and values the engine accepts, hover text on every key.
    const validate = new Ajv({ strict: false, allErrors: true }).compile(committed);
    const ok = {
      $schema: './schemas/release-operator.schema.json',
      image: 'ghcr.io/acme/rocket',
      requiredPlatforms: ['linux/amd64', 'linux/arm/v7'],
      tags: { gitPrefix: null, imagePrefix: '' },
      smoke: { port: 0, memory: '256m', env: { A: 'b' } },
      lint: { rules: { 'RO-D001': 'off' } },
    };
    assert.ok(validate(ok), JSON.stringify(validate.errors));
    for (const bad of [
      { imag: 'typo' },
      { requiredPlatforms: ['amd64'] },
      { smoke: { port: 70000 } },
      { smoke: { memory: 'lots' } },
      { smoke: { commandNetwork: 'host' } },
      { versionSources: ['setup.py'] },
      { lint: { rules: { 'RO-D001': 'loud' } } },
    ])
      assert.equal(validate(bad), false, `${JSON.stringify(bad)} is refused`);
    const undocumented: string[] = [];
    (function walk(s: any, at: string) {
      for (const [k, p] of Object.entries<any>(s.properties ?? {})) {
        if (!p.description) undocumented.push(`${at}${k}`);
        walk(p, `${at}${k}.`);
      }
    })(committed, '');
    assert.deepEqual(undocumented, [], 'keys without a description (hover)');
  });
});
