import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/framework';
import { runProcess } from '../../../src/core/process/run';
import { PRODUCT_LABEL, SMOKE_RUN_LABEL } from '../../../src/core/container/labels';
import { ACTIVE_RUNS_DIR } from '../../../src/core/container/active';
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
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
    assert.match(r.stderr, /\[linux\/amd64\] ok {3}health .*200 ok/);
  });

  it('as a process of its own (dist/cli.js), stays alive while it probes a service that is not up yet', async () => {
    // Probing through Docker's port proxy before the service listens is where Node's fetch once let the process
    // end mid-run with exit 0 and no report at all. Only a real process shows that: here nothing else keeps it alive.
    const bundle = path.join(REPO_ROOT, 'dist', 'cli.js');
    if (!existsSync(bundle))
      throw new Error('dist/cli.js is missing: build it first with `node esbuild.mjs` (test/run-all.sh does)');
    const r = await runProcess(
      process.execPath,
      [bundle, 'smoke', img.slow, '--platform', 'linux/amd64', '--json', '--cwd', contextDir],
      {
        env: { RELEASE_OPERATOR_DOCKER: DOCKER },
        timeoutMs: 120_000,
      },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const health = doc.platforms[0].steps.find((s: { name: string }) => s.name === 'health');
    assert.equal(health.passed, true);
    assert.doesNotMatch(health.detail, /\(1 attempt\)/, 'a service that sleeps 2 s cannot answer the first probe');
    assert.deepEqual(await leftovers(doc.runId), { containers: [], images: [] });
  });

  it('exit 1 with --json (steps, logs tail) and a JUnit report', async () => {
    const junit = path.join(contextDir, 'smoke-junit.xml');
    const r = await cli([
      'smoke',
      img.crash,
      '--platform',
      'linux/amd64',
      '--json',
      '--junit',
      junit,
      '--timeout',
      '60',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    const p = doc.platforms[0];
    assert.equal(p.platform, 'linux/amd64');
    assert.equal(p.passed, false);
    assert.equal(p.failedStep, 'health');
    for (const s of p.steps)
      assert.deepEqual(
        Object.keys(s)
          .filter((k) => ['name', 'passed', 'durationMs', 'detail'].includes(k))
          .sort(),
        ['detail', 'durationMs', 'name', 'passed'],
      );
    assert.ok(p.logs.some((l: string) => l.includes('fatal: cannot open /etc/fixture.conf')));
    const xml = await readFile(junit, 'utf8');
    assert.match(xml, /<testcase classname="smoke.linux\/amd64" name="health"[^>]*><failure type="health"/);
    assert.match(xml, /fatal: cannot open \/etc\/fixture.conf/);
    assert.deepEqual(await leftovers(doc.runId), { containers: [], images: [] });
  });

  it('exit 3 when the docker client cannot build, naming what is missing', async () => {
    const r = await cli(['smoke', '--build', '--platform', 'linux/amd64', '--docker', '/usr/local/bin/docker']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stdout,
      /Install the buildx plugin \(docker-buildx\), or set releaseOperator\.dockerPath \/ --docker to a docker client that can build/,
    );
  });

  it('exit 2 for bad usage', async () => {
    assert.equal((await cli(['smoke'])).code, 2);
    assert.equal((await cli(['smoke', img.healthy, '--platform', 'arm64'])).code, 2);
  });

  it('Ctrl-C mid-run stops, exits 130 and leaves no container behind', async () => {
    let aborted = false;
    const r = await cli(
      ['smoke', img.healthy, '--platform', 'linux/amd64', '--health-path', '/never-there', '--timeout', '120'],
      (text, abort) => {
        if (!aborted && /ok {3}start/.test(text)) {
          aborted = true;
          setTimeout(abort, 300);
        }
      },
    );
    assert.equal(aborted, true, r.stderr);
    assert.equal(r.code, 130, r.stderr);
    const runId = /smoke run (\S+):/.exec(r.stderr)![1];
    assert.deepEqual(await leftovers(runId), { containers: [], images: [] });
  });

  it('cleanup removes the containers a crashed run left behind, and only those of that run', async () => {
    const runId = `crashed-${testId}`;
    const other = `other-${testId}`;
    const start = async (id: string) => {
      const r = await runProcess(DOCKER, [
        'run',
        '-d',
        '--label',
        `${PRODUCT_LABEL}=1`,
        '--label',
        `${SMOKE_RUN_LABEL}=${id}`,
        '--label',
        'release-operator.test=smoke',
        img.healthy,
      ]);
      assert.equal(r.exitCode, 0, r.stderr);
    };
    await start(runId);
    await start(other);
    try {
      const r = await cli(['cleanup', '--run', runId, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).containers.length, 1);
      assert.deepEqual((await leftovers(runId)).containers, []);
      assert.equal((await leftovers(other)).containers.length, 1, "another run's container is left alone");
    } finally {
      const ids = (await leftovers(other)).containers;
      if (ids.length) await runProcess(DOCKER, ['rm', '-f', ...ids]);
    }
  });
  it('cleanup during a smoke run in another process leaves that run alone; the run passes and then leaves nothing', async () => {
    const bundle = path.join(REPO_ROOT, 'dist', 'cli.js');
    if (!existsSync(bundle))
      throw new Error('dist/cli.js is missing: build it first with `node esbuild.mjs` (test/run-all.sh does)');
    let runId = '';
    let started!: () => void;
    const serviceStarted = new Promise<void>((resolve) => (started = resolve));
    const smoke = runProcess(
      process.execPath,
      [bundle, 'smoke', img.slow, '--platform', 'linux/amd64', '--json', '--cwd', contextDir],
      {
        env: { RELEASE_OPERATOR_DOCKER: DOCKER },
        timeoutMs: 120_000,
        onLine: (line) => {
          runId ||= /smoke run (\S+):/.exec(line)?.[1] ?? '';
          if (/ok\s+start/.test(line)) started();
        },
      },
    );
    await Promise.race([serviceStarted, smoke.then(() => undefined)]);
    assert.ok(runId, 'the run said its id');
    const during = (await leftovers(runId)).containers;
    assert.ok(during.length >= 1, 'the run has its service container up (slow to answer /health)');
    const c = await cli(['cleanup', '--json']);
    assert.equal(c.code, 0, c.stderr);
    const out = JSON.parse(c.stdout) as {
      containers: Array<{ id: string }>;
      spared: { containers: Array<{ id: string }> };
    };
    assert.deepEqual(
      out.containers.filter((x) => during.some((d) => x.id.startsWith(d))),
      [],
      "none of the running run's containers removed",
    );
    assert.ok(
      out.spared.containers.some((x) => during.some((d) => x.id.startsWith(d))),
      'listed as spared',
    );
    const r = await smoke;
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal((JSON.parse(r.stdout) as { outcome: string }).outcome, 'passed');
    assert.deepEqual(await leftovers(runId), { containers: [], images: [] });
    assert.ok(!existsSync(path.join(ACTIVE_RUNS_DIR, runId)), 'the run no longer counts as in progress');
  });

  it('cleanup removes what a crashed run left (its process is gone), spares a live one, and --force removes that too', async () => {
    const live = `live-${testId}`;
    const dead = `dead-${testId}`;
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    const gone = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => gone.on('exit', resolve));
    await mkdir(ACTIVE_RUNS_DIR, { recursive: true });
    const mark = (id: string, pid: number) =>
      writeFile(
        path.join(ACTIVE_RUNS_DIR, id),
        JSON.stringify({ pid, host: os.hostname(), started: new Date().toISOString() }),
      );
    await mark(live, sleeper.pid!);
    await mark(dead, gone.pid!);
    const create = async (id: string) => {
      const r = await runProcess(DOCKER, [
        'create',
        '--label',
        `${PRODUCT_LABEL}=1`,
        '--label',
        `${SMOKE_RUN_LABEL}=${id}`,
        '--label',
        'release-operator.test=smoke',
        img.healthy,
      ]);
      assert.equal(r.exitCode, 0, r.stderr);
      return r.stdout.trim();
    };
    try {
      const liveId = await create(live);
      const deadId = await create(dead);
      const first = await cli(['cleanup']);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`container ${deadId.slice(0, 12)} `));
      assert.match(
        first.stdout,
        new RegExp(
          `Left 1 container\\(s\\) and 0 image\\(s\\) of runs still in progress alone \\(--force removes them too\\):\\n  container ${liveId.slice(0, 12)} `,
        ),
      );
      assert.deepEqual((await leftovers(dead)).containers, []);
      assert.equal((await leftovers(live)).containers.length, 1);
      assert.ok(!existsSync(path.join(ACTIVE_RUNS_DIR, dead)), "the crashed run's stale mark is gone");
      const forced = await cli(['cleanup', '--force', '--json']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual((await leftovers(live)).containers, []);
    } finally {
      sleeper.kill();
      await rm(path.join(ACTIVE_RUNS_DIR, live), { force: true });
      for (const id of [live, dead]) {
        const ids = (await leftovers(id)).containers;
        if (ids.length) await runProcess(DOCKER, ['rm', '-f', ...ids]);
      }
    }
  });
});
