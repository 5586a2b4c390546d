import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MEMORY_BOUND_MIB, hasControlCodes, runCliProcess, type CliProcessResult } from '../../helpers/cli-process';
import { recordFigure } from '../../helpers/figures';
import { startHostileRegistry, type HostileRegistry } from '../../helpers/hostile-registry';

/**
 * A registry of the tests' own that misbehaves in each way a hostile or broken registry can, against the CLI as a
 * user runs it (a process of its own). Each case must end in its verdict within its limit: no hang, no false pass,
 * no control code in the output, and a peak memory under 300 MiB.
 */

describe('reliability: a hostile registry (the CLI in a process of its own)', function () {
  this.timeout(120_000);
  let reg: HostileRegistry;
  let dir: string;
  const figures: Array<{ name: string; code: number | null; ms: number; maxRssMiB?: number }> = [];

  // Outside any git repository, so release-operator.json of the case's folder is the one read.
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ro-hostile-registry-'))));
  beforeEach(async () => {
    reg = await startHostileRegistry();
  });
  afterEach(async () => reg.stop());
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const f of figures)
      recordFigure('hostile', `registry: ${f.name}`, { exit: f.code ?? -1, ms: f.ms, maxRssMiB: f.maxRssMiB ?? -1 });
  });

  /** A working folder with this release-operator.json (none: the defaults). */
  function cwd(config?: object): string {
    const d = mkdtempSync(path.join(dir, 'case-'));
    if (config) writeFileSync(path.join(d, 'release-operator.json'), JSON.stringify(config));
    return d;
  }

  /** Runs the CLI and checks what every case must hold: bounded memory, no control codes, no stack trace. */
  async function cli(name: string, args: string[], o: { config?: object; timeoutMs?: number } = {}) {
    const r = await runCliProcess(args, { cwd: cwd(o.config), timeoutMs: o.timeoutMs ?? 60_000 });
    figures.push({ name, code: r.code, ms: r.ms, maxRssMiB: r.maxRssMiB });
    assert.equal(r.timedOut, false, `${name}: hung (killed after its timeout)\n${r.stderr}`);
    assert.ok(r.maxRssMiB !== undefined && r.maxRssMiB < MEMORY_BOUND_MIB, `${name}: peak memory ${r.maxRssMiB} MiB`);
    assert.ok(
      !hasControlCodes(r.stdout + r.stderr),
      `${name}: a control code reached the output:\n${JSON.stringify(r.stdout + r.stderr)}`,
    );
    assert.doesNotMatch(
      r.stderr,
      /\n\s+at |This is a bug/,
      `${name}: a stack trace or an internal error:\n${r.stderr}`,
    );
    return r;
  }
  const exit3 = (r: CliProcessResult, re: RegExp) => {
    assert.equal(r.code, 3, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, re);
  };

  it('a tag list with a Link to a new page for ever: stops at limits.listingPages (exit 3) and says how to raise it', async () => {
    let page = 0;
    reg.on('GET', /\/tags\/list/, (_req, res) => {
      page++;
      const tags = Array.from({ length: 10 }, (_, i) => `p${page}-${i}`);
      res
        .writeHead(200, {
          'content-type': 'application/json',
          link: `</v2/acme/app/tags/list?n=10&last=p${page}>; rel="next"`,
        })
        .end(JSON.stringify({ name: 'acme/app', tags }));
    });
    const r = await cli('endless tag pages', ['tags', `${reg.host}/acme/app`]);
    exit3(
      r,
      /goes on past 1000 pages .*limits\.listingPages.*\n.*raise it: "limits\.listingPages" in release-operator\.json/s,
    );
    assert.equal(page, 1000, 'exactly the limit of pages was read');
  });

  it('a tag list that is a string, or holds null: refused (exit 3), never read as tags or as latest', async () => {
    reg.image('acme/app', 'latest');
    for (const [name, body, why] of [
      ['tags as a string', { tags: 'latest' }, /"tags" is string, not a list/],
      ['a null tag', { tags: [null] }, /a tag is null, not a string/],
      ['a page that is a list', ['v1'], /not a JSON object/],
    ] as const) {
      reg.requests.length = 0;
      reg.on('GET', /\/tags\/list/, (_req, res) => void res.writeHead(200).end(JSON.stringify(body)));
      const r = await cli(name, ['tags', `${reg.host}/acme/app`]);
      exit3(r, why);
      assert.ok(!reg.requests.some((q) => /manifests/.test(q.path)), `${name}: a manifest was asked for`);
    }
  });

  it('a tag named ../../../../etc: refused before any URL is made of it (exit 3); nothing outside /v2/acme/app asked', async () => {
    reg.on('GET', /\/tags\/list/, (_req, res) =>
      res.writeHead(200).end(JSON.stringify({ name: 'acme/app', tags: ['v1', '../../../../etc', 'x\nproblem: none'] })),
    );
    const r = await cli('tag ../../../../etc', ['tags', `${reg.host}/acme/app`]);
    exit3(r, /"\.\.\/\.\.\/\.\.\/\.\.\/etc" is not a valid tag name/);
    assert.deepEqual(
      reg.requests.filter((q) => !q.path.startsWith('/v2/acme/app/') && q.path !== '/v2/'),
      [],
      'a request left the repository',
    );
  });

  it('labels with terminal escape codes and a key with a newline: shown escaped, no forged line, JSON round-trips', async () => {
    const labels = {
      'org.opencontainers.image.title': '\u001b]0;owned\u0007\u001b[2J\u001b[31mred',
      'evil\nproblem: none': 'x\r\u009b2J',
      'org.opencontainers.image.version': '1.2.3\u202e',
    };
    reg.image('acme/app', 'v1.2.3', { labels });
    const text = await cli('labels with escape codes (text)', ['manifest', `${reg.host}/acme/app:v1.2.3`]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /org\.opencontainers\.image\.title=\\e\]0;owned\\x07\\e\[2J\\e\[31mred/);
    assert.ok(!text.stdout.split('\n').some((l) => l.trim() === 'problem: none'), 'a label key forged an output line');
    assert.match(text.stdout, /evil\\nproblem: none=x\\r\\x9b2J/);
    const verify = await cli('labels with escape codes (verify)', [
      'verify',
      `${reg.host}/acme/app:v1.2.3`,
      '--require-platforms',
      'linux/amd64',
    ]);
    assert.ok(!verify.stdout.split('\n').some((l) => /^problem: none/.test(l)), verify.stdout);
    const json = await cli('labels with escape codes (json)', ['manifest', `${reg.host}/acme/app:v1.2.3`, '--json']);
    assert.deepEqual(
      (JSON.parse(json.stdout) as { labels: Record<string, string> }).labels,
      labels,
      'the values are kept, only escaped',
    );
  });

  it('a Retry-After of an hour: fails at once naming limits.retryWaitSeconds (exit 3), no silent minutes', async () => {
    reg.on('GET', /\/tags\/list/, (_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end('{"errors":[]}'));
    const r = await cli('Retry-After 3600', ['tags', `${reg.host}/acme/app`]);
    exit3(r, /asked to wait 3600 s before retrying GET \/v2\/acme\/app\/tags\/list.*limits\.retryWaitSeconds/);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
  });

  it('a Retry-After of 3 s: the wait is said on stderr (--verbose) with its reason, then it works', async () => {
    reg.image('acme/app', 'v1');
    let n = 0;
    reg.on('GET', /\/manifests\/v1$/, (_req, res) => {
      if (n++ === 0) return void res.writeHead(429, { 'retry-after': '3' }).end();
      const s = reg.manifests.get('acme/app:v1')!;
      res.writeHead(200, { 'content-type': s.mediaType, 'docker-content-digest': s.digest }).end(s.bytes);
    });
    const r = await cli('Retry-After 3', ['manifest', `${reg.host}/acme/app:v1`, '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /waiting 3 s: the registry 127\.0\.0\.1:\d+ answered HTTP 429 \(GET \/v2\/acme\/app\/manifests\/v1\) \(retry 1 of 3\)/,
    );
  });

  it('a body that drips: "answered, but the body did not arrive", never "could not be reached" (exit 3, within the timeouts)', async () => {
    reg.on('GET', /\/manifests\/v1$/, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': '4000' });
      const t = setInterval(() => res.write(' '), 300);
      res.on('close', () => clearInterval(t));
    });
    const r = await cli('dripping body', ['manifest', `${reg.host}/acme/app:v1`], {
      config: { registry: { timeoutSeconds: 2, retries: 1 } },
    });
    exit3(r, /answered GET \/v2\/acme\/app\/manifests\/v1, but the body did not arrive within 2 s \(2 attempts\)/);
    assert.doesNotMatch(r.stderr, /could not be reached/);
    assert.ok(r.ms < 15_000, `${r.ms} ms`);
  });

  it('a slow registry: the operation stops at limits.operationSeconds (exit 3)', async () => {
    let page = 0;
    reg.on('GET', /\/tags\/list/, (_req, res) => {
      const next = `</v2/acme/app/tags/list?last=p${++page}>; rel="next"`;
      setTimeout(() => res.writeHead(200, { link: next }).end('{"tags":[]}'), 400);
    });
    const r = await cli('slow registry, operation time', ['tags', `${reg.host}/acme/app`], {
      config: { limits: { operationSeconds: 2 } },
    });
    exit3(r, /the limit of 2 s \(limits\.operationSeconds\) was reached/);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
  });

  it('an md5 digest from the registry is an environment fault (exit 3), not a problem with the release', async () => {
    const s = reg.image('acme/app', 'v1');
    reg.on('GET', /\/manifests\/v1$/, (_req, res) =>
      res
        .writeHead(200, { 'content-type': s.mediaType, 'docker-content-digest': `md5:${'a'.repeat(32)}` })
        .end(s.bytes),
    );
    const r = await cli('md5 digest', ['manifest', `${reg.host}/acme/app:v1`]);
    exit3(r, /named the digest md5:a+, whose algorithm cannot be verified/);
  });

  it('a PUT redirected to a 404: "the tag was not written" (exit 3), not "has no tag latest"', async () => {
    reg.image('acme/app', 'v1');
    reg.image('acme/app', 'latest', { labels: { old: 'yes' } });
    reg.on('PUT', /\/manifests\/latest$/, (_req, res) => res.writeHead(307, { location: '/elsewhere/upload' }).end());
    reg.on('PUT', /\/elsewhere\/upload$/, (_req, res) =>
      res.writeHead(404).end('{"errors":[{"code":"NOT_FOUND","message":"gone"}]}'),
    );
    const r = await cli('PUT redirected to 404', ['rollback', `${reg.host}/acme/app`, '--to', 'v1', '--yes']);
    exit3(
      r,
      /answered HTTP 404 after a redirect to http:\/\/127\.0\.0\.1:\d+\/elsewhere\/upload to the PUT of .*:latest .*the tag was not written/,
    );
    assert.doesNotMatch(r.stderr, /has no tag latest/);
  });

  it('an index of 10,000 copies of one child: refused at limits.indexChildren; allowed, the child is fetched once (manifest) and HEADed once (rollback)', async () => {
    const child = reg.image('acme/app');
    reg.index(
      'acme/app',
      'wide',
      Array.from({ length: 10_000 }, () => child),
    );
    reg.image('acme/app', 'latest');
    const refused = await cli('index of 10,000 children (default limit)', ['manifest', `${reg.host}/acme/app:wide`]);
    exit3(refused, /The index .*:wide lists 10000 manifests: the limit of 1000 \(limits\.indexChildren\) was reached/);
    reg.requests.length = 0;
    const config = { limits: { indexChildren: 20_000 } };
    const m = await cli('index of 10,000 children (manifest)', ['manifest', `${reg.host}/acme/app:wide`, '--json'], {
      config,
    });
    assert.equal(m.code, 0, m.stderr);
    assert.equal(
      reg.requests.filter((q) => q.path.endsWith(`/manifests/${child.digest}`)).length,
      1,
      'one GET of the child',
    );
    reg.requests.length = 0;
    const rb = await cli(
      'index of 10,000 children (rollback)',
      ['rollback', `${reg.host}/acme/app`, '--to', 'wide', '--yes'],
      { config },
    );
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(
      reg.requests.filter((q) => q.method === 'HEAD' && q.path.endsWith(`/manifests/${child.digest}`)).length,
      1,
      'one HEAD of the child',
    );
  });

  it('more requests than limits.requestsPerOperation: stops there (exit 3)', async () => {
    const img = reg.image('acme/app', 't0');
    for (let i = 1; i < 300; i++) reg.manifests.set(`acme/app:t${i}`, img);
    const r = await cli('requests per operation', ['tags', `${reg.host}/acme/app`], {
      config: { limits: { requestsPerOperation: 100 } },
    });
    exit3(r, /the limit of 100 \(limits\.requestsPerOperation\) was reached/);
    assert.ok(reg.requests.length <= 101, `${reg.requests.length} requests`);
  });

  it('a config blob of 64 MiB: refused at limits.documentMegabytes while read (exit 3), memory bounded', async () => {
    const s = reg.image('acme/app', 'big');
    const config = (JSON.parse(s.bytes.toString()) as { config: { digest: string } }).config.digest;
    reg.on('GET', new RegExp(`/blobs/${config}$`), (_req, res) => {
      res.writeHead(200, { 'docker-content-digest': config });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent >= 64) res.end();
      };
      res.on('drain', () => {
        sent++;
        more();
      });
      more();
    });
    const r = await cli('config blob of 64 MiB', ['manifest', `${reg.host}/acme/app:big`]);
    exit3(r, /sent more than 16777216 bytes .*limits\.documentMegabytes/);
  });
});
