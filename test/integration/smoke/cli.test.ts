import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/framework';
import { runProcess } from '../../../src/core/process/run';
import { PRODUCT_LABEL, SMOKE_RUN_LABEL } from '../../../src/core/container/labels';
import { REPO_ROOT } from '../../helpers/paths';
import { buildFixture, contextDir, DOCKER, leftovers, prepareContext, removeFixtures, testId } from './fixture';

/** Runs the CLI in-process like a terminal would; `onStderr` may abort (Ctrl-C) mid-run. */
async function cli(args: string[], onStderr?: (text: string, abort: () => void) => void) {
  const ac = new AbortController();
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => (stdout += s),
    stderr: (s) => {
      stderr += s;
      onStderr?.(stderr, () => ac.abort());
    },
    env: { ...process.env, RELEASE_OPERATOR_DOCKER: DOCKER },
  };
  const code = await runCli([...args, '--cwd', contextDir], io, ac.signal);
  return { code, stdout, stderr };
}

describe('release-operator smoke / cleanup (CLI, real Docker)', function () {
  this.timeout(180_000);
  const img: Record<string, string> = {};
  before(async function () {
    this.timeout(300_000);
    await prepareContext();
    img.healthy = await buildFixture('healthy', 'linux/amd64');
    img.crash = await buildFixture('crash', 'linux/amd64');
    img.slow = await buildFixture('slow', 'linux/amd64', ['--build-arg', 'DELAY=2']);
  });
  after(removeFixtures);

  it('exit 0 with a summary table on stdout and progress on stderr', async () => {
    const r = await cli(['smoke', img.healthy, '--platform', 'linux/amd64']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PLATFORM\s+RESULT\s+TIME\s+STEPS\nlinux\/amd64\s+passed/);
    assert.match(r.stderr, /\[linux\/amd64\] ok   health .*200 ok/);
  });

  it('as a process of its own (dist/cli.js), stays alive while it probes a service that is not up yet', async () => {
    // Probing through Docker's port proxy before the service listens is where Node's fetch once let the process
    // end mid-run with exit 0 and no report at all. Only a real process shows that: here nothing else keeps it alive.
    const bundle = path.join(REPO_ROOT, 'dist', 'cli.js');
    if (!existsSync(bundle)) throw new Error('dist/cli.js is missing: build it first with `node esbuild.mjs` (test/run-all.sh does)');
    const r = await runProcess(process.execPath, [bundle, 'smoke', img.slow, '--platform', 'linux/amd64', '--json', '--cwd', contextDir], {
      env: { RELEASE_OPERATOR_DOCKER: DOCKER },
      timeoutMs: 120_000,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const health = doc.platforms[0].steps.find((s: { name: string }) => s.name === 'health');
    assert.equal(health.passed, true);
    assert.doesNotMatch(health.detail, /\(1 attempt\)/, 'a service that sleeps 2 s cannot answer the first probe');
    assert.deepEqual(await leftovers(doc.runId), { containers: [], images: [] });
  });

  it('exit 1 with --json (steps, logs tail) and a JUnit report', async () => {
    const junit = path.join(contextDir, 'smoke-junit.xml');
    const r = await cli(['smoke', img.crash, '--platform', 'linux/amd64', '--json', '--junit', junit, '--timeout', '60']);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    const p = doc.platforms[0];
    assert.equal(p.platform, 'linux/amd64');
    assert.equal(p.passed, false);
    assert.equal(p.failedStep, 'health');
    for (const s of p.steps) assert.deepEqual(Object.keys(s).filter((k) => ['name', 'passed', 'durationMs', 'detail'].includes(k)).sort(), ['detail', 'durationMs', 'name', 'passed']);
    assert.ok(p.logs.some((l: string) => l.includes('fatal: cannot open /etc/fixture.conf')));
    const xml = await readFile(junit, 'utf8');
    assert.match(xml, /<testcase classname="smoke.linux\/amd64" name="health"[^>]*><failure type="health"/);
    assert.match(xml, /fatal: cannot open \/etc\/fixture.conf/);
    assert.deepEqual(await leftovers(doc.runId), { containers: [], images: [] });
  });

  it('exit 3 when the docker client cannot build, naming what is missing', async () => {
    const r = await cli(['smoke', '--build', '--platform', 'linux/amd64', '--docker', '/usr/local/bin/docker']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /Install the buildx plugin \(docker-buildx\), or set releaseOperator\.dockerPath \/ --docker to a docker client that can build/);
  });

  it('exit 2 for bad usage', async () => {
    assert.equal((await cli(['smoke'])).code, 2);
    assert.equal((await cli(['smoke', img.healthy, '--platform', 'arm64'])).code, 2);
  });

  it('Ctrl-C mid-run stops, exits 130 and leaves no container behind', async () => {
    let aborted = false;
    const r = await cli(['smoke', img.healthy, '--platform', 'linux/amd64', '--health-path', '/never-there', '--timeout', '120'], (text, abort) => {
      if (!aborted && /ok   start/.test(text)) {
        aborted = true;
        setTimeout(abort, 300);
      }
    });
    assert.equal(aborted, true, r.stderr);
    assert.equal(r.code, 130, r.stderr);
    const runId = /smoke run (\S+):/.exec(r.stderr)![1];
    assert.deepEqual(await leftovers(runId), { containers: [], images: [] });
  });

  it('cleanup removes the containers a crashed run left behind, and only those of that run', async () => {
    const runId = `crashed-${testId}`;
    const other = `other-${testId}`;
    const start = async (id: string) => {
      const r = await runProcess(DOCKER, ['run', '-d', '--label', `${PRODUCT_LABEL}=1`, '--label', `${SMOKE_RUN_LABEL}=${id}`, '--label', 'release-operator.test=smoke', img.healthy]);
      assert.equal(r.exitCode, 0, r.stderr);
    };
    await start(runId);
    await start(other);
    try {
      const r = await cli(['cleanup', '--run', runId, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).containers.length, 1);
      assert.deepEqual((await leftovers(runId)).containers, []);
      assert.equal((await leftovers(other)).containers.length, 1, 'another run\'s container is left alone');
    } finally {
      const ids = (await leftovers(other)).containers;
      if (ids.length) await runProcess(DOCKER, ['rm', '-f', ...ids]);
    }
  });
});
