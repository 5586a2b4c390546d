import assert from 'node:assert/strict';
import http from 'node:http';
import { RegistryClient } from '../../../src/core/registry';
import { contentCache } from '../../../src/core/registry/cache';
import {
  freePort,
  pushImage,
  pushIndex,
  startProxy,
  tagManifest,
  useRegistry,
  type PushedManifest,
} from '../../helpers/registry';
import { assertTagPages } from '../../helpers/tag-pages';
import { clientFor, rejectsWith } from './util';

describe('registry client: faults, paging and retries (real registry behind a proxy)', function () {
  const reg = useRegistry('none');
  const repo = 'acme/faults';
  let image: PushedManifest;
  const proxies: Array<{ stop(): Promise<void> }> = [];
  after(async () => Promise.all(proxies.map((p) => p.stop())));
  beforeEach(() => contentCache.clear());

  before(async () => {
    image = await pushImage(reg(), repo, { platform: 'linux/amd64', labels: { a: 'b' }, tag: 'v1.0.0' });
    // More tags than one page (page size 10 below).
    for (let i = 0; i < 23; i++) await tagManifest(reg(), repo, `t${String(i).padStart(2, '0')}`, image);
  });

  async function proxy(options: Parameters<typeof startProxy>[1]) {
    const p = await startProxy(reg(), options);
    proxies.push(p);
    return p;
  }

  it('follows Link pages in full, like ghcr.io', async () => {
    const p = await proxy({ pageSize: 10 });
    const tags = await clientFor(reg()).listTags(`${p.host}/${repo}`);
    assert.equal(tags.length, 24);
    assert.deepEqual(new Set(tags).size, 24);
    assertTagPages(p.requests.filter((r) => r.path.includes('/tags/list')).length, 3);
    // Page by page (no ranges): exactly the three pages, each from the one before.
    const before = p.requests.length;
    assert.deepEqual(await clientFor(reg(), undefined, { tagRanges: false }).listTags(`${p.host}/${repo}`), tags);
    assert.equal(p.requests.slice(before).filter((r) => r.path.includes('/tags/list')).length, 3);
  });

  it('refuses a next page on another host', async () => {
    const p = await proxy({ pageSize: 10, foreignNextLink: 'http://127.0.0.2:1' });
    await rejectsWith(clientFor(reg()).listTags(`${p.host}/${repo}`), 'environment', /another host/);
  });

  it('retries a 429 honouring Retry-After, then succeeds', async () => {
    const p = await proxy({
      faults: [
        { method: 'GET', path: /\/manifests\/v1\.0\.0$/, respond: { status: 429, headers: { 'retry-after': '1' } } },
      ],
    });
    const m = await clientFor(reg()).getManifest(`${p.host}/${repo}:v1.0.0`);
    assert.equal(m.digest, image.digest);
    const gets = p.requests.filter((r) => r.path.endsWith('/manifests/v1.0.0'));
    assert.deepEqual(
      gets.map((g) => g.faulted),
      [true, false],
    );
  });

  it('gives up after the configured retries of 503 with an environment error', async () => {
    const p = await proxy({ faults: [{ path: /\/manifests\//, times: 99, respond: { status: 503 } }] });
    const client = new RegistryClient({ retries: 2, retryBaseMs: 10, credentials: async () => undefined });
    await rejectsWith(client.getManifest(`${p.host}/${repo}:v1.0.0`), 'environment', /HTTP 503/);
    assert.equal(p.requests.filter((r) => r.path.includes('/manifests/')).length, 3);
  });

  it('calls a malformed manifest body a check failure', async () => {
    const p = await proxy({
      faults: [
        {
          method: 'GET',
          path: /\/manifests\/v1\.0\.0$/,
          rewriteBody: () => Buffer.from('{"schemaVersion": 2, "oops": true}'),
          recomputeDigest: true,
        },
      ],
    });
    const e = await rejectsWith(
      clientFor(reg()).getManifest(`${p.host}/${repo}:v1.0.0`),
      'check',
      /malformed manifest .*config is not a descriptor/,
    );
    assert.ok(e.hint);
  });

  it('detects bytes that do not match the digest asked for (and the digest the registry announced)', async () => {
    const flip = (b: Buffer) => Buffer.from(b.toString('utf8').replace('"schemaVersion":2', '"schemaVersion": 2'));
    const p = await proxy({ faults: [{ method: 'GET', path: /\/manifests\//, times: 2, rewriteBody: flip }] });
    const c = clientFor(reg());
    await rejectsWith(c.getManifest(`${p.host}/${repo}@${image.digest}`), 'environment', /Digest mismatch .*asked for/);
    await rejectsWith(
      c.getManifest(`${p.host}/${repo}:v1.0.0`),
      'environment',
      /Digest mismatch .*announced by the registry/,
    );
  });

  it('detects a blob whose bytes do not match its digest, buffered and streamed', async () => {
    const p = await proxy({
      faults: [
        { method: 'GET', path: /\/blobs\//, times: 2, rewriteBody: (b) => Buffer.concat([b, Buffer.from('x')]) },
      ],
    });
    const c = clientFor(reg());
    await rejectsWith(c.getBlob(`${p.host}/${repo}`, image.layerDigest!), 'environment', /Digest mismatch/);
    const { stream } = await c.openBlob(`${p.host}/${repo}`, image.layerDigest!);
    await rejectsWith(
      (async () => {
        for await (const _ of stream) void _;
      })(),
      'environment',
      /Digest mismatch/,
    );
  });

  it('says an unreachable registry is an environment problem (exit 3)', async () => {
    const port = await freePort();
    const e = await rejectsWith(
      clientFor(reg()).inspect(`127.0.0.1:${port}/${repo}:v1.0.0`),
      'environment',
      /could not be reached/,
    );
    assert.equal(e.exitCode, 3);
  });
});

describe('registry client: an index whose attestation refers to nothing', function () {
  const reg = useRegistry('none');
  it('keeps unattached attestations apart from platforms', async () => {
    const img = await pushImage(reg(), 'acme/att', { platform: 'linux/amd64' });
    const idx = await pushIndex(reg(), 'acme/att', [img], { attestations: true });
    const json = JSON.parse(idx.bytes.toString('utf8'));
    json.manifests[1].annotations['vnd.docker.reference.digest'] = 'sha256:' + '0'.repeat(64);
    const bytes = Buffer.from(JSON.stringify(json));
    const { putManifest } = await import('../../helpers/registry');
    await putManifest(reg(), 'acme/att', 'odd', bytes, idx.mediaType);
    const info = await clientFor(reg()).inspect(`${reg().host}/acme/att:odd`);
    assert.deepEqual(
      info.platforms.map((p) => p.platform),
      ['linux/amd64'],
    );
    assert.equal(info.platforms[0].attestations.length, 0);
    assert.equal(info.attestations.length, 1);
    assert.equal(info.attestations[0].refersTo, 'sha256:' + '0'.repeat(64));
  });
});

describe('registry client: redirects to blob storage on another host', function () {
  const reg = useRegistry('htpasswd');
  let storage: http.Server;
  const seen: Array<string | undefined> = [];
  after(async () => new Promise<void>((r) => storage?.close(() => r())));

  it('follows the redirect without the registry Authorization header', async () => {
    const img = await pushImage(reg(), 'acme/redirect', { labels: { a: 'b' } });
    const blob = await clientFor(reg()).getBlob(`${reg().host}/acme/redirect`, img.configDigest!);
    storage = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(blob);
    });
    const port = await freePort();
    await new Promise<void>((r) => storage.listen(port, '127.0.0.1', r));
    const p = await startProxy(reg(), {
      faults: [
        {
          // The redirect answers the request made with the credentials (the first, asked without, is challenged).
          method: 'GET',
          path: /\/blobs\//,
          authorized: true,
          respond: { status: 307, headers: { location: `http://127.0.0.1:${port}/storage/blob?sig=abc` } },
        },
      ],
    });
    try {
      contentCache.clear();
      const bytes = await clientFor(reg()).getBlob(`${p.host}/acme/redirect`, img.configDigest!);
      assert.ok(bytes.equals(blob));
      assert.ok(
        p.requests.some((r) => r.path.includes('/blobs/') && r.authorization),
        'the registry itself gets the credentials',
      );
      assert.deepEqual(seen, [undefined], 'the storage host must not');
    } finally {
      await p.stop();
    }
  });
});
