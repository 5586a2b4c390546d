import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadConfig } from '../../../src/core/config/load';
import { runProcess, type Runner } from '../../../src/core/process/run';
import {
  runSmoke,
  smokeOptionsFromConfig,
  type SmokeEvent,
  type SmokeOptions,
  type SmokeReport,
} from '../../../src/core/smoke';
import { startDockerd, type TestDockerd } from '../../helpers/dockerd';
import { recordFigure } from '../../helpers/figures';
import { ARTIFACTS, FIXTURES, REPO_ROOT } from '../../helpers/paths';

/** The 20.10 client builds with BuildKit without buildx (see TESTBED.md). */
const DOCKER = '/usr/bin/docker';
const LABEL = { 'release-operator.test': 'reliability' };
const SETUP = 'Set up the test bed first: bash test/testbed/setup.sh';

/** The smoke fixture (busybox FROM scratch) as a build context, plus a Dockerfile whose RUN fills the disk. */
function makeContext(): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(path.join(ARTIFACTS, 'reliability-docker-'));
  cpSync(path.join(FIXTURES, 'smoke'), dir, { recursive: true });
  if (!existsSync('/bin/busybox')) throw new Error(`/bin/busybox is missing. ${SETUP}`);
  copyFileSync('/bin/busybox', path.join(dir, 'busybox-amd64'));
  writeFileSync(
    path.join(dir, 'Dockerfile.fill'),
    'FROM scratch\nCOPY busybox-amd64 /bin/busybox\nRUN ["/bin/busybox", "dd", "if=/dev/zero", "of=/fill", "bs=1M", "count=512"]\nENTRYPOINT ["/bin/busybox"]\n',
  );
  return dir;
}

async function build(runner: Runner, context: string, tag: string, mode: string, delay = 3): Promise<void> {
  const r = await runner(
    DOCKER,
    [
      'build',
      '-q',
      '--platform',
      'linux/amd64',
      '--build-arg',
      `MODE=${mode}`,
      '--build-arg',
      `DELAY=${delay}`,
      '--label',
      'release-operator.test=reliability',
      '-t',
      tag,
      context,
    ],
    {
      env: { DOCKER_BUILDKIT: '1' },
      timeoutMs: 300_000,
    },
  );
  if (r.exitCode !== 0) throw new Error(`building ${tag} failed: ${r.stderr}`);
}

async function smokeOptions(context: string, overrides: Partial<SmokeOptions>): Promise<SmokeOptions> {
  const { config } = await loadConfig(context);
  config.dockerPath = DOCKER;
  return {
    ...smokeOptionsFromConfig(config, context, {}),
    platforms: ['linux/amd64'],
    labels: LABEL,
    pollIntervalMs: 250,
    ...overrides,
  };
}

async function left(runner: Runner, runId: string): Promise<string[]> {
  const r = await runner(DOCKER, ['ps', '-aq', '--filter', `label=release-operator.smoke=${runId}`]);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Waits for a step of the run to start, then does something to the world. */
function onStep(step: string, action: () => Promise<void>): { onEvent: (e: SmokeEvent) => void; done: Promise<void> } {
  let fire!: () => void;
  const started = new Promise<void>((r) => (fire = r));
  return {
    onEvent: (e) => {
      if (e.type === 'step-started' && e.step === step) fire();
    },
    done: started.then(() => new Promise((r) => setTimeout(r, 1500))).then(action),
  };
}

let containersLeft = 0;
let faults = 0;

describe('reliability: Docker faults on the shared engine (container killed, port taken)', function () {
  this.timeout(240_000);
  let context: string;
  const tags: string[] = [];
  const shared: Runner = runProcess;

  before(async function () {
    this.timeout(300_000);
    context = makeContext();
    for (const mode of ['healthy', 'slow']) {
      const tag = `ro-reliability-fixture:${mode}-${process.pid}`;
      await build(shared, context, tag, mode, 600);
      tags.push(tag);
    }
  });
  after(async () => {
    if (tags.length) await runProcess(DOCKER, ['rmi', '-f', ...tags]);
    rmSync(context, { recursive: true, force: true });
  });

  it('a container killed from outside mid-run: a failed verdict at that step naming the kill, nothing left', async () => {
    let runId = '';
    const trigger = onStep('help', async () => {
      const ids = await left(shared, runId);
      assert.ok(ids.length > 0, 'the help container should be running');
      await runProcess(DOCKER, ['kill', ...ids]);
    });
    const report: SmokeReport = await runSmoke(
      await smokeOptions(context, { image: tags[1], helpArgs: ['hang'], port: 0, commandTimeoutSeconds: 120 }),
      {
        runner: shared,
        onEvent: (e) => {
          if (e.type === 'run-started') runId = e.runId;
          trigger.onEvent(e);
        },
      },
    );
    await trigger.done;
    faults++;
    const p = report.platforms[0];
    assert.equal(report.outcome, 'failed', JSON.stringify(p, null, 1));
    assert.equal(p.failedStep, 'help');
    assert.match(p.steps.find((s) => s.name === 'help')!.detail, /137|killed/i);
    const rest = await left(shared, report.runId);
    containersLeft += rest.length;
    assert.deepEqual(rest, []);
  });

  it('a host port that is taken does not matter: the service is published on a free loopback port', async () => {
    // Hold 8080 on loopback if it is free (if someone else holds it, it is taken all the same).
    const holder = net.createServer();
    await new Promise<void>((r) => holder.once('error', () => r()).listen(8080, '127.0.0.1', () => r()));
    try {
      const report = await runSmoke(await smokeOptions(context, { image: tags[0], port: 8080 }), { runner: shared });
      faults++;
      assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms, null, 1));
      assert.match(report.platforms[0].steps.find((s) => s.name === 'health')!.detail, /200/);
      const rest = await left(shared, report.runId);
      containersLeft += rest.length;
      assert.deepEqual(rest, []);
    } finally {
      holder.close();
    }
  });
});

describe('reliability: Docker faults on a daemon of our own (stopped mid-run, disk full)', function () {
  this.timeout(300_000);
  let d: TestDockerd;
  let context: string;
  const slow = 'ro-reliability-fixture:slow';

  before(async function () {
    this.timeout(300_000);
    context = makeContext();
    d = await startDockerd({ tmpfsMb: 96 });
    await build(d.runner, context, slow, 'slow', 600);
  });
  after(async () => {
    await d?.destroy();
    if (context) rmSync(context, { recursive: true, force: true });
    recordFigure('containers-left', 'docker faults', { containers: containersLeft });
    recordFigure('fault', 'docker', { injected: faults, survived: faults });
  });

  it('a build that runs out of disk: an environment verdict (exit 3) at the build step that names the cause, nothing left', async () => {
    const report = await runSmoke(
      await smokeOptions(context, {
        build: { dockerfile: path.join(context, 'Dockerfile.fill'), context, buildArgs: {} },
        port: 0,
        helpArgs: [],
      }),
      { runner: d.runner },
    );
    faults++;
    const p = report.platforms[0];
    assert.equal(report.outcome, 'environment', JSON.stringify(p, null, 1));
    assert.equal(p.failedStep, 'build', JSON.stringify(p, null, 1));
    assert.match(p.environmentProblem?.message ?? '', /ran out of disk space \(no space left on device\)/);
    assert.match(p.environmentProblem?.hint ?? '', /Free space/);
    recordFigure('fault', 'docker build disk full', {
      verdict: report.outcome,
      detail: p.steps.find((s) => s.name === 'build')!.detail.slice(-160),
    });
    const rest = await left(d.runner, report.runId);
    containersLeft += rest.length;
    assert.deepEqual(rest, []);
  });

  it('the daemon stopped in the middle of a run: an environment verdict that says to clean up, and once it is back cleanup leaves nothing', async () => {
    let runId = '';
    const trigger = onStep('help', () => d.stop());
    const report = await runSmoke(
      await smokeOptions(context, { image: slow, helpArgs: ['hang'], port: 0, commandTimeoutSeconds: 120 }),
      {
        runner: d.runner,
        onEvent: (e) => {
          if (e.type === 'run-started') runId = e.runId;
          trigger.onEvent(e);
        },
      },
    );
    await trigger.done;
    faults++;
    assert.equal(report.runId, runId);
    const p = report.platforms[0];
    // Not a broken image: the daemon killed the container on its way down, so the verdict is the environment's,
    // and it tells the operator to clean up once the daemon is back.
    assert.equal(report.outcome, 'environment', JSON.stringify(p, null, 1));
    assert.equal(p.outcome, 'environment');
    assert.equal(p.failedStep, 'help');
    assert.match(p.environmentProblem!.message, /The Docker daemon stopped during the run \(at the help step/);
    assert.match(p.environmentProblem!.hint!, /release-operator cleanup/);
    await d.start();
    const afterRestart = await left(d.runner, report.runId);
    recordFigure('fault', 'docker daemon stopped mid-run', {
      verdict: report.outcome,
      detail: p.steps.find((x) => x.name === 'help')!.detail,
      leftAfterRestart: afterRestart.length,
    });
    if (afterRestart.length) {
      // What the daemon still had when it stopped: the cleanup command is the remedy the verdict points to.
      const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
      if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `node esbuild.mjs` first');
      execFileSync('node', [cli, 'cleanup', '--docker', DOCKER, '--json'], {
        env: { ...process.env, ...d.env },
        encoding: 'utf8',
      });
    }
    const rest = await left(d.runner, report.runId);
    containersLeft += rest.length;
    assert.deepEqual(rest, []);
  });
});
