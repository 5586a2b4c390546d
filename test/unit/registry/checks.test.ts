import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/core/config/load';
import {
  labelsCheck,
  missingPlatforms,
  platformsCheck,
  problemsOf,
  tagSchemeCheck,
  type ImageInfo,
  type TagDigest,
} from '../../../src/core/registry';
import { resolveScheme } from '../../../src/core/version/scheme';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const short = (d: string) => d.slice(0, 19);
/** The scheme as a repository with these tags would infer it (nothing configured). */
const inferred = (tags: readonly TagDigest[], overrides: Partial<ReturnType<typeof defaultConfig>['tags']> = {}) =>
  resolveScheme({ ...defaultConfig().tags, ...overrides }, { imageTags: tags.map((t) => t.tag) });
const T = (tag: string, c: string): TagDigest => ({ tag, digest: D(c), mediaType: 'x' });

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

describe('registry: release checks as report checks', () => {
  const tags: TagDigest[] = [
    T('v1.0.0', 'a'),
    T('v1.1.0', 'b'),
    T('v1.2.0', 'c'),
    T('v1.3.0-rc.1', 'd'),
    T('v1.0', 'a'),
    T('v1.1', 'b'),
    T('v1.2', 'c'),
    T('v1', 'c'),
    T('latest', 'c'),
  ];

  it('passes when every moving tag follows the scheme, counting what it examined (prereleases never count)', () => {
    const c = tagSchemeCheck('ghcr.io/o/n', tags, inferred(tags));
    assert.equal(c.verdict, 'pass', c.summary);
    assert.deepEqual(
      [c.examined.count, c.examined.what, c.examined.lookedFor],
      [5, 'moving tags', 'version tags like v1.2.3 (prefix "v") and the moving tags they imply'],
    );
    assert.deepEqual(c.basis, [
      { subject: 'image tags', value: 'prefix "v"', source: 'inferred', detail: '4 of 4 version tags' },
    ]);
  });

  it('a drifted and a missing moving tag: both versions, both digests, and the rollback that fixes it as a dry run', () => {
    const drifted = tags.map((t) => (t.tag === 'latest' ? T('latest', 'b') : t)).filter((t) => t.tag !== 'v1.1');
    const c = tagSchemeCheck('ghcr.io/o/n', drifted, inferred(drifted));
    assert.equal(c.verdict, 'problem');
    assert.deepEqual(
      c.findings.map((f) => f.message),
      [
        `ghcr.io/o/n:latest points at v1.1.0 (${short(D('b'))}), an older release; the scheme says v1.2.0 (${short(D('c'))})`,
        `ghcr.io/o/n:v1.1 is missing; the scheme says it points at v1.1.0 (${short(D('b'))})`,
      ],
    );
    assert.deepEqual(
      c.findings.map((f) => f.next?.command),
      [
        'release-operator rollback ghcr.io/o/n --to v1.2.0 --tag latest --dry-run',
        'release-operator rollback ghcr.io/o/n --to v1.1.0 --tag v1.1 --dry-run',
      ],
    );
    assert.deepEqual(c.findings[0].evidence, {
      tag: 'latest',
      digest: D('b'),
      versions: ['1.1.0'],
      expected: { version: '1.2.0', tag: 'v1.2.0', digest: D('c') },
    });
    assert.deepEqual(
      problemsOf([c]).map((p) => [p.check, p.tag]),
      [
        ['tag-scheme', 'latest'],
        ['tag-scheme', 'v1.1'],
      ],
    );
  });

  it('infers no prefix from a registry of 1.2.3-style tags, and finds the drift a "v" scheme would never see', () => {
    const plain = [T('1.2.2', 'a'), T('1.2.3', 'b'), T('1.2', 'a'), T('1', 'b'), T('latest', 'b')];
    const c = tagSchemeCheck('r', plain, inferred(plain));
    assert.equal(c.verdict, 'problem');
    assert.match(
      c.findings[0].message,
      /^r:1\.2 points at 1\.2\.2 \(sha256:a{12}\), an older release; the scheme says 1\.2\.3/,
    );
    assert.equal(c.basis?.[0].value, 'no prefix');
  });

  it('honours a configured prefix and disabled moving tags; configuration wins over the tags', () => {
    const plain = [T('2.0.0', 'e'), T('latest', 'f')];
    const c = tagSchemeCheck('r', plain, inferred(plain, { imagePrefix: '', major: false, minor: false }));
    assert.deepEqual(
      c.findings.map((f) => f.subject),
      ['latest'],
    );
    assert.match(c.findings[0].message, /points at no version tag \(sha256:f+\); the scheme says 2\.0\.0/);
    assert.equal(c.basis?.[0].source, 'configured');
    // Configured "v" on a no-prefix registry: nothing of the scheme exists, which is said, never a pass.
    const v = tagSchemeCheck('r', plain, inferred(plain, { imagePrefix: 'v' }));
    assert.equal(v.verdict, 'nothing-checked');
    assert.match(v.summary, /looked for version tags like v1\.2\.3 .*; found 1 version tag of another prefix: 2\.0\.0/);
  });

  it('no version tags at all is nothing checked, naming what it found instead', () => {
    const none = [T('main', 'a'), T('edge', 'b'), T('sha-1a2b3c4', 'c')];
    const c = tagSchemeCheck('r', none, inferred(none));
    assert.equal(c.verdict, 'nothing-checked');
    assert.equal(c.examined.count, 0);
    assert.match(
      c.summary,
      /^nothing checked: looked for version tags like v1\.2\.3 .*; found 3 tags, none version-shaped: edge, main, sha-1a2b3c4$/,
    );
    assert.equal(c.basis?.[0].source, 'default');
    assert.equal(tagSchemeCheck('r', [], inferred([])).examined.foundInstead, 'no tags at all');
  });

  it('a registry with both v1.2.3 and 1.2.3 is a finding of its own, not a silent pick', () => {
    const mixed = [T('v1.0.0', 'a'), T('1.0.0', 'a'), T('v1.1.0', 'b'), T('1.1.0', 'b'), T('latest', 'b')];
    const c = tagSchemeCheck('r', mixed, inferred(mixed));
    const f = c.findings.find((x) => x.rule === 'mixed-prefix');
    assert.ok(f, JSON.stringify(c.findings));
    assert.equal(f.severity, 'error', 'no clear majority: the checks cannot tell which scheme is yours');
    assert.match(
      f.message,
      /image tags follow 2 version schemes: prefix "v" \(2, e\.g\. v1\.1\.0, v1\.0\.0\), no prefix \(2/,
    );
    assert.match(f.message, /Set tags\.imagePrefix/);
    assert.equal(c.verdict, 'problem');
    // A clear majority is said as a warning, and the check still runs on that scheme.
    const stray = [...['1.0.0', '1.1.0', '1.2.0', '1.3.0'].map((v) => T(v, v[2])), T('v0.1.0', 'z'), T('latest', '3')];
    const w = tagSchemeCheck('r', stray, inferred(stray));
    assert.equal(w.findings.find((x) => x.rule === 'mixed-prefix')?.severity, 'warning');
    assert.equal(w.basis?.[0].detail, '4 of 5 version tags');
  });

  it('checks the commit tag named by the revision label of the version it verifies', () => {
    const i = info({ 'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567' });
    const ok = [...tags, T('0123456', 'c')];
    assert.equal(tagSchemeCheck('ghcr.io/o/n', ok, inferred(ok), { info: i }).examined.count, 6);
    const wrong = [...tags, T('0123456', 'a')];
    assert.match(
      tagSchemeCheck('ghcr.io/o/n', wrong, inferred(wrong), { info: i }).findings[0].message,
      /0123456 points at/,
    );
    assert.match(
      tagSchemeCheck('ghcr.io/o/n', tags, inferred(tags), { info: i }).findings[0].message,
      /0123456 .* is missing/,
    );
  });

  it('checks the version, revision and source labels on every platform; an index of attestations only has none to read', () => {
    const ok = {
      'org.opencontainers.image.version': '1.2.0',
      'org.opencontainers.image.revision': 'abc1234',
      'org.opencontainers.image.source': 'https://github.com/o/n',
    };
    assert.equal(labelsCheck(info(ok), '1.2.0').verdict, 'pass');
    assert.equal(labelsCheck(info(ok), '1.2.0').examined.count, 2);
    assert.equal(labelsCheck(info({ ...ok, 'org.opencontainers.image.version': 'v1.2.0' }), '1.2.0').verdict, 'pass');
    const bad = labelsCheck(info({ 'org.opencontainers.image.version': '1.1.0' }), '1.2.0').findings.map(
      (f) => f.message,
    );
    assert.equal(bad.length, 6);
    assert.match(bad[0], /\(linux\/amd64\): label org\.opencontainers\.image\.version is 1\.1\.0, expected 1\.2\.0/);
    assert.match(bad[1], /revision is missing/);
    const attestationsOnly = {
      ...info({}, []),
      attestations: [{ digest: D('e'), mediaType: 'x', type: 'attestation-manifest' }],
    };
    const none = labelsCheck(attestationsOnly, '1.2.0');
    assert.equal(none.verdict, 'nothing-checked');
    assert.match(none.summary, /found an index with no platform image \(1 attestation manifest only\)/);
  });

  it('required platforms: counted, missing ones named; none required is nothing checked', () => {
    assert.deepEqual(missingPlatforms(info({}), ['linux/amd64', 'linux/arm64', 'linux/s390x']), ['linux/s390x']);
    assert.deepEqual(missingPlatforms(info({}, []), ['linux/amd64']), ['linux/amd64']);
    const pass = platformsCheck(info({}), ['linux/amd64', 'linux/arm64']);
    assert.equal(pass.verdict, 'pass');
    assert.equal(pass.summary, '2 required platforms examined: linux/amd64, linux/arm64 present');
    const single = platformsCheck(info({}, ['linux/amd64']), ['linux/amd64', 'linux/arm64']);
    assert.equal(single.verdict, 'problem');
    assert.match(single.findings[0].message, /lacks platform linux\/arm64 \(has: linux\/amd64\)/);
    assert.equal(platformsCheck(info({}), []).verdict, 'nothing-checked');
  });
});
