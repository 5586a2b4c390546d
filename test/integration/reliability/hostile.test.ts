import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import http from 'node:http';
import { runCli } from '../../../src/cli/main';
import { ElfFormatError, parseElf } from '../../../src/core/elf';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { applyLayer, ImageFs } from '../../../src/core/image';
import { RegistryClient } from '../../../src/core/registry';
import { contentCache } from '../../../src/core/registry/cache';
import { recordFigure } from '../../helpers/figures';
import { ARTIFACTS } from '../../helpers/paths';
import {
  freePort,
  pushImage,
  startProxy,
  useRegistry,
  type TestProxy,
  type TestRegistry,
} from '../../helpers/registry';

/** A fetch that resolves made-up public names to loopback ports, so a real local registry can play a public one. */
function mappedFetch(map: Record<string, string>): typeof fetch {
  return (input, init) => {
    const u = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const to = map[u.host];
    if (to) u.host = to;
    return fetch(u, init);
  };
}

/** A server on another host (127.0.0.2 is loopback too, but a different origin) that records what reached it. */
async function recorder(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ origin: string; seen: Array<{ url: string; authorization?: string }>; close(): Promise<void> }> {
  const seen: Array<{ url: string; authorization?: string }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    answer(req, res);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.2', r));
  return { origin: `http://127.0.0.2:${port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const creds = (reg: TestRegistry) => async () => ({ ...reg.credentials!, source: 'test' });

describe('reliability: hostile registries and content', function () {
  this.timeout(120_000);
  const reg = useRegistry('token');
  const repo = 'acme/hostile';
  const closers: Array<() => Promise<void>> = [];
  let refused = 0;
  after(async () => {
    await Promise.all(closers.map((c) => c()));
    recordFigure('hostile', 'registry and content', { refused });
  });
  beforeEach(() => contentCache.clear());
  const proxy = async (o: Parameters<typeof startProxy>[1]): Promise<TestProxy> => {
    const p = await startProxy(reg(), o);
    closers.push(() => p.stop());
    return p;
  };

  it('a manifest redirected to another host: the Bearer token stays at the registry', async () => {
    const img = await pushImage(reg(), repo, { tag: 'v1', labels: { a: 'b' } });
    const other = await recorder((_req, res) =>
      res.writeHead(200, { 'content-type': img.mediaType, 'docker-content-digest': img.digest }).end(img.bytes),
    );
    closers.push(other.close);
    const p = await proxy({
      faults: [
        {
          // The redirect answers the request made with the token (the first, asked without, is challenged).
          method: 'GET',
          path: /\/manifests\/v1$/,
          authorized: true,
          respond: { status: 307, headers: { location: `${other.origin}/elsewhere/manifest?sig=x` } },
        },
      ],
    });
    const m = await new RegistryClient({ credentials: creds(reg()), retries: 0 }).getManifest(`${p.host}/${repo}:v1`);
    assert.equal(m.digest, img.digest);
    assert.ok(
      p.requests.some((r) => r.path.endsWith('/manifests/v1') && r.authorization),
      'the registry got the token',
    );
    assert.deepEqual(
      other.seen,
      [{ url: '/elsewhere/manifest?sig=x', authorization: undefined }],
      'the other host must not',
    );
    refused++;
  });

  describe('token realm policy', () => {
    // registry.example.test plays a public registry: the real token registry behind a proxy that rewrites the realm.
    async function publicRegistryWithRealm(
      realm: string,
      extraMap: Record<string, string> = {},
      insecure: string[] = [],
    ) {
      // Every request asked without a token is challenged with the realm (the ping, or the first request in its place).
      const p = await proxy({
        faults: [
          {
            path: /^\/v2\//,
            authorized: false,
            times: 99,
            respond: {
              status: 401,
              headers: { 'www-authenticate': `Bearer realm="${realm}",service="release-operator-test"` },
            },
          },
        ],
      });
      return new RegistryClient({
        credentials: creds(reg()),
        insecureRegistries: ['registry.example.test', ...insecure],
        fetch: mappedFetch({ 'registry.example.test': p.host, ...extraMap }),
        retries: 0,
      });
    }

    for (const [where, realm] of [
      ['loopback', 'http://127.0.0.2:9/token'],
      ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data'],
      ['RFC 1918', 'https://10.0.0.1/token'],
    ]) {
      it(`a public registry naming a ${where} token service gets no credentials`, async () => {
        const c = await publicRegistryWithRealm(realm);
        await assert.rejects(c.getManifest(`registry.example.test/${repo}:v1`), (e: Error) => {
          assert.ok(e instanceof ReleaseOperatorError && e.kind === 'environment', String(e));
          assert.match(e.message, /private address .*refusing to send credentials/);
          return true;
        });
        refused++;
      });
    }

    it('a token service over plain HTTP on a public host is refused; listed as insecure, the flow works', async () => {
      const challenge = (await fetch(`${reg().url}/v2/`)).headers.get('www-authenticate') ?? '';
      const tokenHost = /realm="http:\/\/([^/]+)\//.exec(challenge)![1];
      const refusedClient = await publicRegistryWithRealm('http://auth.example.test/token', {
        'auth.example.test': tokenHost,
      });
      await assert.rejects(
        refusedClient.getManifest(`registry.example.test/${repo}:v1`),
        /over plain HTTP .*clear text/,
      );
      refused++;
      const allowed = await publicRegistryWithRealm(
        'http://auth.example.test/token',
        { 'auth.example.test': tokenHost },
        ['auth.example.test'],
      );
      const m = await allowed.getManifest(`registry.example.test/${repo}:v1`);
      assert.match(m.digest, /^sha256:/);
    });
  });

  it('a Link header to another origin (other port, protocol-relative) is not followed', async () => {
    for (let i = 0; i < 12; i++) await pushImage(reg(), repo, { tag: `p${i}` });
    for (const foreign of [`http://127.0.0.1:${await freePort()}`, '//evil.example.test']) {
      const p = await proxy({ pageSize: 5, foreignNextLink: foreign });
      await assert.rejects(
        new RegistryClient({ credentials: creds(reg()), retries: 0 }).listTags(`${p.host}/${repo}`),
        /another host .*refusing to follow/,
      );
      // The first page only (asked without a token, then with it): the next page was never asked for.
      assert.equal(p.requests.filter((r) => r.path.includes('/tags/list') && r.authorization).length, 1);
      assert.ok(p.requests.every((r) => !r.path.includes('last=')));
      refused++;
    }
  });

  it('a huge manifest is refused at the size limit, before it is read whole', async () => {
    await pushImage(reg(), repo, { tag: 'big' });
    const huge = Buffer.alloc(64 * 1024 * 1024, 0x20);
    const p = await proxy({
      faults: [{ method: 'GET', path: /\/manifests\/big$/, times: 99, rewriteBody: () => huge }],
    });
    const before = process.memoryUsage().rss;
    await assert.rejects(
      new RegistryClient({ credentials: creds(reg()), retries: 0 }).inspect(`${p.host}/${repo}:big`),
      (e: Error) => {
        assert.ok(e instanceof ReleaseOperatorError && e.kind === 'environment', String(e));
        assert.match(e.message, /sent more than 4194304 bytes .*refusing to read it/);
        return true;
      },
    );
    refused++;
    recordFigure('hostile', 'huge manifest', {
      bytes: huge.length,
      rssGrowthMiB: Math.round((process.memoryUsage().rss - before) / 2 ** 20),
    });
  });

  it('a huge image config or tag page is refused at its size limit too', async () => {
    const img = await pushImage(reg(), repo, { tag: 'bigconfig', labels: { a: 'b' } });
    const huge = Buffer.alloc(64 * 1024 * 1024, 0x20);
    const p = await proxy({
      faults: [
        { method: 'GET', path: new RegExp(`/blobs/${img.configDigest!}$`), times: 99, rewriteBody: () => huge },
        { method: 'GET', path: /\/tags\/list/, times: 99, rewriteBody: () => huge },
      ],
    });
    const client = new RegistryClient({ credentials: creds(reg()), retries: 0 });
    for (const call of [
      () => client.inspect(`${p.host}/${repo}:bigconfig`),
      () => client.listTags(`${p.host}/${repo}`),
    ]) {
      await assert.rejects(call(), (e: Error) => {
        assert.ok(e instanceof ReleaseOperatorError && e.kind === 'environment', String(e));
        assert.match(e.message, /sent more than 16777216 bytes .*refusing to read it/);
        return true;
      });
      refused++;
    }
  });

  it('image layers with .., absolute paths and links that escape the root stay inside the image (glibc CLI end to end)', async () => {
    const marker = `ro-escape-${randomUUID()}`;
    const elf = readFileSync('/bin/true');
    const files: Record<string, string | Buffer> = {
      [`../../../../../../tmp/${marker}`]: 'written outside?',
      [`/tmp/${marker}-abs`]: 'absolute',
      'usr/local/bin/../../../../../../../../etc/shadow-copy': 'dotdot',
      'usr/local/bin/app': elf,
    };
    const img = await pushImage(reg(), repo, { tag: 'escape', files });
    assert.ok(img.digest);
    const dockerConfig = mkdtempSync(path.join(ARTIFACTS, 'hostile-docker-'));
    closers.push(async () => rmSync(dockerConfig, { recursive: true, force: true }));
    const { username, password } = reg().credentials!;
    writeFileSync(
      path.join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [reg().host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }),
    );
    let stdout = '';
    let stderr = '';
    // glibc builds its registry client from process.env (not the CLI's io.env), so set it for this call.
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dockerConfig;
    const code = await runCli(
      ['glibc', `${reg().host}/${repo}:escape`, '--json', '--policy', 'bookworm'],
      {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        env: { ...process.env, DOCKER_CONFIG: dockerConfig, GITHUB_TOKEN: '' },
      },
      new AbortController().signal,
    ).finally(() => (saved === undefined ? delete process.env.DOCKER_CONFIG : (process.env.DOCKER_CONFIG = saved)));
    // A check verdict (exit 1: the lone binary has no loader in the image), not a crash and not an escape.
    assert.equal(code, 1, `exit ${code}\n${stdout}\n${stderr}`);
    assert.match(stdout, /\/usr\/local\/bin\/app needs the loader/);
    assert.ok(!stdout.includes('..'), 'a path with .. reached the report');
    assert.ok(
      !existsSync(`/tmp/${marker}`) && !existsSync(`/tmp/${marker}-abs`),
      'a layer entry was written outside the image',
    );
    refused++;
  });

  it('symlinks and hard links that point out of the root resolve inside the image', async () => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => void chunks.push(c as Buffer));
    const done = new Promise<void>((r) => p.on('end', () => r()));
    p.entry({ name: 'etc/passwd', mode: 0o644 }, 'root:x:0:0:image:/:/bin/sh\n');
    p.entry({ name: 'escape', type: 'symlink', linkname: '../../../../../../etc' });
    p.entry({ name: 'abs', type: 'symlink', linkname: '/../../etc/passwd' });
    p.entry({ name: 'hard', type: 'link', linkname: '../../../etc/passwd' });
    p.entry({ name: '../../outside', mode: 0o644 }, 'x');
    p.finalize();
    await done;
    const fs = new ImageFs();
    await applyLayer(fs, Readable.from([Buffer.concat(chunks)]), 0, 'hostile layer');
    assert.deepEqual([...fs.entries.keys()].sort(), ['/', '/abs', '/escape', '/etc/passwd', '/hard', '/outside']);
    assert.equal(fs.resolve('/escape/passwd')?.path, '/etc/passwd', "the link resolves to the image's own file");
    assert.equal(fs.resolve('/abs')?.path, '/etc/passwd');
    assert.equal(fs.lstat('/hard')?.type, 'file', "the hard link is to the image's own /etc/passwd");
    refused++;
  });

  it('ELF files with huge tables are refused by the size limits, naming the file', () => {
    const base = readFileSync('/bin/true');
    const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
      ['e_phnum 65000', (b) => b.writeUInt16LE(65000, 56), /e_phnum 65000 is implausibly large/],
      [
        'program headers past the end',
        (b) => b.writeBigUInt64LE(BigInt(b.length - 8), 32),
        /outside the file|truncated/,
      ],
      ['e_phoff beyond 2^53', (b) => b.writeBigUInt64LE(0xffffffffffffff00n, 32), /too large|outside the file/],
    ];
    for (const [name, edit, message] of cases) {
      const b = Buffer.from(base);
      edit(b);
      assert.throws(
        () => parseElf(b, `huge/${name}`),
        (e: Error) => e instanceof ElfFormatError && e.message.startsWith(`huge/${name}: `) && message.test(e.message),
      );
      refused++;
    }
  });
});
