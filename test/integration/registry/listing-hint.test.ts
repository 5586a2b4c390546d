import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskCache, RegistryClient, registryTrust, type TagDigest } from '../../../src/core/registry';
import { contentCache } from '../../../src/core/registry/cache';
import { encodeHint, hintName } from '../../../src/core/registry/listing-hint';
import {
  deleteManifestDirect,
  type FaultRule,
  pushBlob,
  putManifest,
  startProxy,
  useRegistry,
  type TestProxy,
  type TestRegistry,
} from '../../helpers/registry';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A tag of its own manifest (its annotation differs), over one config and layer. */
async function tagOwn(reg: TestRegistry, repo: string, tag: string, variant = ''): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } }));
  const layer = Buffer.from('hint layer');
  const [c, l] = [await pushBlob(reg, repo, config), await pushBlob(reg, repo, layer)];
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: c, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l, size: layer.length }],
      annotations: { tag: `${tag}${variant}` },
    }),
  );
  return putManifest(reg, repo, tag, bytes, OCI_MANIFEST);
}

/**
 * A proxy with tag pages of 10, each held `pageDelayMs` (long enough that a HEAD sent with the first page arrives
 * before its answer, however busy the machine), every request's arrival time kept; over TLS with HTTP/2 offered
 * (`tls`), as ghcr.io serves.
 */
async function pagedProxy(
  reg: TestRegistry,
  pageDelayMs: number,
  o: { tls?: boolean; answer?: (method: string, path: string) => FaultRule['respond'] } = {},
) {
  const arrivals: Array<{ method: string; path: string; at: number; authorization: boolean }> = [];
  const proxy = await startProxy(reg, {
    pageSize: 10,
    tls: o.tls,
    faults: [{ path: /\/tags\/list/, delayMs: pageDelayMs, times: 1000 }],
    intercept: ({ method, path: p }) => {
      arrivals.push({ method, path: p, at: performance.now(), authorization: false });
      return o.answer?.(method, p);
    },
  });
  return { proxy, arrivals };
}

const byTag = (ts: TagDigest[]) => [...ts].sort((a, b) => (a.tag < b.tag ? -1 : 1));

describe("registry: a listing asks about the tags the last one held before the pages name them (the disk cache's hint)", function () {
  this.timeout(120_000);
  const reg = useRegistry('none');
  let dir: string;
  const proxies: TestProxy[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ro-hint-'));
    contentCache.clear();
  });
  const disks: DiskCache[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
    // The last listing's hint is written after its answer: done before the folder goes.
    await Promise.all(disks.splice(0).map((d) => d.flush()));
    rmSync(dir, { recursive: true, force: true });
  });
  /** A client as a new process makes it: nothing in memory, the disk cache in `dir` (trusting a TLS proxy's CA). */
  const fresh = (cacheDir = dir, proxy?: TestProxy) => {
    const disk = new DiskCache({ dir: cacheDir });
    disks.push(disk);
    const trust = proxy?.ca ? registryTrust({ [proxy.host]: proxy.ca }) : undefined;
    return { disk, client: new RegistryClient({ credentials: async () => undefined, diskCache: disk, trust }) };
  };

  for (const tls of [false, true])
    it(`a second listing sends its HEADs with the first page, not after it; the answer is the same (${tls ? 'HTTPS, HTTP/2' : 'HTTP/1.1'})`, async () => {
      const repo = tls ? 'hint/app-tls' : 'hint/app';
      for (let i = 0; i < 25; i++) await tagOwn(reg(), repo, `1.0.${i}`);
      const { proxy, arrivals } = await pagedProxy(reg(), 400, { tls });
      proxies.push(proxy);
      const image = `${proxy.host}/${repo}`;
      const headsBeforeFirstPageAnswer = () => {
        const page = arrivals.find((a) => a.path.includes('/tags/list'))!;
        return arrivals.filter((a) => a.method === 'HEAD' && a.at < page.at + 400).length;
      };

      const first = fresh(dir, proxy);
      const cold = await first.client.tagDigests(image);
      await first.disk.flush();
      assert.equal(cold.length, 25);
      assert.equal(headsBeforeFirstPageAnswer(), 0, 'no hint: no tag is known before the first page');

      arrivals.length = 0;
      contentCache.clear();
      const second = fresh(dir, proxy);
      const warm = await second.client.tagDigests(image);
      assert.deepEqual(warm, cold, 'the same tags, digests and order, each once');
      assert.equal(headsBeforeFirstPageAnswer(), 25, 'every tag asked about while the first page was on its way');
      assert.equal(arrivals.filter((a) => a.method === 'HEAD').length, 25, 'each tag asked once');
      if (tls) assert.equal(second.client.protocolOf(proxy.host), 'h2');
    });

  it('a tag deleted, moved or added since: the listing says what a listing without the hint says', async () => {
    const repo = 'hint/changes';
    const digests: Record<string, string> = {};
    for (const t of ['a0', 'a1', 'a2', 'a3', 'a4', 'a5']) digests[t] = await tagOwn(reg(), repo, t);
    // In the second listing the first HEAD of a1 is answered "no such tag" (as a registry that now wants
    // credentials may answer one sent without): a guess's miss is no answer, so a1, which the pages name, is asked
    // again.
    let missA1 = false;
    const { proxy, arrivals } = await pagedProxy(reg(), 400, {
      answer: (method, p) => {
        if (!missA1 || method !== 'HEAD' || !p.endsWith('/manifests/a1')) return undefined;
        missA1 = false;
        return { status: 404 };
      },
    });
    proxies.push(proxy);
    const image = `${proxy.host}/${repo}`;
    const first = fresh();
    await first.client.tagDigests(image);
    await first.disk.flush();

    assert.equal(await deleteManifestDirect(reg(), repo, digests.a3), 202);
    const moved = await tagOwn(reg(), repo, 'a5', ' moved');
    await tagOwn(reg(), repo, 'b0');
    arrivals.length = 0;
    contentCache.clear();
    missA1 = true;
    const hinted = await fresh().client.tagDigests(image);
    assert.equal(
      arrivals.filter((a) => a.method === 'HEAD' && a.path.endsWith('/manifests/a1')).length,
      2,
      'a1 guessed, missed, and asked again',
    );
    assert.ok(
      arrivals.some((a) => a.method === 'HEAD' && a.path.endsWith('/manifests/a3')),
      'the deleted tag was guessed (asked about before the pages said it is gone)',
    );
    contentCache.clear();
    const plain = await fresh(mkdtempSync(path.join(dir, 'plain-'))).client.tagDigests(image);
    assert.deepEqual(byTag(hinted), byTag(plain));
    assert.deepEqual(hinted.map((t) => t.tag).sort(), ['a0', 'a1', 'a2', 'a4', 'a5', 'b0'], 'a3 is gone, b0 is new');
    assert.equal(hinted.find((t) => t.tag === 'a5')?.digest, moved, 'a5 where it points now');
  });

  it('a hint of no use is no harm: unreadable, or from another repository', async () => {
    const repo = 'hint/odd';
    for (const t of ['x1', 'x2']) await tagOwn(reg(), repo, t);
    const { proxy, arrivals } = await pagedProxy(reg(), 400);
    proxies.push(proxy);
    const image = `${proxy.host}/${repo}`;
    const { disk, client } = fresh();
    disk.putNote(hintName(proxy.host, repo), Buffer.from('{"v":1,"open":true,"tags":"x1'));
    await disk.flush();
    const got = await client.tagDigests(image);
    assert.deepEqual(got.map((t) => t.tag).sort(), ['x1', 'x2']);
    // (Its own hint written first, so the one below replaces it.)
    await disk.flush();
    // Tags of another repository in the hint: asked about, answered "no such tag", and left out.
    disk.putNote(hintName(proxy.host, repo), encodeHint({ open: true, tags: ['nope-1', 'nope-2', 'x2'] }));
    await disk.flush();
    arrivals.length = 0;
    contentCache.clear();
    const again = await fresh().client.tagDigests(image);
    assert.deepEqual(byTag(again), byTag(got));
    assert.equal(arrivals.filter((a) => a.method === 'HEAD' && /nope-/.test(a.path)).length, 2);
  });
});

describe('registry: a hint that says the registry needed no credentials, for one that wants a token', function () {
  this.timeout(120_000);
  const reg = useRegistry('token');
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ro-hint-token-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the listing is whole; the HEADs sent without a token are few, and the next hint says a token is needed', async () => {
    const repo = 'hint/private';
    for (let i = 0; i < 40; i++) await tagOwn(reg(), repo, `2.0.${i}`);
    // The first page's answer (the registry's first: it asks for a token) comes late, so HEADs go before it.
    const proxy = await startProxy(reg(), {
      pageSize: 10,
      faults: [{ path: /\/tags\/list/, delayMs: 300, times: 1000 }],
    });
    try {
      const image = `${proxy.host}/${repo}`;
      const creds = reg().credentials!;
      const client = () => {
        const disk = new DiskCache({ dir });
        return {
          disk,
          client: new RegistryClient({ credentials: async () => ({ ...creds, source: 'test' }), diskCache: disk }),
        };
      };
      const tags = Array.from({ length: 40 }, (_, i) => `2.0.${i}`);
      const disk = new DiskCache({ dir });
      disk.putNote(hintName(proxy.host, repo), encodeHint({ open: true, tags }));
      await disk.flush();

      contentCache.clear();
      const tokensBefore = reg().tokenRequests.length;
      const c = client();
      const got = await c.client.tagDigests(image);
      assert.deepEqual(got.map((t) => t.tag).sort(), [...tags].sort());
      const unauthenticatedHeads = () => proxy.requests.filter((r) => r.method === 'HEAD' && !r.authorization).length;
      // Those under way when the first of them was refused went without a token; every later one carries it from
      // the start, and the refused ones share one fetch of it (with the first page's): not one each.
      assert.ok(unauthenticatedHeads() > 0, 'the hint was used');
      const tokens = reg().tokenRequests.length - tokensBefore;
      assert.ok(tokens <= 2, `${tokens} token requests for ${unauthenticatedHeads()} refused HEADs`);
      await c.disk.flush();

      proxy.requests.length = 0;
      contentCache.clear();
      const third = client();
      const again = await third.client.tagDigests(image);
      await third.disk.flush();
      assert.deepEqual(byTag(again), byTag(got));
      assert.equal(unauthenticatedHeads(), 0, 'the new hint says a token is needed: none goes without');
    } finally {
      await proxy.stop();
    }
  });
});
