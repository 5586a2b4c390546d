import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig, loadConfig, mergeConfig, validateOverrides } from '../../../src/core/config/load';
import { ReleaseOperatorError } from '../../../src/core/errors';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ReleaseOperatorError, `expected a ReleaseOperatorError, got ${String(e)}`);
    assert.equal(e.kind, 'usage');
    return e.message;
  }
  assert.fail('expected an error');
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = defaultConfig();
    assert.deepEqual(c.requiredPlatforms, ['linux/amd64', 'linux/arm64']);
    assert.equal(c.dockerPath, 'docker');
    assert.equal(c.smoke.healthPath, '/health');
    assert.equal(c.smoke.timeoutSeconds, 30);
    assert.equal(c.smoke.emulatedTimeoutSeconds, 120);
    assert.equal(c.tags.gitPrefix, undefined, 'no default: an unset prefix is inferred from the tags');
    assert.equal(c.tags.imagePrefix, undefined);
    assert.deepEqual(c.versionSources, ['package.json', 'Cargo.toml', 'pyproject.toml', 'VERSION', 'git-tag']);
  });

  it('defaults are fresh copies (mutating one does not change the next)', () => {
    defaultConfig().requiredPlatforms.push('linux/s390x');
    assert.deepEqual(defaultConfig().requiredPlatforms, ['linux/amd64', 'linux/arm64']);
  });

  it('names the file, the key and what was expected', () => {
    const msg = usageMessage(() => validateOverrides({ smoke: { port: 'eighty' } }, '/repo/release-operator.json'));
    assert.match(msg, /\/repo\/release-operator\.json/);
    assert.match(msg, /smoke\.port: expected an integer, got "eighty"/);
  });

  it('refuses unknown keys, listing the known ones', () => {
    const msg = usageMessage(() => validateOverrides({ smoek: {} }, 'f.json'));
    assert.match(msg, /smoek: unknown key \(known: image, requiredPlatforms/);
  });

  it('checks ranges, platforms, version sources and severities', () => {
    assert.match(
      usageMessage(() => validateOverrides({ smoke: { port: 70000 } }, 'f')),
      /smoke\.port: expected an integer from 0 to 65535/,
    );
    assert.match(
      usageMessage(() => validateOverrides({ requiredPlatforms: ['amd64'] }, 'f')),
      /"amd64" is not of the form os\/architecture/,
    );
    assert.match(
      usageMessage(() => validateOverrides({ versionSources: ['setup.py'] }, 'f')),
      /unknown source setup\.py/,
    );
    assert.match(
      usageMessage(() => validateOverrides({ lint: { rules: { 'RO-D001': 'loud' } } }, 'f')),
      /lint\.rules\.RO-D001: expected one of off, error, warning, info/,
    );
    assert.match(
      usageMessage(() => validateOverrides([], 'f')),
      /\(top level\): expected an object/,
    );
    assert.match(
      usageMessage(() => validateOverrides({ smoke: { memory: 'lots' } }, 'f')),
      /smoke\.memory: expected a size like 256m or 1g, got "lots"/,
    );
    for (const memory of ['', '256m', '1g', '1.5G', '268435456'])
      assert.doesNotThrow(() => validateOverrides({ smoke: { memory } }, 'f'), memory);
  });

  it('tells a configured tag prefix from none: "" is configured (no prefix), null and absent are not', () => {
    assert.deepEqual(validateOverrides({ tags: { imagePrefix: '' } }, 'f'), { tags: { imagePrefix: '' } });
    assert.deepEqual(validateOverrides({ tags: { imagePrefix: null, gitPrefix: 'v' } }, 'f'), {
      tags: { gitPrefix: 'v' },
    });
    assert.equal(mergeConfig(defaultConfig(), { tags: { gitPrefix: 'v' } }).tags.imagePrefix, undefined);
    assert.match(
      usageMessage(() => validateOverrides({ smoke: { healthPath: null } }, 'f')),
      /smoke\.healthPath: expected a string, got null/,
      'null is "unset" only for keys without a default',
    );
  });

  it('reports every problem at once', () => {
    const msg = usageMessage(() => validateOverrides({ image: 3, smoke: { parallel: 'yes' } }, 'f'));
    assert.match(msg, /image: expected a string/);
    assert.match(msg, /smoke\.parallel: expected true or false/);
  });

  it('merges defaults, file and overrides in that order, section by section', () => {
    const merged = mergeConfig(
      defaultConfig(),
      { smoke: { port: 9000 }, image: 'a/b' },
      { smoke: { healthPath: '/healthz' } },
    );
    assert.equal(merged.smoke.port, 9000);
    assert.equal(merged.smoke.healthPath, '/healthz');
    assert.equal(merged.smoke.timeoutSeconds, 30);
    assert.equal(merged.image, 'a/b');
  });

  it('reads release-operator.json from the repository root', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-config-'));
    writeFileSync(
      path.join(dir, 'release-operator.json'),
      JSON.stringify({ image: '127.0.0.1:5000/acme/app', smoke: { port: 3000 } }),
    );
    const { config, file } = await loadConfig(dir, { smoke: { port: 4000 } });
    assert.equal(file, path.join(dir, 'release-operator.json'));
    assert.equal(config.image, '127.0.0.1:5000/acme/app');
    assert.equal(config.smoke.port, 4000, 'flags and settings win over the file');
  });

  it("untrusted: the file may not choose what runs (dockerPath, build arguments, the containers' environment)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-config-'));
    writeFileSync(
      path.join(dir, 'release-operator.json'),
      JSON.stringify({
        dockerPath: './evil.sh',
        image: 'a/b',
        smoke: { env: { LD_PRELOAD: '/x.so' }, buildArgs: { A: '1' }, port: 3000 },
      }),
    );
    const trusted = await loadConfig(dir);
    assert.equal(trusted.config.dockerPath, './evil.sh');
    assert.deepEqual(trusted.ignored, []);
    const untrusted = await loadConfig(dir, { dockerPath: '/usr/bin/docker' }, { untrusted: true });
    assert.deepEqual(untrusted.ignored, ['dockerPath', 'smoke.buildArgs', 'smoke.env']);
    assert.equal(untrusted.config.dockerPath, '/usr/bin/docker', "the user's own setting still applies");
    assert.deepEqual(untrusted.config.smoke.env, {});
    assert.deepEqual(untrusted.config.smoke.buildArgs, {});
    assert.equal(untrusted.config.smoke.port, 3000, 'the rest of the file applies');
    assert.equal(untrusted.config.image, 'a/b');
    assert.equal((await loadConfig(dir, undefined, { untrusted: true })).config.dockerPath, 'docker');
  });

  it('says which file is not valid JSON', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-config-'));
    writeFileSync(path.join(dir, 'release-operator.json'), '{ "image": ');
    await assert.rejects(
      loadConfig(dir),
      (e: ReleaseOperatorError) => e.kind === 'usage' && /release-operator\.json is not valid JSON/.test(e.message),
    );
  });
});
