import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/core/config/load';
import {
  checkLabels,
  checkShaTag,
  checkTagScheme,
  missingPlatforms,
  type ImageInfo,
  type TagDigest,
} from '../../../src/core/registry';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const scheme = defaultConfig().tags;

function info(labels: Record<string, string>, platforms = ['linux/amd64', 'linux/arm64']): ImageInfo {
  return {
    reference: 'ghcr.io/o/n:v1.2.0',
    repository: 'ghcr.io/o/n',
    tag: 'v1.2.0',
    digest: D('c'),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    kind: 'index',
    platforms: platforms.map((p, i) => {
      const [os, architecture] = p.split('/');
      return { os, architecture, platform: p, digest: D(String(i)), mediaType: 'x', labels, attestations: [] };
    }),
    attestations: [],
    labels,
  };
}

describe('registry: release checks', () => {
  const tags: TagDigest[] = [
    { tag: 'v1.0.0', digest: D('a'), mediaType: 'x' },
    { tag: 'v1.1.0', digest: D('b'), mediaType: 'x' },
    { tag: 'v1.2.0', digest: D('c'), mediaType: 'x' },
    { tag: 'v1.3.0-rc.1', digest: D('d'), mediaType: 'x' },
    { tag: 'v1.0', digest: D('a'), mediaType: 'x' },
    { tag: 'v1.1', digest: D('b'), mediaType: 'x' },
    { tag: 'v1.2', digest: D('c'), mediaType: 'x' },
    { tag: 'v1', digest: D('c'), mediaType: 'x' },
    { tag: 'latest', digest: D('c'), mediaType: 'x' },
  ];

  it('finds nothing wrong when every moving tag follows the scheme (prereleases never count)', () => {
    assert.deepEqual(checkTagScheme('ghcr.io/o/n', tags, scheme), []);
  });

  it('reports a drifted and a missing moving tag with digests and versions', () => {
    const drifted = tags
      .map((t) => (t.tag === 'latest' ? { ...t, digest: D('b') } : t))
      .filter((t) => t.tag !== 'v1.1');
    const problems = checkTagScheme('ghcr.io/o/n', drifted, scheme);
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        `ghcr.io/o/n:latest points at ${D('b').slice(0, 19)} (1.1.0); the scheme says v1.2.0 ${D('c').slice(0, 19)}`,
        `ghcr.io/o/n:v1.1 is missing; it should point at v1.1.0 ${D('b').slice(0, 19)}`,
      ],
    );
  });

  it('honours the image tag prefix and disabled moving tags', () => {
    const plain = [
      { tag: '2.0.0', digest: D('e'), mediaType: 'x' },
      { tag: 'latest', digest: D('f'), mediaType: 'x' },
    ];
    const problems = checkTagScheme('r', plain, { ...scheme, imagePrefix: '', major: false, minor: false });
    assert.deepEqual(
      problems.map((p) => p.tag),
      ['latest'],
    );
    assert.match(problems[0].message, /\(no version tag\); the scheme says 2\.0\.0/);
  });

  it('checks the version, revision and source labels on every platform', () => {
    const ok = {
      'org.opencontainers.image.version': '1.2.0',
      'org.opencontainers.image.revision': 'abc1234',
      'org.opencontainers.image.source': 'https://github.com/o/n',
    };
    assert.deepEqual(checkLabels(info(ok), '1.2.0'), []);
    assert.deepEqual(checkLabels(info({ ...ok, 'org.opencontainers.image.version': 'v1.2.0' }), '1.2.0'), []);
    const bad = checkLabels(info({ 'org.opencontainers.image.version': '1.1.0' }), '1.2.0').map((p) => p.message);
    assert.equal(bad.length, 6);
    assert.match(bad[0], /\(linux\/amd64\): label org\.opencontainers\.image\.version is 1\.1\.0, expected 1\.2\.0/);
    assert.match(bad[1], /revision is missing/);
  });

  it('checks the commit tag named by the revision label', () => {
    const i = info({ 'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567' });
    assert.deepEqual(checkShaTag(i, [...tags, { tag: '0123456', digest: D('c'), mediaType: 'x' }], scheme), []);
    assert.match(
      checkShaTag(i, [...tags, { tag: '0123456', digest: D('a'), mediaType: 'x' }], scheme)[0].message,
      /0123456 points at/,
    );
    assert.match(checkShaTag(i, tags, scheme)[0].message, /0123456 .* is missing/);
  });

  it('lists required platforms that are missing', () => {
    assert.deepEqual(missingPlatforms(info({}), ['linux/amd64', 'linux/arm64', 'linux/s390x']), ['linux/s390x']);
    assert.deepEqual(missingPlatforms(info({}, []), ['linux/amd64']), ['linux/amd64']);
  });
});
