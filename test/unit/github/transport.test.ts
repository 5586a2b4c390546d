import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CancelledError } from '../../../src/core/errors';
import { GitHubClient } from '../../../src/core/github';
import { MAX_REDIRECTS, nodeFetch } from '../../../src/core/github/node-fetch';
import { AssetHost } from '../../helpers/asset-host';
import { GitHubFake } from '../../helpers/github-fake';
import { REPO_ROOT } from '../../helpers/paths';

/**
 * The transport under Octokit (src/core/github/node-fetch.ts, answers read whole by bounded-fetch.ts): node:http(s)
 * rather than Node's fetch, so a fresh process's first GitHub request does not load undici; and everything fetch
 * did for it still done: redirects (the token kept to GitHub's origin), compressed answers, the size and time
 * limits, cancel, and a connection failure said with its cause.
 */
const RUN = '/repos/{owner}/{repo}/actions/runs/{run_id}';
const runRoute = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}';
const runParams = (repo = 'app') => ({ owner: 'acme', repo, run_id: 5 });

describe('github: the transport under Octokit (node:http, bounded)', () => {
  let fake: GitHubFake;
  const client = (extra: Partial<Parameters<typeof GitHubClient.create>[0]> = {}) =>
    GitHubClient.create({ apiUrl: fake.url, token: async () => fake.token, sleep: async () => undefined, ...extra });

  beforeEach(async () => (fake = await GitHubFake.start()));
  afterEach(async () => {
    await fake.close();
    fake.assertNoViolations();
  });

  it('a fresh process makes its first GitHub request without loading undici (fetch, Headers, Response)', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-first-request-'));
    try {
      // Bundled as the CLI and the benchmarks bundle the engine (the test's own bundle carries mocha's world).
      const esbuild = createRequire(path.join(REPO_ROOT, 'package.json'))('esbuild') as typeof import('esbuild');
      const out = path.join(dir, 'first-request.js');
      esbuild.buildSync({
        entryPoints: [path.join(REPO_ROOT, 'test', 'helpers', 'github-first-request.ts')],
        outfile: out,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        logLevel: 'warning',
        define: { 'import.meta.url': '__import_meta_url', RELEASE_OPERATOR_VERSION: '"test"' },
        banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
      });
      // Not spawnSync: the API stand-in answers from this process.
      const r = await promisify(execFile)(process.execPath, [out, fake.url, fake.token], {
        env: { PATH: process.env.PATH },
        timeout: 30_000,
      });
      const got = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.equal(typeof got.versions, 'number', r.stdout);
      assert.ok((got.versions as number) > 0, r.stdout);
      assert.equal(got.undiciBefore, false, r.stdout);
      assert.equal(got.undiciAfterCall, false, `the GitHub request loaded undici: ${r.stdout}`);
      // The signal works: a fetch global touched afterwards does load it.
      assert.equal(got.undiciAfterHeaders, true, r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows a redirect on the same origin with the token (a renamed repository)', async () => {
    fake.route('GET', RUN, (req) =>
      req.params.repo === 'old-name'
        ? { status: 301, headers: { location: `${fake.url}/repos/acme/app/actions/runs/5` } }
        : { body: { ...fake.example<object>('GET', RUN), id: 5 } },
    );
    const r = await (await client()).call<{ id: number }>(runRoute, runParams('old-name'), 'read run 5');
    assert.equal(r.data.id, 5);
    // The fake answers 401 to a request without the token: both hops carried it.
    assert.deepEqual(
      fake.requests.map((q) => q.path),
      ['/repos/acme/old-name/actions/runs/5', '/repos/acme/app/actions/runs/5'],
    );
  });

  it('follows a redirect to another origin without the token', async () => {
    const storage = await AssetHost.start();
    try {
      const signed = storage.put('run-5', Buffer.from('bytes elsewhere'));
      fake.route('GET', RUN, () => ({ status: 307, headers: { location: signed } }));
      const r = await (await client()).call<ArrayBuffer>(runRoute, runParams(), 'read run 5');
      assert.equal(Buffer.from(r.data).toString(), 'bytes elsewhere');
      assert.equal(storage.requests.length, 1);
      assert.equal(storage.requests[0].headers.authorization, undefined);
      assert.match(String(storage.requests[0].headers['user-agent']), /release-operator/);
    } finally {
      await storage.close();
    }
  });

  it(`stops after ${MAX_REDIRECTS} redirects; redirect: 'manual' hands the 3xx back`, async () => {
    fake.route('GET', RUN, () => ({ status: 302, headers: { location: `${fake.url}/repos/acme/app/actions/runs/5` } }));
    await assert.rejects((await client()).call(runRoute, runParams(), 'read run 5'), (e: Error) => {
      assert.match(e.message, new RegExp(`Cannot reach GitHub at .*: more than ${MAX_REDIRECTS} redirects`));
      return true;
    });
    const before = fake.requests.length;
    const manual = await nodeFetch(`${fake.url}/repos/acme/app/actions/runs/5`, {
      redirect: 'manual',
      headers: { authorization: `token ${fake.token}` },
    });
    assert.equal(manual.status, 302);
    assert.equal(manual.headers.get('Location'), `${fake.url}/repos/acme/app/actions/runs/5`);
    assert.equal(fake.requests.length, before + 1);
  });

  it('a 307 sends the same request again, body and all; a 303 turns it into a GET without the body', async () => {
    const seen: Array<{ method: string; path: string; body: string; type?: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', path: req.url ?? '', body, type: req.headers['content-type'] });
        if (req.url === '/a') res.writeHead(307, { location: '/b' }).end();
        else if (req.url === '/c') res.writeHead(303, { location: '/d' }).end();
        else res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const post = { method: 'POST', body: '{"ref":"main"}', headers: { 'content-type': 'application/json' } };
      for (const p of ['/a', '/c']) {
        const res = await nodeFetch(base + p, post);
        assert.equal(res.status, 200);
        assert.equal(res.url, base + (p === '/a' ? '/b' : '/d'));
      }
      assert.deepEqual(seen, [
        { method: 'POST', path: '/a', body: '{"ref":"main"}', type: 'application/json' },
        { method: 'POST', path: '/b', body: '{"ref":"main"}', type: 'application/json' },
        { method: 'POST', path: '/c', body: '{"ref":"main"}', type: 'application/json' },
        { method: 'GET', path: '/d', body: '', type: undefined },
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("keeps the connection alive between requests (Node's keep-alive agents)", async () => {
    let connections = 0;
    const server = createServer((_req, res) => res.end('{}')).on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      for (let i = 0; i < 3; i++) {
        const res = await nodeFetch(url);
        assert.ok('read' in res);
        assert.equal((await res.read(100)).bytes.toString(), '{}');
      }
      assert.equal(connections, 1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('decodes a gzip answer as fetch did', async () => {
    const body = { ...fake.example<object>('GET', RUN), id: 5, name: 'zipped' };
    const zipped = fake.stream('zipped', (res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(body)));
    });
    const r = await (await client()).call<{ name: string }>(`GET ${new URL(zipped).pathname}`, {}, 'read it');
    assert.equal(r.data.name, 'zipped');
  });

  it('refuses an answer over limits.documentMegabytes, announced, streamed or compressed', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(50_000) });
    const announced = fake.stream('announced', (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) });
      res.end(big);
    });
    const chunked = fake.stream('chunked', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(big.slice(0, 25_000));
      setTimeout(() => res.end(big.slice(25_000)), 20);
    });
    // 50 KB of JSON in a few hundred bytes: the decoded size counts.
    const bomb = fake.stream('bomb', (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(big));
    });
    const gh = await client({ limits: { documentBytes: 10_000 } });
    for (const url of [announced, chunked, bomb])
      await assert.rejects(gh.call(`GET ${new URL(url).pathname}`, {}, 'read it'), (e: Error & { kind: string }) => {
        assert.equal(e.kind, 'environment');
        assert.match(e.message, /GitHub's answer to GET \/_storage\/\w+ is larger than 10000 bytes/);
        assert.match(e.message, /limits\.documentMegabytes/);
        return true;
      });
  });

  it('says GitHub did not answer within github.timeoutSeconds: no headers, or a body that stops', async () => {
    const silent = fake.stream('silent', () => undefined);
    const stalls = fake.stream('stalls', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
    });
    const gh = await client({ limits: { githubRequestMs: 1000 } });
    await assert.rejects(
      gh.call(`GET ${new URL(silent).pathname}`, {}, 'read it'),
      /GitHub \(http:\/\/127\.0\.0\.1:\d+\) did not answer GET \/_storage\/silent within 1 s \(github\.timeoutSeconds\)/,
    );
    await assert.rejects(
      gh.call(`GET ${new URL(stalls).pathname}`, {}, 'read it'),
      /GitHub answered GET \/_storage\/stalls, but the body did not arrive within 1 s/,
    );
  });

  it('cancel ends a request waiting for its answer or for its body', async () => {
    const silent = fake.stream('silent', () => undefined);
    const stalls = fake.stream('stalls', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
    });
    const gh = await client();
    for (const url of [silent, stalls]) {
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 100);
      const t0 = Date.now();
      await assert.rejects(gh.call(`GET ${new URL(url).pathname}`, {}, 'read it', 'repo', stop.signal), CancelledError);
      // Well before github.timeoutSeconds (30 s by default): the cancel ended it, not a timer.
      assert.ok(Date.now() - t0 < 10_000);
    }
  });

  it('a refused connection says so with its cause, after a few tries', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const sleeps: number[] = [];
    const gh = await GitHubClient.create({
      apiUrl: `http://127.0.0.1:${port}`,
      token: async () => fake.token,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await assert.rejects(gh.call(runRoute, runParams(), 'read run 5'), (e: Error & { kind: string; hint: string }) => {
      assert.equal(e.kind, 'environment');
      assert.equal(
        e.message,
        `Cannot reach GitHub at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}.`,
      );
      assert.match(e.hint, /Check the network/);
      return true;
    });
    assert.deepEqual(sleeps, [1000, 2000]);
  });

  it('a name that does not resolve is said at once, not retried', async () => {
    const sleeps: number[] = [];
    const gh = await GitHubClient.create({
      apiUrl: 'http://no-such-host.invalid',
      token: async () => fake.token,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await assert.rejects(
      gh.call(runRoute, runParams(), 'read run 5'),
      /Cannot reach GitHub at .*(ENOTFOUND|EAI_AGAIN) no-such-host\.invalid/,
    );
    assert.deepEqual(sleeps, []);
  });

  it('a client given its own fetch uses it for every request', async () => {
    const seen: string[] = [];
    const own: typeof fetch = (input, init) => {
      seen.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(input, init);
    };
    const r = await (await client({ fetch: own })).call<{ id: number }>(runRoute, runParams(), 'read run 5');
    assert.equal(typeof r.data.id, 'number');
    assert.deepEqual(seen, [`${fake.url}/repos/acme/app/actions/runs/5`]);
  });
});
