import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import { versionOfImageTag } from '../../../src/core/version/order';
import { expectedMovingTags, tagPlan } from '../../../src/core/version/plan';
import { effectiveVersion, sortVersionTags } from '../../../src/core/version/sources';

const tag = (name: string) => ({ name, commit: 'c'.repeat(40), date: '2026-01-01T00:00:00Z' });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'ro-version-'));
const ALL = defaultConfig().versionSources;

describe('effective version', () => {
  it('reads package.json, Cargo.toml, pyproject.toml, VERSION and git tags', async () => {
    const d1 = tmp();
    writeFileSync(path.join(d1, 'package.json'), '{"version":"1.4.2"}');
    assert.deepEqual(await effectiveVersion(d1, ALL, [], 'v'), {
      version: '1.4.2',
      source: 'package.json',
      origin: path.join(d1, 'package.json'),
    });

    const d2 = tmp();
    writeFileSync(path.join(d2, 'Cargo.toml'), '[package]\nname = "x"\nversion = "0.9.0" # comment\n');
    assert.equal((await effectiveVersion(d2, ALL, [], 'v'))?.version, '0.9.0');

    const d3 = tmp();
    writeFileSync(path.join(d3, 'Cargo.toml'), '[workspace]\nmembers=["a"]\n[workspace.package]\nversion = "3.0.1"\n');
    assert.equal((await effectiveVersion(d3, ALL, [], 'v'))?.version, '3.0.1');

    const d4 = tmp();
    writeFileSync(
      path.join(d4, 'pyproject.toml'),
      '[project]\nname = "x"\nversion = "2.0.0rc1"\n[tool.poetry]\nversion = "2.1.0"\n',
    );
    assert.equal(
      (await effectiveVersion(d4, ALL, [], 'v'))?.version,
      '2.1.0',
      'PEP 440 text that is not semver falls through to poetry',
    );

    const d5 = tmp();
    writeFileSync(path.join(d5, 'VERSION'), 'v5.6.7\n');
    assert.deepEqual(await effectiveVersion(d5, ALL, [], 'v'), {
      version: '5.6.7',
      source: 'VERSION',
      origin: path.join(d5, 'VERSION'),
    });

    assert.deepEqual(await effectiveVersion(tmp(), ALL, [tag('v1.2.0'), tag('v1.10.0'), tag('nightly')], 'v'), {
      version: '1.10.0',
      source: 'git-tag',
      origin: 'v1.10.0',
    });
    assert.equal(await effectiveVersion(tmp(), ALL, [], 'v'), undefined);
  });

  it('follows the configured order', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 'package.json'), '{"version":"1.0.0"}');
    writeFileSync(path.join(d, 'VERSION'), '2.0.0');
    assert.equal((await effectiveVersion(d, ['VERSION', 'package.json'], [], 'v'))?.version, '2.0.0');
    assert.equal((await effectiveVersion(d, ['git-tag', 'package.json'], [tag('v9.0.0')], 'v'))?.version, '9.0.0');
  });

  it('ignores broken files instead of failing', async () => {
    const d = tmp();
    writeFileSync(path.join(d, 'package.json'), '{ not json');
    writeFileSync(path.join(d, 'Cargo.toml'), '[package\nversion=');
    writeFileSync(path.join(d, 'VERSION'), 'latest');
    assert.equal((await effectiveVersion(d, ALL, [tag('v0.0.1')], 'v'))?.source, 'git-tag');
  });

  it('sorts version tags by semver, newest first, with the prefix', () => {
    const sorted = sortVersionTags([tag('v1.2.0'), tag('v1.10.0'), tag('v1.10.0-rc.1'), tag('1.99.0'), tag('vX')], 'v');
    assert.deepEqual(
      sorted.map((t) => t.name),
      ['v1.10.0', 'v1.10.0-rc.1', 'v1.2.0'],
    );
  });
});

describe('tag plan', () => {
  const tags = { ...defaultConfig().tags, gitPrefix: 'v', imagePrefix: 'v' };
  it('plans vX.Y.Z, vX.Y, vX, latest and the short sha', () => {
    assert.deepEqual(
      tagPlan('1.2.3', 'abcdef0123456789', tags).map((t) => t.tag),
      ['v1.2.3', 'v1.2', 'v1', 'latest', 'abcdef0'],
    );
  });
  it('honours the prefix and switches', () => {
    assert.deepEqual(
      tagPlan('1.2.3', 'abcdef0123456789', { ...tags, imagePrefix: '', major: false, shaLength: 12 }).map((t) => t.tag),
      ['1.2.3', '1.2', 'latest', 'abcdef012345'],
    );
  });
  it('never moves a tag to a prerelease', () => {
    assert.deepEqual(
      tagPlan('2.0.0-rc.1', 'abcdef0123', tags).map((t) => t.tag),
      ['v2.0.0-rc.1', 'abcdef0'],
    );
  });
  it('knows where each moving tag must point', () => {
    const m = expectedMovingTags(['1.2.3', '1.2.10', '1.3.0', '2.0.0-rc.1', '0.9.0'], tags);
    assert.equal(m.get('latest'), '1.3.0');
    assert.equal(m.get('v1'), '1.3.0');
    assert.equal(m.get('v1.2'), '1.2.10');
    assert.equal(m.get('v0'), '0.9.0');
    assert.equal(m.has('v2'), false, 'a prerelease does not get a moving tag');
  });
  it('reads versions from image tags', () => {
    assert.equal(versionOfImageTag('v1.2.3', 'v'), '1.2.3');
    assert.equal(versionOfImageTag('v1.2', 'v'), undefined);
    assert.equal(versionOfImageTag('1.2.3', ''), '1.2.3');
    assert.equal(versionOfImageTag('latest', ''), undefined);
  });
});
