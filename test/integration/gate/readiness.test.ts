import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { exitCodeOf, type ReadinessReport } from '../../../src/core/report';
import { contentCache } from '../../../src/core/registry';
import type { SmokeReport } from '../../../src/core/smoke';
import { REPO_ROOT } from '../../helpers/paths';
import { pushImage, pushIndex, useRegistry } from '../../helpers/registry';

const REPO = 'acme/rocket';
const BOTH = 'linux/amd64,linux/arm64';

/** An empty folder as the working folder: no repository, so no version comes from it (VERSION is passed). */
const EMPTY = mkdtempSync(path.join(os.tmpdir(), 'ro-readiness-cwd-'));

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    [...args, '--cwd', EMPTY],
    { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { PATH: process.env.PATH } },
    new AbortController().signal,
  );
  return { code, stdout, stderr };
}

const labels = (version: string) => ({
  'org.opencontainers.image.version': version,
  'org.opencontainers.image.revision': 'abc1234def',
  'org.opencontainers.image.source': 'https://github.com/acme/rocket',
});

/** A smoke run of `image` on linux/amd64 as `release-operator smoke IMAGE --json` writes it: every step passed. */
function smokeJson(image: string): SmokeReport {
  const step = (name: 'image' | 'help' | 'start' | 'health') => ({ name, passed: true, durationMs: 100, detail: 'ok' });
  return {
    runId: 'r1',
    image,
    notes: [],
    passed: true,
    outcome: 'passed',
    platforms: [
      {
        platform: 'linux/amd64',
        passed: true,
        outcome: 'passed',
        emulated: false,
        deadlineSeconds: 30,
        steps: [step('image'), step('help'), step('start'), step('health')],
        durationMs: 400,
      },
    ],
    cleanup: { leftoverContainers: 0, leftoverImages: 0, errors: [] },
    startedAt: '2024-01-01T00:00:00.000Z',
    durationMs: 400,
  };
}

describe('readiness from the CLI (the report the editor shows) on a real registry', function () {
  this.timeout(180_000);
  const registry = useRegistry('none');
  beforeEach(() => contentCache.clear());
  after(() => rmSync(EMPTY, { recursive: true, force: true }));

  it("prints the version's readiness report: text, JSON and Markdown agree; the exit code is the gate's", async () => {
    const reg = registry();
    const image = `${reg.host}/${REPO}`;
    const imgs = await Promise.all(
      ['amd64', 'arm64'].map((a) => pushImage(reg, REPO, { platform: `linux/${a}`, labels: labels('1.2.3') })),
    );
    await pushIndex(reg, REPO, imgs, { tag: 'v1.2.3' });
    // A smoke run of this version's image on amd64 counts; arm64's row says smoke has not run on it.
    const smokeFile = path.join(EMPTY, 'smoke.json');
    writeFileSync(smokeFile, JSON.stringify(smokeJson(`${image}:v1.2.3`)));

    const json = await cli(
      'readiness',
      '1.2.3',
      '--image',
      image,
      '--platforms',
      BOTH,
      '--smoke-report',
      smokeFile,
      '--json',
    );
    const r = JSON.parse(json.stdout) as ReadinessReport;
    assert.equal(r.schema, 'release-operator/readiness@1');
    assert.equal(r.version, '1.2.3');
    assert.equal(json.code, exitCodeOf(r.verdict), json.stderr);
    const row = (id: string, subject?: string) => r.checks.find((c) => c.id === id && c.subject === subject);
    assert.equal(row('platforms')?.verdict, 'pass', JSON.stringify(row('platforms')));
    assert.equal(row('labels')?.verdict, 'pass', JSON.stringify(row('labels')));
    assert.equal(row('smoke', 'linux/amd64')?.verdict, 'pass', JSON.stringify(row('smoke', 'linux/amd64')));
    const arm = row('smoke', 'linux/arm64');
    assert.equal(arm?.verdict, 'nothing-checked');
    assert.match(arm?.next?.[0]?.command ?? '', /^release-operator smoke .*:v1\.2\.3 --platform linux\/arm64$/);
    // A check that examined nothing never passes: not ready, exit 1 (or 3 when a check could not run here).
    assert.notEqual(r.verdict, 'pass');
    assert.ok(json.code === 1 || json.code === 3, String(json.code));

    const text = await cli('readiness', '1.2.3', '--image', image, '--platforms', BOTH, '--smoke-report', smokeFile);
    assert.equal(text.code, json.code);
    assert.match(text.stdout, new RegExp(`^readiness ${image.replace(/\./g, '\\.')} 1\\.2\\.3`, 'm'));
    assert.ok(text.stdout.includes(r.summary), text.stdout);

    const md = path.join(EMPTY, 'readiness.md');
    const markdown = await cli('readiness', '1.2.3', '--image', image, '--platforms', BOTH, '--markdown');
    assert.equal(markdown.code, json.code);
    assert.match(markdown.stdout, /^## \S+ Readiness of .* 1\.2\.3: not ready: /m);
    assert.match(markdown.stdout, /\|/, 'a table of the checks');
    const written = await cli('readiness', '1.2.3', '--image', image, '--platforms', BOTH, '--markdown', md);
    assert.equal(readFileSync(md, 'utf8').split('\n')[0], markdown.stdout.split('\n')[0]);
    assert.match(written.stdout, /^readiness /m, 'with a file, stdout keeps the text');
  });

  it('counts a smoke run of another image as not run, and says what it found instead', async () => {
    const reg = registry();
    const image = `${reg.host}/${REPO}`;
    const imgs = await Promise.all(
      ['amd64', 'arm64'].map((a) => pushImage(reg, REPO, { platform: `linux/${a}`, labels: labels('1.3.0') })),
    );
    await pushIndex(reg, REPO, imgs, { tag: 'v1.3.0' });
    const smokeFile = path.join(EMPTY, 'other.json');
    writeFileSync(smokeFile, JSON.stringify(smokeJson(`${image}:v1.2.9`)));
    const out = await cli(
      'readiness',
      'v1.3.0',
      '--image',
      image,
      '--platforms',
      'linux/amd64',
      '--smoke-report',
      smokeFile,
      '--json',
    );
    const r = JSON.parse(out.stdout) as ReadinessReport;
    const smoke = r.checks.find((c) => c.id === 'smoke');
    assert.equal(smoke?.verdict, 'nothing-checked');
    assert.match(smoke?.examined.foundInstead ?? '', /v1\.2\.9/);
    assert.equal(out.code, exitCodeOf(r.verdict));
  });

  it('bad input is exit 2 with what to do: a version that is none, a file that is no smoke report', async () => {
    const bad = await cli('readiness', 'one-point-two', '--image', '127.0.0.1:1/acme/rocket');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'one-point-two' is not a version[\s\S]*1\.2\.3/);
    const notSmoke = path.join(EMPTY, 'not-smoke.json');
    writeFileSync(notSmoke, '{"hello": 1}');
    const wrong = await cli('readiness', '1.2.3', '--image', '127.0.0.1:1/acme/rocket', '--smoke-report', notSmoke);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /not-smoke\.json is not a smoke report/);
    assert.doesNotMatch(bad.stderr + wrong.stderr, /\n\s+at /, 'no stack trace');
  });

  it('several images: the repository rows once, each image its own rows under its name; --image NAME one of them', async () => {
    const reg = registry();
    const ws = mkdtempSync(path.join(os.tmpdir(), 'ro-readiness-images-'));
    try {
      mkdirSync(path.join(ws, 'worker'));
      mkdirSync(path.join(ws, '.github', 'workflows'), { recursive: true });
      writeFileSync(path.join(ws, 'Dockerfile'), 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n');
      writeFileSync(
        path.join(ws, 'worker', 'Dockerfile'),
        'FROM scratch\nCOPY worker /worker\nENTRYPOINT ["/worker"]\n',
      );
      writeFileSync(
        path.join(ws, '.github', 'workflows', 'release.yml'),
        readFileSync(path.join(REPO_ROOT, 'docs', 'workflows', 'release-single-runner.yml'), 'utf8'),
      );
      writeFileSync(
        path.join(ws, 'release-operator.json'),
        JSON.stringify({
          requiredPlatforms: ['linux/amd64'],
          images: [
            { name: 'app', image: `${reg.host}/acme/app` },
            { name: 'worker', image: `${reg.host}/acme/worker`, dockerfile: 'worker/Dockerfile' },
          ],
        }),
      );
      for (const repo of ['acme/app', 'acme/worker']) {
        const img = await pushImage(reg, repo, { platform: 'linux/amd64', labels: labels('1.2.3') });
        await pushIndex(reg, repo, [img], { tag: 'v1.2.3' });
      }
      const run = async (...args: string[]) => {
        let stdout = '';
        let stderr = '';
        const code = await runCli(
          [...args, '--cwd', ws],
          { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { PATH: process.env.PATH } },
          new AbortController().signal,
        );
        return { code, stdout, stderr };
      };
      const all = await run('readiness', '1.2.3', '--json');
      const r = JSON.parse(all.stdout) as ReadinessReport;
      const rows = r.checks.map((c) => `${c.id} ${c.subject ?? '-'}`);
      assert.equal(all.code, exitCodeOf(r.verdict), all.stderr);
      assert.equal(r.image, `${reg.host}/acme/app, ${reg.host}/acme/worker`);
      // Repository rows once, with no image in their subject.
      assert.deepEqual(
        rows.filter((x) => /^(lint|release-run) /.test(x)),
        ['lint -', 'release-run -', 'lint app Dockerfile', 'lint worker worker/Dockerfile'],
      );
      // Each image: its platforms, its glibc and smoke per platform, under its name.
      for (const name of ['app', 'worker']) {
        assert.ok(rows.includes(`platforms ${name}`), rows.join('\n'));
        assert.ok(rows.includes(`glibc ${name} linux/amd64`), rows.join('\n'));
        const smoke = r.checks.find((c) => c.id === 'smoke' && c.subject === `${name} linux/amd64`);
        assert.match(smoke?.next?.[0]?.command ?? '', new RegExp(`acme/${name}:v1\\.2\\.3 --platform linux/amd64$`));
      }
      assert.equal(r.checks.find((c) => c.id === 'platforms' && c.subject === 'worker')?.verdict, 'pass');
      assert.equal(r.context?.['worker reference'], `${reg.host}/acme/worker:v1.2.3`);

      const one = await run('readiness', '1.2.3', '--image', 'worker', '--json');
      const w = JSON.parse(one.stdout) as ReadinessReport;
      assert.equal(w.image, `${reg.host}/acme/worker`);
      assert.ok(!w.checks.some((c) => /app/.test(c.subject ?? '')), JSON.stringify(w.checks.map((c) => c.subject)));
      const text = await run('readiness', '1.2.3');
      assert.match(text.stdout, /worker linux\/amd64/);
      const unknown = await run('readiness', '1.2.3', '--image', 'nope');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /'nope' is not one of the configured images \(app, worker\)/);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
