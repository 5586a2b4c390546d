import assert from 'node:assert/strict';
import { CancelledError, ReleaseOperatorError } from '../../../src/core/errors';
import { contentCache, RegistryClient, registryTrust } from '../../../src/core/registry';
import {
  pushImage,
  startProxy,
  tagManifest,
  useRegistry,
  type FaultRule,
  type TestProxy,
} from '../../helpers/registry';

/**
 * A listing's HEADs and GETs go straight onto the live HTTP/2 connection once the registry has answered and its token
 * is held (src/core/registry/transport.ts, `quickRead`). Whatever such a HEAD meets that needs more than reading (a
 * challenge, a refusal, a status worth a retry, a redirect, a reset or silent stream, a cancel) must end exactly as on
 * the usual path: the same retries, the same messages, every digest right. A token registry (distribution 2.8 with
 * the test bed's token service) behind the recording proxy serving HTTPS with HTTP/2, faults on HEADs made with a
 * token (the quick path's), from the middle of the listing, or on a manifest read after it.
 */
describe('registry client: quick HEADs and GETs over HTTP/2 end as the usual path would', function () {
  this.timeout(180_000);
  const reg = useRegistry('token');
  const repo = 'acme/quick';
  const TAGS = 150;
  const expected = new Map<string, string>();
  const proxies: TestProxy[] = [];
  const tagName = (i: number) => `1.0.${i}`;
  before(async () => {
    const a = await pushImage(reg(), repo, { labels: { n: 'a' } });
    const b = await pushImage(reg(), repo, { labels: { n: 'b' } });
    for (let i = 0; i < TAGS; i++) {
      const m = i % 2 ? a : b;
      await tagManifest(reg(), repo, tagName(i), m);
      expected.set(tagName(i), m.digest);
    }
  });
  beforeEach(() => contentCache.clear());
  after(async () => Promise.all(proxies.map((p) => p.stop())));

  const proxy = async (faults: FaultRule[] = []) => {
    const p = await startProxy(reg(), { tls: true, faults, pageSize: 100 });
    proxies.push(p);
    return p;
  };
  const client = (p: TestProxy, o: { timeoutMs?: number; retries?: number } = {}) =>
    new RegistryClient({
      credentials: async () => ({ ...reg().credentials!, source: 'test' }),
      trust: registryTrust({ [p.host]: p.ca! }),
      retryBaseMs: 20,
      retries: o.retries ?? 3,
      timeoutMs: o.timeoutMs ?? 20_000,
    });
  /** The HEADs the proxy saw for one tag, in order ('faulted' when a fault answered it). */
  const headsOf = (p: TestProxy, tag: string) =>
    p.requests
      .filter((r) => r.method === 'HEAD' && r.path === `/v2/${repo}/manifests/${tag}`)
      .map((r) => (r.faulted ? 'faulted' : r.authorization ? 'token' : 'anonymous'));
  const listed = async (c: RegistryClient, p: TestProxy) => {
    const tags = await c.tagDigests(`${p.host}/${repo}`);
    assert.equal(c.protocolOf(p.host), 'h2');
    c.close();
    return new Map(tags.map((t) => [t.tag, t.digest]));
  };
  // A tag from the second page: by then the registry has answered and the token is held.
  const late = tagName(120);
  const lateHead = new RegExp(`/manifests/${late.replace(/\./g, '\\.')}$`);

  it('the plain case: every tag with its digest over HTTP/2, one HEAD each (with the token)', async () => {
    const p = await proxy();
    assert.deepEqual(await listed(client(p), p), expected);
    for (let i = 0; i < TAGS; i++) assert.deepEqual(headsOf(p, tagName(i)), ['token'], tagName(i));
  });

  for (const [what, respond] of [
    ['503', { status: 503 }],
    ['429 with Retry-After', { status: 429, headers: { 'retry-after': '1' } }],
    ['500', { status: 500 }],
  ] as const)
    it(`a HEAD answered ${what} is asked again, once, and the listing is whole`, async () => {
      const p = await proxy([{ method: 'HEAD', path: lateHead, authorized: true, respond }]);
      assert.deepEqual(await listed(client(p), p), expected);
      assert.deepEqual(headsOf(p, late), ['faulted', 'token']);
    });

  it('a HEAD whose token the registry no longer takes (401 with a challenge) gets a fresh token and is asked again', async () => {
    // The registry's own challenge, as an expired token meets it.
    const challenge = await fetch(`${reg().url}/v2/`).then((r) => r.headers.get('www-authenticate')!);
    const q = await proxy([
      {
        method: 'HEAD',
        path: lateHead,
        authorized: true,
        respond: { status: 401, headers: { 'www-authenticate': `${challenge},scope="repository:${repo}:pull"` } },
      },
    ]);
    const scopes = reg().tokenRequests.length;
    assert.deepEqual(await listed(client(q), q), expected);
    assert.deepEqual(headsOf(q, late), ['faulted', 'token']);
    // The first token, then the fresh one the 401 asked for.
    assert.equal(reg().tokenRequests.length - scopes, 2);
  });

  it('a HEAD refused (403) fails the listing with the refusal, not a digest error', async () => {
    const p = await proxy([{ method: 'HEAD', path: lateHead, authorized: true, respond: { status: 403 } }]);
    await assert.rejects(listed(client(p), p), (e: unknown) => {
      assert.ok(e instanceof ReleaseOperatorError, String(e));
      assert.match(
        e.message,
        new RegExp(`refused HEAD /v2/${repo}/manifests/${late.replace(/\./g, '\\.')} \\(HTTP 403`),
      );
      return true;
    });
  });

  it('a HEAD answered 404 (the tag went meanwhile) leaves that tag out, and only that one', async () => {
    const p = await proxy([{ method: 'HEAD', path: lateHead, authorized: true, respond: { status: 404 } }]);
    const got = await listed(client(p), p);
    const want = new Map(expected);
    want.delete(late);
    assert.deepEqual(got, want);
    assert.deepEqual(headsOf(p, late), ['faulted']);
  });

  it('a HEAD redirected (307) ends where the redirect points (a registry that redirects does so each time)', async () => {
    const target = tagName(121);
    const p = await proxy([
      {
        method: 'HEAD',
        path: lateHead,
        authorized: true,
        times: 99,
        respond: { status: 307, headers: { location: `/v2/${repo}/manifests/${target}` } },
      },
    ]);
    const got = await listed(client(p), p);
    assert.notEqual(expected.get(late), expected.get(target));
    assert.equal(got.get(late), expected.get(target));
    assert.equal(got.size, TAGS);
  });

  it('a HEAD whose stream is reset is asked again on the connection, and the listing is whole', async () => {
    const p = await proxy([{ method: 'HEAD', path: lateHead, authorized: true, drop: 'reset' }]);
    assert.deepEqual(await listed(client(p), p), expected);
    assert.deepEqual(headsOf(p, late), ['faulted', 'token']);
  });

  it('a HEAD that gets no answer within the request time is asked again', async () => {
    const p = await proxy([{ method: 'HEAD', path: lateHead, authorized: true, delayMs: 4_000 }]);
    assert.deepEqual(await listed(client(p, { timeoutMs: 1_500 }), p), expected);
    assert.deepEqual(headsOf(p, late), ['faulted', 'token']);
  });

  it('a HEAD that keeps failing past the retries fails the listing saying how often it was tried', async () => {
    const p = await proxy([{ method: 'HEAD', path: lateHead, authorized: true, times: 9, respond: { status: 503 } }]);
    await assert.rejects(listed(client(p, { retries: 2 }), p), /503/);
    assert.deepEqual(headsOf(p, late), ['faulted', 'faulted', 'faulted']);
  });

  /** The GETs the proxy saw of a path, in order ('faulted' when a fault answered it). */
  const getsOf = (p: TestProxy, path: string) =>
    p.requests.filter((r) => r.method === 'GET' && r.path === path).map((r) => (r.faulted ? 'faulted' : 'token'));
  const lateManifest = `/v2/${repo}/manifests/${late}`;
  /** A client that has listed the tags (the registry answered, the token is held), then reads the late tag's manifest. */
  const readLate = async (p: TestProxy, o: { timeoutMs?: number; retries?: number } = {}) => {
    const c = client(p, o);
    await c.tagDigests(`${p.host}/${repo}`);
    try {
      return await c.getManifest(`${p.host}/${repo}:${late}`);
    } finally {
      c.close();
    }
  };
  const getFault = (f: Omit<FaultRule, 'path' | 'method' | 'authorized'>): FaultRule => ({
    method: 'GET',
    path: lateHead,
    authorized: true,
    ...f,
  });

  it('a manifest GET answered 503 is asked again, once, and reads the manifest', async () => {
    const p = await proxy([getFault({ respond: { status: 503 } })]);
    assert.equal((await readLate(p)).digest, expected.get(late));
    assert.deepEqual(getsOf(p, lateManifest), ['faulted', 'token']);
  });

  it('a manifest GET whose body is cut short (the stream reset) is asked again', async () => {
    const p = await proxy([getFault({ drop: 'truncate' })]);
    assert.equal((await readLate(p)).digest, expected.get(late));
    assert.deepEqual(getsOf(p, lateManifest), ['faulted', 'token']);
  });

  it('a manifest GET that gets no answer within the request time is asked again', async () => {
    const p = await proxy([getFault({ delayMs: 4_000 })]);
    assert.equal((await readLate(p, { timeoutMs: 1_500 })).digest, expected.get(late));
    assert.deepEqual(getsOf(p, lateManifest), ['faulted', 'token']);
  });

  it('a manifest larger than the limit is refused with the limit named, and not asked again', async () => {
    const p = await proxy([getFault({ rewriteBody: (b) => Buffer.concat([b, Buffer.alloc(4 * 1024 * 1024, 32)]) })]);
    await assert.rejects(readLate(p), (e: unknown) => {
      assert.ok(e instanceof ReleaseOperatorError, String(e));
      assert.match(e.message, /manifestBytes|more than 4194304 bytes/);
      return true;
    });
    assert.deepEqual(getsOf(p, lateManifest), ['faulted']);
  });

  it("a manifest GET answered 404 says the tag is not there, with the registry's own words", async () => {
    const p = await proxy([
      getFault({
        respond: {
          status: 404,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown to the quick test' }],
          }),
        },
      }),
    ]);
    await assert.rejects(readLate(p), /manifest unknown to the quick test/);
    assert.deepEqual(getsOf(p, lateManifest), ['faulted']);
  });

  it('a tag page answered 503 in the middle of the listing is asked again, and the listing is whole', async () => {
    const p = await proxy([
      { method: 'GET', path: /\/tags\/list\?.*last=/, authorized: true, respond: { status: 503 } },
    ]);
    assert.deepEqual(await listed(client(p), p), expected);
    assert.equal(p.requests.filter((r) => r.faulted).length, 1);
  });

  it('a cancel stops the HEADs in flight and the listing ends as cancelled, with nothing asked after', async () => {
    // One slow HEAD keeps the listing going; the cancel comes while it is out.
    const p = await proxy([{ method: 'HEAD', path: lateHead, authorized: true, delayMs: 3_000 }]);
    const c = client(p);
    const stop = new AbortController();
    const listing = c.tagDigests(`${p.host}/${repo}`, { signal: stop.signal });
    const seen = () => p.requests.length;
    while (!headsOf(p, late).length) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await assert.rejects(listing, (e: unknown) => e instanceof CancelledError);
    // Requests already on the wire reach the proxy a little later; none may be made after that.
    await new Promise((r) => setTimeout(r, 300));
    const after = seen();
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(seen(), after);
    assert.ok(after < TAGS + 5, `${after} requests: the listing went on after the cancel`);
    c.close();
  });
});
