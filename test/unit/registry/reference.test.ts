import assert from 'node:assert/strict';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { formatReference, parseReference, parseRepository, registryBaseUrl } from '../../../src/core/registry';

describe('registry: image references', () => {
  const D = 'sha256:' + 'ab'.repeat(32);
  const cases: Array<[string, string, string, string | undefined, string | undefined]> = [
    ['alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined],
    ['owner/app', 'docker.io', 'owner/app', 'latest', undefined],
    ['index.docker.io/library/alpine:1', 'docker.io', 'library/alpine', '1', undefined],
    ['ghcr.io/owner/name:v1.2.3', 'ghcr.io', 'owner/name', 'v1.2.3', undefined],
    [`ghcr.io/owner/name@${D}`, 'ghcr.io', 'owner/name', undefined, D],
    [`ghcr.io/owner/name:v1@${D}`, 'ghcr.io', 'owner/name', 'v1', D],
    ['localhost:5000/a/b/c', 'localhost:5000', 'a/b/c', 'latest', undefined],
    ['127.0.0.1:5000/x:y', '127.0.0.1:5000', 'x', 'y', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['[::1]:5000/app:t', '[::1]:5000', 'app', 't', undefined],
    ['my-registry.example.com/a.b/c__d/e-f:T_1.x', 'my-registry.example.com', 'a.b/c__d/e-f', 'T_1.x', undefined],
  ];
  for (const [text, registry, repository, tag, digest] of cases) {
    it(`parses ${text}`, () => {
      assert.deepEqual(parseReference(text), { registry, repository, tag, digest });
    });
  }

  const bad = [
    '',
    'Upper/Case',
    'ghcr.io/owner/name:',
    'ghcr.io//x',
    'a/b:-tag',
    'ghcr.io/o/n@sha256:123',
    'a b',
    'ghcr.io/o/n@md5',
    'a/b:' + 'x'.repeat(129),
  ];
  for (const text of bad) {
    it(`rejects ${JSON.stringify(text)} as a usage error (exit 2) with a hint`, () => {
      assert.throws(
        () => parseReference(text),
        (e: unknown) =>
          e instanceof ReleaseOperatorError &&
          e.kind === 'usage' &&
          e.exitCode === 2 &&
          /Invalid image reference/.test(e.message) &&
          /ghcr\.io\/owner\/name/.test(e.hint ?? ''),
      );
    });
  }

  it('round-trips through formatReference', () => {
    assert.equal(formatReference(parseReference(`ghcr.io/o/n:v1@${D}`)), `ghcr.io/o/n:v1@${D}`);
    assert.equal(formatReference(parseReference('alpine')), 'docker.io/library/alpine:latest');
  });

  it('parses repositories and refuses tags or digests in them', () => {
    assert.deepEqual(parseRepository('ghcr.io/o/n'), { registry: 'ghcr.io', repository: 'o/n' });
    assert.deepEqual(parseRepository('127.0.0.1:5000/o/n'), { registry: '127.0.0.1:5000', repository: 'o/n' });
    assert.throws(() => parseRepository('ghcr.io/o/n:v1'), /has no tag/);
    assert.throws(() => parseRepository(`ghcr.io/o/n@${D}`), /no digest/);
  });

  it('uses plain HTTP only for loopback and listed insecure registries', () => {
    assert.equal(registryBaseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000');
    assert.equal(registryBaseUrl('127.5.0.1'), 'http://127.5.0.1');
    assert.equal(registryBaseUrl('localhost:5000'), 'http://localhost:5000');
    assert.equal(registryBaseUrl('[::1]:5000'), 'http://[::1]:5000');
    assert.equal(registryBaseUrl('ghcr.io'), 'https://ghcr.io');
    assert.equal(registryBaseUrl('docker.io'), 'https://registry-1.docker.io');
    assert.equal(registryBaseUrl('reg.lan:5000', ['reg.lan:5000']), 'http://reg.lan:5000');
    assert.equal(registryBaseUrl('localhost.evil.com'), 'https://localhost.evil.com');
  });
});
