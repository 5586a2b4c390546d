import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildIndex, cleanupDecision, type IndexEntry } from '../../../src/core/assemble';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const entry = (arch: string, digest: string, attestation?: string): IndexEntry => ({
  platform: `linux/${arch}`,
  source: `r:candidate-1-${arch}`,
  descriptor: { mediaType: MANIFEST, digest, size: 500, platform: { os: 'linux', architecture: arch } },
  attestations: attestation
    ? [
        {
          mediaType: MANIFEST,
          digest: attestation,
          size: 300,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.digest': digest, 'vnd.docker.reference.type': 'attestation-manifest' },
        },
      ]
    : [],
});

describe('assemble: the index and the candidate cleanup', () => {
  it('orders platforms as required, attestations after them still naming their platform; same input, same digest', () => {
    const entries = [entry('arm64', d('b'), d('d')), entry('amd64', d('a'), d('c'))];
    const index = buildIndex(entries, ['linux/amd64', 'linux/arm64']);
    const json = JSON.parse(index.bytes.toString()) as { mediaType: string; manifests: Array<Record<string, unknown>> };
    assert.equal(json.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      json.manifests.map((m) => m.digest),
      [d('a'), d('b'), d('c'), d('d')],
    );
    assert.deepEqual(json.manifests[2].annotations, {
      'vnd.docker.reference.digest': d('a'),
      'vnd.docker.reference.type': 'attestation-manifest',
    });
    assert.equal(index.digest, `sha256:${createHash('sha256').update(index.bytes).digest('hex')}`);
    assert.equal(buildIndex([...entries].reverse(), ['linux/amd64', 'linux/arm64']).digest, index.digest);
  });

  it('never deletes a manifest the index (or another tag) refers to', () => {
    const entries = [entry('amd64', d('a'), d('c'))];
    const index = buildIndex(entries, ['linux/amd64']);
    const tags = [
      { tag: 'candidate-1-amd64', digest: d('a'), mediaType: MANIFEST },
      { tag: 'candidate-1-idx', digest: d('e'), mediaType: 'application/vnd.oci.image.index.v1+json' },
      { tag: 'candidate-2-idx', digest: d('f'), mediaType: 'application/vnd.oci.image.index.v1+json' },
      { tag: 'keep-me', digest: d('f'), mediaType: 'application/vnd.oci.image.index.v1+json' },
    ];
    assert.equal(cleanupDecision('candidate-1-amd64', d('a'), index, entries, tags).how, 'delete-tag');
    assert.equal(cleanupDecision('candidate-1-att', d('c'), index, entries, tags).how, 'delete-tag');
    assert.equal(cleanupDecision('candidate-1-idx', d('e'), index, entries, tags).how, 'delete-manifest');
    const shared = cleanupDecision('candidate-2-idx', d('f'), index, entries, tags);
    assert.equal(shared.how, 'delete-tag');
    assert.match(shared.reason, /keep-me/);
  });
});
