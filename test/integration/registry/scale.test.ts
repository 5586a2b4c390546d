import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import { GitHubClient } from '../../../src/core/github/client';
import { listContainerVersions } from '../../../src/core/github/packages';
import { operationOf, runOperation } from '../../../src/core/operation';
import {
  contentCache,
  DiskCache,
  listTagDigests,
  openImageTags,
  RegistryClient,
  registryTrust,
  type PackageVersionsSource,
} from '../../../src/core/registry';
import { GitHubFake } from '../../helpers/github-fake';
import {
  pushImage,
  pushIndex,
  startProxy,
  tagManifest,
  useRegistry,
  type PushedManifest,
  type TestRegistry,
} from '../../helpers/registry';
import { assertTagPages } from '../../helpers/tag-pages';
import { rejectsWith } from './util';

const REPO = 'acme/app';

/** 30 tags on 3 manifests (an index with attestations, two single images), as many tags per digest as CI makes. */
async function populate(reg: TestRegistry): Promise<Map<string, string>> {
  const amd = await pushImage(reg, REPO, { platform: 'linux/amd64', labels: { v: '1' } });
  const arm = await pushImage(reg, REPO, { platform: 'linux/arm64', labels: { v: '1' } });
  const index = await pushIndex(reg, REPO, [amd, arm], { tag: 'v1.0.0', attestations: true });
  const single = await pushImage(reg, REPO, { platform: 'linux/amd64', labels: { v: '2' }, tag: 'v2.0.0' });
  const expected = new Map<string, string>([
    ['v1.0.0', index.digest],
    ['v2.0.0', single.digest],
  ]);
  const targets: PushedManifest[] = [index, single, amd];
  for (let i = 0; i < 28; i++) {
    const t = targets[i % 3];
    await tagManifest(reg, REPO, `ci-${String(i).padStart(3, '0')}`, t);
    expected.set(`ci-${String(i).padStart(3, '0')}`, t.digest);
  }
  return expected;
}

const asMap = (tags: Array<{ tag: string; digest: string }>) => new Map(tags.map((t) => [t.tag, t.digest]));

describe('registry at scale: HTTP/2 against a real TLS registry (distribution 2.8)', function () {
  const reg = useRegistry('none', { tls: true });
  let expected: Map<string, string>;
  const client = (o: { http2?: boolean; ca?: string } = {}) =>
    new RegistryClient({
      credentials: async () => undefined,
      retryBaseMs: 50,
      timeoutMs: 10_000,
      http2: o.http2,
      trust: registryTrust({ [reg().host]: o.ca ?? reg().ca! }),
    });

  before(async function () {
    this.timeout(120_000);
    expected = await populate(reg());
  });

  it('speaks HTTP/2 (ALPN h2) when the registry offers it, and gets every tag with its digest', async () => {
    const c = client();
    const tags = await c.tagDigests(`${reg().host}/${REPO}`);
    assert.equal(c.protocolOf(reg().host), 'h2');
    assert.deepEqual(asMap(tags), expected);
    c.close();
  });

  it('reads manifests, children, configs and layers over HTTP/2 exactly as over HTTP/1.1 (same digests, platforms, labels)', async () => {
    const h2 = client();
    const h1 = client({ http2: false });
    for (const tag of ['v1.0.0', 'v2.0.0']) {
      contentCache.clear();
      const a = await h2.inspect(`${reg().host}/${REPO}:${tag}`);
      contentCache.clear();
      const b = await h1.inspect(`${reg().host}/${REPO}:${tag}`);
      assert.deepEqual(a, b);
    }
    assert.equal(h2.protocolOf(reg().host), 'h2');
    assert.equal(h1.protocolOf(reg().host), undefined, 'HTTP/2 off: the pool never negotiated');
    // A layer streamed and verified against its digest over HTTP/2.
    const m = await h2.manifestForPlatform(`${reg().host}/${REPO}:v1.0.0`, 'linux/arm64');
    const layer = (m.json as { layers: Array<{ digest: string; size: number }> }).layers[0];
    const blob = await h2.openBlob(`${reg().host}/${REPO}`, layer.digest);
    let n = 0;
    for await (const chunk of blob.stream) n += (chunk as Buffer).length;
    assert.equal(n, layer.size);
    h2.close();
    h1.close();
  });

  it('keeps at most `streams` requests in flight on its one connection', async () => {
    const c = new RegistryClient({
      credentials: async () => undefined,
      streams: 4,
      trust: registryTrust({ [reg().host]: reg().ca! }),
    });
    const tags = await c.tagDigests(`${reg().host}/${REPO}`);
    assert.equal(tags.length, expected.size);
    c.close();
  });

  it('refuses a certificate signed by another CA, naming registry.certificates', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-ca-'));
    try {
      // A CA of its own, not the registry's: the handshake must fail, and never fall back to plain HTTP.
      const other = await startOther();
      writeFileSync(path.join(dir, 'other.pem'), readFileSync(other.ca!, 'utf8'));
      await other.stop();
      const c = client({ ca: path.join(dir, 'other.pem') });
      await rejectsWith(c.tagDigests(`${reg().host}/${REPO}`), 'environment', /TLS certificate .*not trust/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function startOther(): Promise<TestRegistry> {
  const { startRegistry } = await import('../../helpers/registry');
  return startRegistry({ tls: true });
}

describe('registry at scale: tag digests streamed while the pages arrive, and the view opened over them (HTTP/1.1 paging proxy)', function () {
  const reg = useRegistry('none');
  let expected: Map<string, string>;
  before(async function () {
    this.timeout(120_000);
    expected = await populate(reg());
  });

  it('gives the same tag -> digest as listing first and asking after, in the listing order, within the request limit', async () => {
    const proxy = await startProxy(reg(), { pageSize: 7 });
    try {
      const c = new RegistryClient({ credentials: async () => undefined });
      const repo = `${proxy.host}/${REPO}`;
      const listed = await c.listTags(repo);
      const fresh = new RegistryClient({ credentials: async () => undefined });
      const { tags, requests } = await runOperation(async (signal) => ({
        tags: await fresh.tagDigests(repo, { signal }),
        requests: operationOf(signal)!.requests,
      }));
      assert.deepEqual(
        tags.map((t) => t.tag),
        listed,
      );
      assert.deepEqual(asMap(tags), expected);
      // The pages (5 of 7 one after another; a few more over ranges) + one HEAD per tag: nothing more. No ping: the
      // first page is the first request, and this registry wants no token.
      assertTagPages(requests - expected.size, Math.ceil(expected.size / 7));
      await rejectsWith(
        new RegistryClient({ credentials: async () => undefined, limits: { requestsPerOperation: 10 } }).tagDigests(
          repo,
        ),
        'environment',
        /requestsPerOperation/,
      );
    } finally {
      await proxy.stop();
    }
  });

  // The Release view's open over the same registry: it inspects its first tags while the other HEADs run.
  it('the newest tags are asked about and inspected before the last HEAD; the view shows what a later inspect shows', async () => {
    // Pages of 7 as a paging registry gives them; two requests at once, so most HEADs are still to come when the
    // last page is in. The newest tags (v2.0.0, v1.0.0) are the listing's last.
    const proxy = await startProxy(reg(), { pageSize: 7 });
    try {
      contentCache.clear();
      const c = new RegistryClient({ credentials: async () => undefined, concurrency: 2 });
      const repo = `${proxy.host}/${REPO}`;
      const open = await openImageTags(c, repo, defaultConfig(), { first: 2 });
      assert.deepEqual(
        open.shown.map((s) => [s.tag, s.digest]),
        [
          ['v2.0.0', expected.get('v2.0.0')],
          ['v1.0.0', expected.get('v1.0.0')],
        ],
      );
      assert.equal(open.ordered.length, expected.size);
      // What the open asked (the inspects below, the test's own, come after).
      const asked = proxy.requests.map((r) => `${r.method} ${r.path}`);
      for (const s of open.shown) {
        if (s.info instanceof Error) assert.fail(s.info.message);
        contentCache.clear();
        assert.deepEqual(s.info, {
          ...(await c.inspect(`${repo}@${s.digest}`)),
          reference: `${repo}:${s.tag}`,
          tag: s.tag,
        });
      }
      const heads = asked.flatMap((r, i) => (r.startsWith('HEAD ') ? [i] : []));
      const firstGet = asked.findIndex((r) => /^GET \/v2\/acme\/app\/manifests\/sha256:/.test(r));
      assert.ok(firstGet >= 0 && firstGet < heads.at(-1)!, `an inspect before the last HEAD: ${asked.join(', ')}`);
      // The newest are fetched whole by tag (their digest and manifest in one request), ahead of the other HEADs,
      // and never asked for again, by tag or by digest.
      const newest = ['v2.0.0', 'v1.0.0'].map((t) => asked.indexOf(`GET /v2/acme/app/manifests/${t}`));
      assert.ok(
        newest.every((i) => i >= 0 && i < heads[heads.length - 10]),
        `the newest asked about before the last ten: ${asked.join(', ')}`,
      );
      for (const t of ['v2.0.0', 'v1.0.0']) {
        assert.ok(!asked.includes(`HEAD /v2/acme/app/manifests/${t}`), `HEAD of ${t}: ${asked.join(', ')}`);
        const byDigest = `GET /v2/acme/app/manifests/${expected.get(t)}`;
        assert.equal(asked.filter((r) => r === byDigest).length, 0, `${t} fetched again by digest`);
      }
    } finally {
      await proxy.stop();
    }
  });
});

describe('registry at scale: manifests and configs cached on disk by digest', function () {
  const reg = useRegistry('none');
  let dir: string;
  before(async function () {
    this.timeout(120_000);
    await populate(reg());
  });
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ro-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const files = (d: string) =>
    readdirSync(d, { recursive: true })
      .map(String)
      .filter((f) => /^sha256\/..\/[a-f0-9]{64}$/.test(f));

  it('a second open asks only which digest each tag points at (miss, then hit); a corrupted entry is fetched again', async () => {
    const proxy = await startProxy(reg());
    try {
      const open = async () => {
        contentCache.clear();
        const cache = new DiskCache({ dir });
        const c = new RegistryClient({ credentials: async () => undefined, diskCache: cache });
        const before = proxy.requests.length;
        const info = await c.inspect(
          `${proxy.host}/${REPO}@${(await c.headManifest(`${proxy.host}/${REPO}:v1.0.0`))!.digest}`,
        );
        await cache.flush();
        return { info, cache, asked: proxy.requests.slice(before).map((r) => `${r.method} ${r.path}`) };
      };
      const cold = await open();
      assert.equal(cold.cache.stats.hits, 0);
      assert.ok(cold.asked.some((r) => /^GET \/v2\/acme\/app\/manifests\/sha256:/.test(r)));
      assert.ok(
        cold.asked.some((r) => /^GET \/v2\/acme\/app\/blobs\/sha256:/.test(r)),
        'configs fetched cold',
      );
      const stored = files(dir);
      assert.ok(stored.length >= 5, `index, 2 children, 2 configs on disk: ${stored.join(', ')}`);

      const warm = await open();
      assert.deepEqual(warm.info, cold.info);
      // A new client asks without a ping first (this registry wants no token): the tag alone.
      assert.deepEqual(warm.asked, ['HEAD /v2/acme/app/manifests/v1.0.0'], 'only the tag was asked');
      assert.ok(warm.cache.stats.hits >= 5);

      // Flip one byte of the index on disk: never trusted, deleted and fetched again, the answer unchanged.
      const indexFile = path.join(dir, 'sha256', cold.info.digest.slice(7, 9), cold.info.digest.slice(7));
      const bytes = readFileSync(indexFile);
      bytes[bytes.length - 2] ^= 1;
      writeFileSync(indexFile, bytes);
      const again = await open();
      assert.deepEqual(again.info, cold.info);
      assert.equal(again.cache.stats.corrupt, 1);
      assert.ok(again.asked.includes(`GET /v2/acme/app/manifests/${cold.info.digest}`), 'the index fetched again');
      const rewritten = new DiskCache({ dir });
      assert.ok(await rewritten.get(cold.info.digest), 'rewritten whole after the fetch');
      assert.equal(rewritten.stats.corrupt, 0);
      assert.deepEqual(
        files(dir).filter((f) => f.endsWith('.tmp')),
        [],
        'no temporary file left',
      );
    } finally {
      await proxy.stop();
    }
  });
});

describe('registry at scale: tag digests from the GitHub Packages API (GitHub stand-in)', function () {
  const reg = useRegistry('none');
  let expected: Map<string, string>;
  let fake: GitHubFake;
  before(async function () {
    this.timeout(120_000);
    expected = await populate(reg());
    fake = await GitHubFake.start();
  });
  after(() => fake?.close());
  afterEach(() => fake.assertNoViolations());

  /** Versions as GitHub lists them: one per digest, newest first, its tags; `perPage` a page with Link headers. */
  function servePackages(route: string, opts: { perPage?: number; owner?: 'org' | 'user' } = {}) {
    const byDigest = new Map<string, string[]>();
    for (const [tag, digest] of expected) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
    const example = fake.example<any[]>('GET', route)[0];
    const versions = [...byDigest].map(([digest, tags], i) => ({
      ...example,
      id: 1000 + i,
      name: digest,
      metadata: { package_type: 'container', container: { tags } },
    }));
    fake.route('GET', route, (req) => {
      const per = Math.min(Number(req.query.get('per_page') ?? 30), opts.perPage ?? 100);
      const page = Number(req.query.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(versions.length / per));
      const at = (p: number) => `<${fake.url}/versions?per_page=${per}&page=${p}>`;
      const links = [
        ...(page < last ? [`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`] : []),
        ...(page > 1 ? [`${at(1)}; rel="first"`, `${at(page - 1)}; rel="prev"`] : []),
      ];
      return {
        body: versions.slice((page - 1) * per, page * per),
        headers: links.length ? { link: links.join(', ') } : undefined,
      };
    });
  }

  const packagesVia =
    (gh: GitHubClient): PackageVersionsSource =>
    (owner, name, signal) =>
      listContainerVersions(gh, owner, name, { signal });

  it('an organization package, paged (Link rel="last"), gives the same tag -> digest as the registry path', async () => {
    servePackages('/orgs/{org}/packages/{package_type}/{package_name}/versions', { perPage: 1 });
    const gh = await GitHubClient.create({ apiUrl: fake.url, token: async () => fake.token });
    const c = new RegistryClient({ credentials: async () => undefined });
    const plain = await listTagDigests(c, `${reg().host}/${REPO}`, { containerRegistry: '' });
    const before = fake.requests.length;
    const viaApi = await listTagDigests(c, `${reg().host}/${REPO}`, {
      containerRegistry: reg().host,
      packages: packagesVia(gh),
    });
    assert.equal(plain.source, 'registry');
    assert.equal(viaApi.source, 'github-packages');
    assert.deepEqual(asMap(viaApi.tags), asMap(plain.tags));
    assert.deepEqual(asMap(viaApi.tags), expected);
    assert.match(viaApi.basis.value, /GitHub Packages API/);
    assert.match(viaApi.basis.detail, /3 versions of package acme\/app in 3 pages/);
    const pages = fake.requests.slice(before).map((r) => new URLSearchParams(r.path.split('?')[1]).get('page'));
    assert.equal(pages[0], '1', 'the first page first: it says how many there are');
    assert.deepEqual([...pages].sort(), ['1', '2', '3']);
  });

  it("a user's own package (org route 404, GET /user says the token is the owner's) is read through /user/packages", async () => {
    fake.route('GET', '/orgs/{org}/packages/{package_type}/{package_name}/versions', () => ({
      status: 404,
      body: { message: 'Not Found' },
    }));
    fake.route('GET', '/user', () => ({
      body: { ...fake.example<Record<string, unknown>>('GET', '/user'), login: 'acme' },
    }));
    servePackages('/user/packages/{package_type}/{package_name}/versions');
    const gh = await GitHubClient.create({ apiUrl: fake.url, token: async () => fake.token });
    const c = new RegistryClient({ credentials: async () => undefined });
    const r = await listTagDigests(c, `${reg().host}/${REPO}`, {
      containerRegistry: reg().host,
      packages: packagesVia(gh),
    });
    assert.equal(r.source, 'github-packages');
    assert.deepEqual(asMap(r.tags), expected);
    assert.equal(fake.calls('GET', '/user/packages/{package_type}/{package_name}/versions'), 1);
  });

  it('a token that may not read packages: the registry is asked, and the basis says why', async () => {
    fake.route('GET', '/orgs/{org}/packages/{package_type}/{package_name}/versions', () => ({
      status: 403,
      body: { message: 'Resource not accessible by personal access token' },
    }));
    const gh = await GitHubClient.create({ apiUrl: fake.url, token: async () => fake.token });
    const c = new RegistryClient({ credentials: async () => undefined });
    const r = await listTagDigests(c, `${reg().host}/${REPO}`, {
      containerRegistry: reg().host,
      packages: packagesVia(gh),
    });
    assert.equal(r.source, 'registry');
    assert.deepEqual(asMap(r.tags), expected);
    assert.match(r.basis.detail, /GitHub Packages could not be read/);
  });
});
