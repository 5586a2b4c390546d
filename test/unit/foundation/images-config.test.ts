import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configForImage, imageEntries, selectImages } from '../../../src/core/config/images';
import { defaultConfig, loadConfig, validateOverrides } from '../../../src/core/config/load';
import { ReleaseOperatorError } from '../../../src/core/errors';

function refused(input: unknown): string {
  try {
    validateOverrides(input, 'release-operator.json');
  } catch (e) {
    assert.ok(e instanceof ReleaseOperatorError && e.kind === 'usage', String(e));
    return e.message;
  }
  return assert.fail('expected the configuration to be refused');
}

async function load(json: unknown, opts: { untrusted?: boolean } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-images-'));
  writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify(json));
  return loadConfig(dir, undefined, opts);
}

describe('several images per repository', () => {
  it('the single-image keys keep working: loaded as a one-element list', async () => {
    const { config } = await load({
      image: 'ghcr.io/acme/rocket',
      requiredPlatforms: ['linux/amd64'],
      smoke: { dockerfile: 'build/Dockerfile', port: 9000 },
    });
    assert.equal(config.images.length, 1);
    const [only] = imageEntries(config);
    assert.equal(only.name, 'rocket');
    assert.equal(only.image, 'ghcr.io/acme/rocket');
    assert.equal(only.dockerfile, 'build/Dockerfile');
    assert.deepEqual(only.requiredPlatforms, ['linux/amd64']);
    assert.equal(only.smoke.port, 9000);
  });

  it('each entry takes what it leaves out from the top-level keys', async () => {
    const { config } = await load({
      requiredPlatforms: ['linux/amd64', 'linux/arm64'],
      smoke: { port: 8080, healthPath: '/healthz' },
      tags: { sha: false },
      images: [
        { name: 'app', image: 'ghcr.io/acme/app', dockerfile: 'app/Dockerfile', context: 'app' },
        {
          name: 'worker',
          image: 'ghcr.io/acme/worker',
          dockerfile: 'worker/Dockerfile',
          requiredPlatforms: ['linux/amd64'],
          smoke: { port: 0 },
          tags: { latest: false },
        },
      ],
    });
    const [app, worker] = imageEntries(config);
    assert.deepEqual([app.name, app.context, app.smoke.port, app.smoke.healthPath], ['app', 'app', 8080, '/healthz']);
    assert.deepEqual(app.requiredPlatforms, ['linux/amd64', 'linux/arm64']);
    assert.equal(worker.smoke.port, 0);
    assert.equal(worker.smoke.healthPath, '/healthz');
    assert.equal(worker.context, '.');
    assert.deepEqual([worker.tags.sha, worker.tags.latest, worker.tags.minor], [false, false, true]);
    const c = configForImage(config, worker);
    assert.deepEqual(
      [c.image, c.requiredPlatforms, c.smoke.dockerfile, c.tags.latest],
      ['ghcr.io/acme/worker', ['linux/amd64'], 'worker/Dockerfile', false],
    );
    assert.deepEqual(
      selectImages(config).map((e) => e.name),
      ['app', 'worker'],
    );
    assert.deepEqual(
      selectImages(config, 'worker').map((e) => e.name),
      ['worker'],
    );
    assert.throws(
      () => selectImages(config, 'nope'),
      (e: ReleaseOperatorError) => /no image named 'nope'/.test(e.message) && /app, worker/.test(e.hint ?? ''),
    );
  });

  it("an entry's glibc settings fall back key by key to the top-level glibc (glibc --image, the gate's glibc rows)", async () => {
    const { config } = await load({
      glibc: { policy: 'bookworm', paths: ['/srv'] },
      images: [
        { name: 'app', image: 'ghcr.io/acme/app' },
        { name: 'worker', image: 'ghcr.io/acme/worker', glibc: { policy: 'el8' } },
      ],
    });
    const [app, worker] = imageEntries(config);
    assert.equal(app.glibc.policy, 'bookworm');
    assert.equal(worker.glibc.policy, 'el8');
    assert.deepEqual(worker.glibc.paths, ['/srv']);
    assert.equal(configForImage(config, worker).glibc.policy, 'el8');
    assert.match(refused({ images: [{ name: 'a', glibc: { policy: 3 } }] }), /images\[0\]\.glibc\.policy/);
  });

  it('refuses entries without a name, twice the same name, unknown keys, bad sections, and several without image', () => {
    const m = refused({
      images: [
        { image: 'ghcr.io/a/b' },
        { name: 'app', image: 'ghcr.io/a/app', smoke: { port: 'x' }, colour: 'red' },
        { name: 'app', image: 'ghcr.io/a/app2', requiredPlatforms: ['arm64'] },
        { name: 'Bad Name' },
      ],
    });
    assert.match(m, /images\[0\]\.name: every image needs a name/);
    assert.match(m, /images\[1\]\.smoke\.port: expected an integer/);
    assert.match(
      m,
      /images\[1\]\.colour: unknown key \(known: name, image, dockerfile, context, requiredPlatforms, smoke, tags, glibc\)/,
    );
    assert.match(m, /images\[2\]\.name: "app" is named twice/);
    assert.match(m, /images\[2\]\.requiredPlatforms: "arm64" is not of the form/);
    assert.match(m, /images\[3\]\.name: "Bad Name" is not a name/);
    assert.match(m, /images\[3\]\.image: needed when there are several images/);
  });

  it("untrusted: an entry's smoke.env and smoke.buildArgs are left out like the top-level ones", async () => {
    const { config, ignored } = await load(
      { images: [{ name: 'app', image: 'ghcr.io/a/app', smoke: { env: { X: '1' }, buildArgs: { Y: '2' }, port: 1 } }] },
      { untrusted: true },
    );
    assert.deepEqual(config.images[0].smoke?.env, {});
    assert.deepEqual(config.images[0].smoke?.buildArgs, {});
    assert.equal(config.images[0].smoke?.port, 1);
    assert.ok(ignored.includes('images[0].smoke.env') && ignored.includes('images[0].smoke.buildArgs'), ignored.join());
  });

  it('a configuration built in code (no loader) still has its one image', () => {
    const c = defaultConfig();
    c.image = 'ghcr.io/x/y';
    assert.deepEqual(
      imageEntries(c).map((e) => [e.name, e.image]),
      [['y', 'ghcr.io/x/y']],
    );
  });
});
