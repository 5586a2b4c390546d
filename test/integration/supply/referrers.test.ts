import assert from 'node:assert/strict';
import { discoverReferrers, referrersTag } from '../../../src/core/registry';
import { pushImage, useRegistry, type PushedManifest } from '../../helpers/registry';
import { addToReferrersTag, pushArtifact, pushCosignTag } from '../../helpers/supply/artifacts';
import { startReferrersApi } from '../../helpers/supply/referrers-api';
import { clientFor } from '../registry/util';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SBOM = 'application/spdx+json';

describe('referrer discovery on a real registry (distribution 2.8)', function () {
  const reg = useRegistry('none');
  const repo = 'acme/refs';
  let image: PushedManifest;
  let bundle: PushedManifest;
  let sbom: PushedManifest;

  before(async function () {
    this.timeout(60_000);
    image = await pushImage(reg(), repo, { platform: 'linux/amd64', tag: 'v1' });
    bundle = await pushArtifact(reg(), repo, {
      artifactType: BUNDLE,
      subject: image,
      layers: [{ mediaType: BUNDLE, bytes: Buffer.from('{"bundle":1}') }],
    });
    sbom = await pushArtifact(reg(), repo, {
      artifactType: SBOM,
      subject: image,
      layers: [{ mediaType: SBOM, bytes: Buffer.from('{"spdxVersion":"SPDX-2.3"}') }],
    });
    // As cosign writes some entries (cosign #4641): the fallback index entry has no artifactType.
    await addToReferrersTag(reg(), repo, image.digest, bundle, { entryArtifactType: null });
    await addToReferrersTag(reg(), repo, image.digest, sbom);
    await pushCosignTag(reg(), repo, image.digest, 'sig', [
      { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', bytes: Buffer.from('{"critical":{}}') },
    ]);
  });

  it('without a referrers API: reads the sha256-<hex> fallback index, then each child manifest, then cosign tags', async () => {
    const found = await discoverReferrers(clientFor(reg()), `${reg().host}/${repo}`, image.digest);
    assert.equal(found.api, false, 'distribution 2.8 has no referrers API');
    const byDigest = new Map(found.referrers.map((r) => [r.digest, r]));
    assert.equal(byDigest.get(bundle.digest)?.artifactType, BUNDLE, 'the type comes from the child, not the entry');
    assert.equal(byDigest.get(bundle.digest)?.source, 'referrers-tag');
    assert.equal(byDigest.get(bundle.digest)?.tag, referrersTag(image.digest));
    assert.equal(byDigest.get(sbom.digest)?.artifactType, SBOM);
    const sig = found.referrers.find((r) => r.source === 'cosign-tag');
    assert.equal(sig?.cosign, 'sig');
    assert.deepEqual(sig?.layerTypes, ['application/vnd.dev.cosign.simplesigning.v1+json']);
    assert.equal(found.referrers.length, 3);
    assert.equal(found.warnings.length, 1, found.warnings.join('\n'));
    assert.match(
      found.warnings[0],
      /without an artifactType; the manifest itself says "application\/vnd\.dev\.sigstore/,
    );
  });

  it('a fallback entry whose manifest names another subject is left out with a warning', async () => {
    const other = await pushImage(reg(), repo, { platform: 'linux/arm64', labels: { other: '1' } });
    const stray = await pushArtifact(reg(), repo, {
      artifactType: BUNDLE,
      subject: other,
      layers: [{ mediaType: BUNDLE, bytes: Buffer.from('{"stray":1}') }],
    });
    const target = await pushImage(reg(), repo, { platform: 'linux/amd64', labels: { target: '1' } });
    await addToReferrersTag(reg(), repo, target.digest, stray);
    const found = await discoverReferrers(clientFor(reg()), `${reg().host}/${repo}`, target.digest);
    assert.equal(found.referrers.length, 0);
    assert.match(found.warnings.join('\n'), /its subject is sha256:/);
  });

  it('an image nothing refers to: no referrers, no warnings', async () => {
    const lone = await pushImage(reg(), repo, { platform: 'linux/amd64', labels: { lone: '1' } });
    const found = await discoverReferrers(clientFor(reg()), `${reg().host}/${repo}`, lone.digest);
    assert.deepEqual([found.referrers, found.warnings], [[], []]);
  });

  describe('with the referrers API (a proxy of the tests own serves it in front of the registry)', () => {
    it('uses the API, follows its pages, and never reads the fallback tag', async function () {
      this.timeout(30_000);
      const api = await startReferrersApi(reg(), { pageSize: 1 });
      try {
        const subject = await pushImage(api.registry, repo, { platform: 'linux/amd64', labels: { api: '1' } });
        const a = await pushArtifact(api.registry, repo, {
          artifactType: BUNDLE,
          subject,
          layers: [{ mediaType: BUNDLE, bytes: Buffer.from('{"api":1}') }],
        });
        const b = await pushArtifact(api.registry, repo, {
          artifactType: SBOM,
          subject,
          layers: [{ mediaType: SBOM, bytes: Buffer.from('{"api":2}') }],
        });
        const found = await discoverReferrers(clientFor(api.registry), `${api.registry.host}/${repo}`, subject.digest);
        assert.equal(found.api, true);
        assert.deepEqual(
          found.referrers.map((r) => [r.digest, r.source, r.artifactType]),
          [
            [a.digest, 'referrers-api', BUNDLE],
            [b.digest, 'referrers-api', SBOM],
          ],
        );
        const paths = api.proxy.requests.map((r) => r.path);
        assert.equal(paths.filter((p) => p.includes('/referrers/')).length, 2, 'two pages of one');
        assert.ok(!paths.some((p) => p.endsWith(`/manifests/${referrersTag(subject.digest)}`)));
      } finally {
        await api.stop();
      }
    });
  });
});
