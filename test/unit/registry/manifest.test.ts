import assert from 'node:assert/strict';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { MediaType, parseManifest, platformMatches, splitIndex, type IndexJson } from '../../../src/core/registry';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const desc = (n: number) => ({ mediaType: MediaType.ociManifest, digest: d(n), size: 10 });

describe('registry: manifests and indexes', () => {
  it('takes the kind from Content-Type, then the body mediaType, then the shape', () => {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [desc(1)] }));
    assert.equal(parseManifest(index, `${MediaType.dockerList}; charset=utf-8`, 'x').mediaType, MediaType.dockerList);
    assert.equal(parseManifest(index, 'application/json', 'x').kind, 'index');
    assert.equal(parseManifest(index, 'application/json', 'x').mediaType, MediaType.ociIndex);
    const image = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: desc(2), layers: [desc(3)] }),
    );
    const m = parseManifest(image, 'text/plain', 'x');
    assert.equal(m.kind, 'manifest');
    assert.equal(m.mediaType, MediaType.dockerManifest);
  });

  for (const [name, body] of [
    ['not JSON', '{oops'],
    ['an array', '[]'],
    ['schema 1', '{"schemaVersion":1,"fsLayers":[]}'],
    ['neither kind', '{"schemaVersion":2}'],
    ['a bad descriptor', JSON.stringify({ schemaVersion: 2, manifests: [{ digest: 'nope' }] })],
    [
      'a manifest without layers',
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: desc(1) }),
    ],
  ]) {
    it(`calls ${name} a malformed manifest (check)`, () => {
      assert.throws(
        () => parseManifest(Buffer.from(body), null, 'ghcr.io/o/n:v1'),
        (e: unknown) =>
          e instanceof ReleaseOperatorError &&
          e.kind === 'check' &&
          /malformed manifest for ghcr\.io\/o\/n:v1/.test(e.message),
      );
    });
  }

  it('keeps attestations (annotation, unknown/unknown, artifactType) out of the platforms and attaches them', () => {
    const index: IndexJson = {
      schemaVersion: 2,
      manifests: [
        { ...desc(1), platform: { os: 'linux', architecture: 'amd64' } },
        { ...desc(2), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        {
          ...desc(3),
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': d(1) },
        },
        { ...desc(4), platform: { os: 'unknown', architecture: 'unknown' } },
        { ...desc(5), artifactType: 'application/spdx+json', annotations: { 'vnd.docker.reference.digest': d(2) } },
      ],
    };
    const { platforms, unattached } = splitIndex(index);
    assert.deepEqual(
      platforms.map((p) => p.platform),
      ['linux/amd64', 'linux/arm64/v8'],
    );
    assert.deepEqual(
      platforms[0].attestations.map((a) => [a.digest, a.type]),
      [[d(3), 'attestation-manifest']],
    );
    assert.deepEqual(
      platforms[1].attestations.map((a) => [a.digest, a.type]),
      [[d(5), 'application/spdx+json']],
    );
    assert.deepEqual(
      unattached.map((a) => [a.digest, a.type]),
      [[d(4), 'unknown/unknown']],
    );
  });

  it('matches platforms: a wanted platform without variant matches any; arm64 implies v8', () => {
    assert.ok(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64'));
    assert.ok(platformMatches({ os: 'linux', architecture: 'arm64' }, 'linux/arm64/v8'));
    assert.ok(!platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v7'));
    assert.ok(!platformMatches({ os: 'linux', architecture: 'amd64' }, 'linux/arm64'));
  });
});
