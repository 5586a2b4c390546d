import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/core/config/load';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { chooseImages, localsByImage, parseLocalImage, refuseSharedReferences } from '../../../src/core/gate/select';

async function load(json: unknown) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-select-'));
  writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify(json));
  return (await loadConfig(dir)).config;
}
const usage = (f: () => unknown, message: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof ReleaseOperatorError && e.kind === 'usage' && message.test(e.message));

describe('gate: which images a face works on, and their local images', () => {
  it('several images: every one by default, one by name, an unknown name says which there are', async () => {
    const config = await load({
      images: [
        { name: 'app', image: 'ghcr.io/acme/app' },
        { name: 'worker', image: 'ghcr.io/acme/worker', glibc: { policy: 'el8' } },
      ],
    });
    assert.deepEqual(
      chooseImages(config, undefined, 'ghcr.io/acme/rocket').map((c) => [c.name, c.image]),
      [
        ['app', 'ghcr.io/acme/app'],
        ['worker', 'ghcr.io/acme/worker'],
      ],
    );
    const [worker] = chooseImages(config, 'worker', undefined);
    assert.equal(worker.config.glibc.policy, 'el8');
    assert.equal(worker.config.image, 'ghcr.io/acme/worker');
    usage(
      () => chooseImages(config, 'nope', undefined, { option: 'the image input', verb: 'gate' }),
      /'nope' is not one of the configured images \(app, worker\)/,
    );
  });

  it('one image: the flag is its repository, as it always was; none at all is a usage error', async () => {
    const config = await load({});
    assert.equal(chooseImages(config, 'ghcr.io/o/other', 'ghcr.io/o/n')[0].image, 'ghcr.io/o/other');
    assert.equal(chooseImages(config, undefined, 'ghcr.io/o/n')[0].image, 'ghcr.io/o/n');
    usage(() => chooseImages(config, undefined, undefined), /No image repository/);
  });

  it('[IMAGE:]PLATFORM=REF: each image gets its own; several images need the name on each', () => {
    const names = ['app', 'worker'];
    assert.deepEqual(parseLocalImage('worker:linux/arm64=w:arm64', names), {
      image: 'worker',
      platform: 'linux/arm64',
      reference: 'w:arm64',
    });
    assert.deepEqual(parseLocalImage('linux/amd64=a:amd64', names), {
      image: undefined,
      platform: 'linux/amd64',
      reference: 'a:amd64',
    });
    assert.deepEqual(parseLocalImage('a:amd64', names), { reference: 'a:amd64' });
    usage(() => parseLocalImage('db:linux/amd64=x', names, 'local-images'), /local-images names the image 'db'/);
    usage(() => parseLocalImage('linux=x', names), /expects \[IMAGE:\]PLATFORM=REF or REF/);

    const both = [{ name: 'app' }, { name: 'worker' }];
    const given = ['app:linux/amd64=a', 'worker:linux/amd64=w'].map((t) => parseLocalImage(t, names));
    const by = localsByImage(given, both);
    assert.deepEqual(by.get('worker'), [{ platform: 'linux/amd64', reference: 'w' }]);
    assert.equal(localsByImage([], both).get('app'), undefined, 'none given: the candidate flow');
    usage(
      () => localsByImage([parseLocalImage('linux/amd64=a', names)], both),
      /each --local entry must say its image/,
    );
    usage(() => localsByImage(given, [{ name: 'app' }]), /names the image 'worker', which is not gated in this run/);
    assert.deepEqual(localsByImage([parseLocalImage('linux/amd64=a', names)], [{ name: 'app' }]).get('app'), [
      { platform: 'linux/amd64', reference: 'a' },
    ]);
  });

  it("one image's references (--reference, --candidate) are refused for several images at once", () => {
    const both = [{ name: 'app' }, { name: 'worker' }];
    usage(
      () => refuseSharedReferences(both, { '--reference': true, '--candidate': false }),
      /--reference names one image's references, and 2 images are chosen \(app, worker\)/,
    );
    refuseSharedReferences(both, { '--reference': false, '--candidate': false });
    refuseSharedReferences([{ name: 'app' }], { '--reference': true, '--candidate': true });
  });
});
