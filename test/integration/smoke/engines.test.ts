import assert from 'node:assert/strict';
import { checkGlibc } from '../../../src/core/glibc';
import type { Logger } from '../../../src/core/log';
import { runProcess, type Runner } from '../../../src/core/process/run';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineSpec } from '../../../src/core/container';
import { smokeChecks } from '../../../src/core/gate';
import { runSmoke, type SmokeEvent, type SmokeReport } from '../../../src/core/smoke';
import { startDockerd, type TestDockerd } from '../../helpers/dockerd';
import { startSshd, type TestSshd } from '../../helpers/sshd';
import { buildFixture, DOCKER, options, prepareContext, removeFixtures } from './fixture';

/** Containers of a run on one engine (by its label), listed through that engine. */
async function containersOn(host: string | undefined, runId: string): Promise<string[]> {
  const r = await runProcess(DOCKER, [
    ...(host ? ['--host', host] : []),
    'ps',
    '-aq',
    '--filter',
    `label=release-operator.smoke=${runId}`,
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.trim());
}

/** docker save on the shared engine | docker load on the test's engine: nothing comes from a registry. */
async function loadInto(host: string, tag: string): Promise<void> {
  const r = await runProcess(
    'bash',
    ['-o', 'pipefail', '-c', `${DOCKER} save "$1" | ${DOCKER} --host "$2" load -q`, '-', tag, host],
    {
      timeoutMs: 300_000,
    },
  );
  assert.equal(r.exitCode, 0, r.stderr);
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, logger: { debug: push, info: push, warn: push, error: push } as unknown as Logger };
}

describe('an engine per platform (a second dockerd, and the same engine over ssh)', function () {
  this.timeout(300_000);
  let d2: TestDockerd;
  let sshd: TestSshd | undefined;
  let amd64: string;
  let arm64: string;
  let slowArm64: string;

  before(async function () {
    this.timeout(600_000);
    d2 = await startDockerd({ tcp: true });
    await prepareContext();
    amd64 = await buildFixture('healthy', 'linux/amd64');
    arm64 = await buildFixture('healthy', 'linux/arm64');
    slowArm64 = await buildFixture('slow', 'linux/arm64', ['--build-arg', 'DELAY=60']);
    for (const tag of [arm64, slowArm64]) await loadInto(d2.host, tag);
    // The arm64 images exist only on the second engine from here on: a run that found them here used the wrong one.
    const rmi = await runProcess(DOCKER, ['rmi', arm64, slowArm64]);
    assert.equal(rmi.exitCode, 0, rmi.stderr);
  });
  after(async function () {
    this.timeout(120_000);
    await sshd?.stop();
    await d2?.destroy();
    await removeFixtures().catch(() => undefined);
  });

  const smoke = async (
    engine: string | EngineSpec,
    runner: Runner,
    extra: { image?: string; signal?: AbortSignal } = {},
  ) => {
    const events: SmokeEvent[] = [];
    const report = await runSmoke(
      await options({
        platforms: ['linux/amd64', 'linux/arm64'],
        platformImages: { 'linux/amd64': amd64, 'linux/arm64': extra.image ?? arm64 },
        engines: { 'linux/arm64': typeof engine === 'string' ? { host: engine } : engine },
      }),
      { runner, onEvent: (e) => events.push(e), signal: extra.signal },
    );
    return { report, events };
  };

  const assertNoneLeft = async (report: SmokeReport, engine: string) => {
    assert.deepEqual(await containersOn(undefined, report.runId), [], 'containers left on the default engine');
    assert.deepEqual(await containersOn(engine, report.runId), [], `containers left on ${engine}`);
  };

  it('smokes arm64 on the second engine and amd64 here, says the engine is really amd64 (QEMU), leaves nothing', async () => {
    const { report, events } = await smoke(d2.host, runProcess);
    assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms, null, 1));
    const arm = report.platforms.find((p) => p.platform === 'linux/arm64')!;
    const amd = report.platforms.find((p) => p.platform === 'linux/amd64')!;
    assert.deepEqual(arm.engine, { name: d2.host, architecture: 'amd64', configured: true, named: true });
    assert.equal(amd.engine?.configured, false);
    assert.equal(arm.emulated, true, 'an amd64 engine runs arm64 under QEMU, whatever it was configured for');
    assert.match(
      report.notes.join('\n'),
      /linux\/arm64 runs on unix:\/\/.*, an engine of architecture amd64, not arm64: .*emulated there \(QEMU\)/,
    );
    const started = events.find((e) => e.type === 'platform-started' && e.platform === 'linux/arm64');
    assert.match(JSON.stringify(started), /"engine":"unix:\/\/.* \(amd64\)"/);
    await assertNoneLeft(report, d2.host);
  });

  it('over ssh://: the docker CLI dials the engine through a real sshd, the health probe goes through ssh -L', async () => {
    sshd = await startSshd(d2.host);
    const { report } = await smoke(sshd.url, sshd.runner);
    assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms, null, 1));
    const arm = report.platforms.find((p) => p.platform === 'linux/arm64')!;
    assert.equal(arm.engine?.name, sshd.url);
    // Another machine's binfmt folder cannot be read here: said, and the run finds out itself.
    assert.match(arm.steps.find((s) => s.name === 'emulation')!.detail, /cannot tell on ssh:\/\/root@127\.0\.0\.1:\d+/);
    assert.match(arm.steps.find((s) => s.name === 'health')!.detail, /GET http:\/\/127\.0\.0\.1:\d+\/health -> 200/);
    await assertNoneLeft(report, d2.host);
  });

  it('a cancel removes the container on the engine that started it', async () => {
    const controller = new AbortController();
    const events: SmokeEvent[] = [];
    const pending = runSmoke(
      await options({
        platforms: ['linux/arm64'],
        platformImages: { 'linux/arm64': slowArm64 },
        engines: { 'linux/arm64': { host: d2.host } },
      }),
      {
        runner: runProcess,
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          // Cancelled while the service container runs on the second engine.
          if (e.type === 'step-finished' && e.step.name === 'start') controller.abort();
        },
      },
    );
    const report = await pending;
    assert.equal(report.outcome, 'cancelled');
    assert.ok(events.some((e) => e.type === 'step-finished' && e.step.name === 'start' && e.step.passed));
    await assertNoneLeft(report, d2.host);
  });

  it('glibc reads a local image on the platform’s ssh:// engine through docker export, never its storage', async () => {
    assert.ok(sshd, 'the ssh test above starts sshd');
    const { logger, lines } = capture();
    const report = await checkGlibc(
      { target: `docker-daemon:${arm64}`, platforms: ['linux/arm64'], paths: ['/bin'] },
      { runner: sshd.runner, dockerPath: DOCKER, engines: { 'linux/arm64': { host: sshd.url } }, logger },
    );
    assert.equal(report.platforms[0].platform, 'linux/arm64');
    assert.ok(
      report.platforms[0].binaries.some((b) => b.path === '/bin/busybox'),
      JSON.stringify(report),
    );
    assert.match(lines.join('\n'), /read through docker export of a created container/);
    assert.match(lines.join('\n'), /on ssh:\/\/root@127\.0\.0\.1/);
    // The container made to export the image is gone from the engine.
    const left = await runProcess(DOCKER, ['--host', d2.host, 'ps', '-aq', '--filter', 'label=release-operator.glibc']);
    assert.equal(left.stdout.trim(), '');
  });

  it('over tcp://: the second engine also listening on loopback TCP; the probe dials the published port there', async () => {
    assert.ok(d2.tcpHost);
    const { report } = await smoke(d2.tcpHost, runProcess);
    assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms, null, 1));
    const arm = report.platforms.find((p) => p.platform === 'linux/arm64')!;
    assert.deepEqual(arm.engine, { name: d2.tcpHost, architecture: 'amd64', configured: true, named: true });
    // A tcp:// engine may be another machine: its binfmt folder is not read here, its port is dialled at its host.
    assert.match(arm.steps.find((s) => s.name === 'emulation')!.detail, /cannot tell on tcp:\/\/127\.0\.0\.1:\d+/);
    assert.match(arm.steps.find((s) => s.name === 'health')!.detail, /GET http:\/\/127\.0\.0\.1:\d+\/health -> 200/);
    await assertNoneLeft(report, d2.host);
  });

  /** A DOCKER_CONFIG of the test's own (the user's contexts are never touched) and a runner that uses it. */
  const dockerConfig = async (contexts: Record<string, string>, use?: string, base: Runner = runProcess) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-docker-config-'));
    configs.push(dir);
    const runner: Runner = (c, a, o = {}) => base(c, a, { ...o, env: { ...o.env, DOCKER_CONFIG: dir } });
    for (const [name, host] of Object.entries(contexts)) {
      const r = await runner(DOCKER, ['context', 'create', name, '--docker', `host=${host}`]);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    if (use) {
      const r = await runner(DOCKER, ['context', 'use', use]);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    return runner;
  };
  const configs: string[] = [];
  after(() => configs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const ctxName = `ro-test-${process.pid}`;

  it('a docker context engine: arm64 on the context, its container removed there, also on cancel', async () => {
    const runner = await dockerConfig({ [ctxName]: d2.host });
    const { report } = await smoke({ context: ctxName }, runner);
    assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms, null, 1));
    const arm = report.platforms.find((p) => p.platform === 'linux/arm64')!;
    assert.deepEqual(arm.engine, {
      name: `docker context ${ctxName}`,
      architecture: 'amd64',
      configured: true,
      named: true,
    });
    // The context names a unix socket of this machine: its binfmt handlers are read here.
    assert.match(arm.steps.find((s) => s.name === 'emulation')!.detail, /QEMU handler registered/);
    await assertNoneLeft(report, d2.host);

    const controller = new AbortController();
    const cancelled = await runSmoke(
      await options({
        platforms: ['linux/arm64'],
        platformImages: { 'linux/arm64': slowArm64 },
        engines: { 'linux/arm64': { context: ctxName } },
      }),
      {
        runner,
        signal: controller.signal,
        onEvent: (e) => e.type === 'step-finished' && e.step.name === 'start' && controller.abort(),
      },
    );
    assert.equal(cancelled.outcome, 'cancelled');
    await assertNoneLeft(cancelled, d2.host);
  });

  it('a default engine that DOCKER_HOST=ssh:// puts elsewhere is taken as remote, and the verdict says which and how', async () => {
    assert.ok(sshd, 'the ssh test above starts sshd');
    const ssh = sshd;
    const runner: Runner = (c, a, o = {}) => ssh.runner(c, a, { ...o, env: { ...o.env, DOCKER_HOST: ssh.url } });
    const report = await runSmoke(
      await options({ platforms: ['linux/arm64'], platformImages: { 'linux/arm64': arm64 } }),
      { runner },
    );
    assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms, null, 1));
    const arm = report.platforms[0];
    const named = `the default engine ${ssh.url} (from DOCKER_HOST)`;
    assert.deepEqual(arm.engine, { name: named, architecture: 'amd64', configured: false, named: true });
    // Remote: the binfmt folder here is not taken for the engine's, and the probe goes through ssh -L.
    assert.equal(arm.steps.find((s) => s.name === 'emulation')!.detail.startsWith(`cannot tell on ${named}`), true);
    assert.match(arm.steps.find((s) => s.name === 'health')!.detail, /-> 200/);
    const [row] = smokeChecks(report, {});
    assert.match(row.summary, new RegExp(`on ${named.replace(/[/.()]/g, '\\$&')} \\(amd64\\) \\(emulated\\)`));
    assert.match(report.notes.join('\n'), /linux\/arm64 runs on the default engine ssh:\/\/.*architecture amd64/);
    await assertNoneLeft(report, d2.host);
  });

  it('glibc on a default engine that the current docker context points at over ssh reads through export', async () => {
    assert.ok(sshd, 'the ssh test above starts sshd');
    const runner = await dockerConfig({ [`${ctxName}-ssh`]: sshd.url }, `${ctxName}-ssh`, sshd.runner);
    const { logger, lines } = capture();
    const report = await checkGlibc(
      { target: `docker-daemon:${arm64}`, platforms: ['linux/arm64'], paths: ['/bin'] },
      { runner, dockerPath: DOCKER, logger },
    );
    assert.ok(
      report.platforms[0].binaries.some((b) => b.path === '/bin/busybox'),
      JSON.stringify(report),
    );
    assert.match(
      lines.join('\n'),
      new RegExp(
        `is on the default engine ssh://root@127\\.0\\.0\\.1:\\d+ \\(from the current docker context ${ctxName}-ssh\\): read through docker export`,
      ),
    );
    const left = await runProcess(DOCKER, ['--host', d2.host, 'ps', '-aq', '--filter', 'label=release-operator.glibc']);
    assert.equal(left.stdout.trim(), '');
  });

  it('an engine that cannot be reached is an environment fault that names it', async () => {
    await assert.rejects(smoke('unix:///nonexistent/docker.sock', runProcess), (e: Error & { kind?: string }) => {
      assert.equal(e.kind, 'environment');
      assert.match(e.message, /The Docker daemon of unix:\/\/\/nonexistent\/docker\.sock is not reachable/);
      return true;
    });
  });
});
