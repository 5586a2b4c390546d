import assert from 'node:assert/strict';
import http from 'node:http';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { RegistryClient } from '../../../src/core/registry';
import { contentCache } from '../../../src/core/registry/cache';
import { freePort, pushImage, startProxy, useRegistry, type TestProxy } from '../../helpers/registry';

/**
 * A registry's first request stands for the ping (src/core/registry/transport.ts, `probe`): asked without credentials,
 * its answer says whether a token is wanted, a round trip sooner than GET /v2/ first. Real registries (distribution
 * with a token service, and without auth) behind the recording proxy.
 */
describe('registry client: the first request in place of the ping', function () {
  this.timeout(120_000);
  const reg = useRegistry('token');
  const repo = 'acme/first';
  const creds = async () => ({ ...reg().credentials!, source: 'test' });
  const proxies: TestProxy[] = [];
  let digest = '';
  before(async () => {
    digest = (await pushImage(reg(), repo, { tag: 'v1' })).digest;
  });
  beforeEach(() => contentCache.clear());
  after(async () => Promise.all(proxies.map((p) => p.stop())));
  const proxy = async (o: Parameters<typeof startProxy>[1] = {}) => {
    const p = await startProxy(reg(), o);
    proxies.push(p);
    return p;
  };
  const asked = (p: TestProxy) =>
    p.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}${r.authorization ? ' (token)' : ''}`);

  it('a registry that wants a token: its challenge comes with the first request, then the request with a token', async () => {
    const p = await proxy();
    const head = await new RegistryClient({ credentials: creds, retries: 0 }).headManifest(`${p.host}/${repo}:v1`);
    assert.equal(head?.digest, digest);
    assert.deepEqual(asked(p), [`HEAD /v2/${repo}/manifests/v1`, `HEAD /v2/${repo}/manifests/v1 (token)`]);
  });

  it('requests made while the first is out wait for its answer: one asked without a token, none pings', async () => {
    const p = await proxy();
    const c = new RegistryClient({ credentials: creds, retries: 0 });
    const heads = await Promise.all(Array.from({ length: 5 }, () => c.headManifest(`${p.host}/${repo}:v1`)));
    assert.ok(heads.every((h) => h?.digest === digest));
    assert.equal(asked(p).filter((r) => !r.endsWith('(token)')).length, 1, asked(p).join('\n'));
    assert.equal(asked(p).filter((r) => r.endsWith('(token)')).length, 5);
    assert.ok(!asked(p).some((r) => r.startsWith('GET /v2/ ') || r === 'GET /v2/'));
  });

  it('a registry that hides a repository from the anonymous (404): the ping finds the challenge and the request is made with a token', async () => {
    const p = await proxy({
      faults: [{ path: /\/manifests\//, authorized: false, times: 99, respond: { status: 404, body: '{}' } }],
    });
    const head = await new RegistryClient({ credentials: creds, retries: 0 }).headManifest(`${p.host}/${repo}:v1`);
    assert.equal(head?.digest, digest);
    assert.deepEqual(asked(p), [`HEAD /v2/${repo}/manifests/v1`, 'GET /v2/', `HEAD /v2/${repo}/manifests/v1 (token)`]);
  });

  it('a write pings first (its body is not sent twice)', async () => {
    const p = await proxy();
    const c = new RegistryClient({ credentials: creds, retries: 0 });
    const m = await new RegistryClient({ credentials: creds }).getManifest(`${reg().host}/${repo}:v1`);
    await c.putManifest(`${p.host}/${repo}`, 'copy', m.bytes, m.mediaType);
    assert.equal(asked(p)[0], 'GET /v2/');
    assert.ok(!asked(p).some((r) => r.startsWith('PUT') && !r.endsWith('(token)')), asked(p).join('\n'));
  });

  it('a host that is no registry (404 everywhere): still said so, after the ping', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      await assert.rejects(
        new RegistryClient({ credentials: async () => undefined, retries: 0 }).getManifest(`127.0.0.1:${port}/a/b:v1`),
        (e: Error) => {
          assert.ok(e instanceof ReleaseOperatorError && e.kind === 'environment', String(e));
          assert.match(e.message, /does not answer like an OCI registry \(GET \/v2\/ gave HTTP 404\)/);
          return true;
        },
      );
      assert.deepEqual(seen, ['GET /v2/a/b/manifests/v1', 'GET /v2/']);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
