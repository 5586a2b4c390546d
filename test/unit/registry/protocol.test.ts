import assert from 'node:assert/strict';
import { nextLink, parseChallenge } from '../../../src/core/registry';
import { retryAfterMs } from '../../../src/core/registry/transport';

describe('registry: protocol details', () => {
  it('parses Bearer and Basic WWW-Authenticate challenges', () => {
    assert.deepEqual(
      parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/n:pull"'),
      {
        scheme: 'bearer',
        params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:o/n:pull' },
      },
    );
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), {
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
    assert.deepEqual(parseChallenge('Bearer realm="a\\"b", error=insufficient_scope')?.params, {
      realm: 'a"b',
      error: 'insufficient_scope',
    });
    assert.equal(parseChallenge(null), undefined);
  });

  it('finds rel="next" in Link headers', () => {
    assert.equal(nextLink('</v2/o/n/tags/list?last=b&n=2>; rel="next"'), '/v2/o/n/tags/list?last=b&n=2');
    assert.equal(nextLink('<https://x/prev>; rel="prev", <https://x/next>; rel=next'), 'https://x/next');
    assert.equal(nextLink('<https://x/prev>; rel="prev"'), undefined);
    assert.equal(nextLink(null), undefined);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(null), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
    const now = () => Date.parse('2031-12-31T23:59:30Z');
    assert.equal(retryAfterMs('Thu, 01 Jan 2032 00:00:30 GMT', now), 60_000);
    assert.equal(retryAfterMs('Wed, 31 Dec 2031 23:58:30 GMT', now), 0);
  });
});
