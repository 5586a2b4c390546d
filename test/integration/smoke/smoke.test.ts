import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ReleaseOperatorError } from '../../../src/core/errors';
import { freeLoopbackPort } from '../../../src/core/net';
import { runProcess, type Runner } from '../../../src/core/process/run';
import { RegistryClient } from '../../../src/core/registry';
import { runSmoke, type SmokeEvent, type SmokeReport } from '../../../src/core/smoke';
import { buildFixture, contextDir, DOCKER, leftovers, options, prepareContext, removeFixtures } from './fixture';

const step = (r: SmokeReport, platform: string, name: string) =>
  r.platforms.find((p) => p.platform === platform)!.steps.find((s) => s.name === name)!;

async function assertClean(report: SmokeReport) {
  assert.deepEqual(
    await leftovers(report.runId),
    { containers: [], images: [] },
    `run ${report.runId} left containers or images behind`,
  );
}

describe('smoke gate (real Docker, QEMU)', function () {
  this.timeout(240_000);
  const img: Record<string, string> = {};

  before(async function () {
    this.timeout(300_000);
    await prepareContext();
    for (const mode of ['healthy', 'help-fails', 'slow', 'never', 'crash', 'oom'])
      img[mode] = await buildFixture(mode, 'linux/amd64');
    img.arm64only = await buildFixture('healthy', 'linux/arm64');
    img.s390x = await buildFixture('healthy', 'linux/s390x');
  });
  after(removeFixtures);

  it('builds and passes both platforms with the BuildKit fallback, then removes its temporary images', async () => {
    const events: SmokeEvent[] = [];
    const report = await runSmoke(
      await options({
        build: { dockerfile: path.join(contextDir, 'Dockerfile'), context: contextDir, buildArgs: { MODE: 'healthy' } },
        platforms: ['linux/amd64', 'linux/arm64'],
      }),
      { runner: runProcess, onEvent: (e) => events.push(e) },
    );
    assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms, null, 1));
    assert.equal(report.builder, 'buildkit');
    assert.match(report.notes.join('\n'), /buildx is not installed.*DOCKER_BUILDKIT=1 docker build --platform/);
    const arm = report.platforms.find((p) => p.platform === 'linux/arm64')!;
    assert.equal(arm.emulated, true);
    assert.equal(arm.deadlineSeconds, 120);
    assert.deepEqual(
      arm.steps.map((s) => [s.name, s.passed]),
      [
        ['emulation', true],
        ['build', true],
        ['image', true],
        ['help', true],
        ['start', true],
        ['health', true],
      ],
    );
    assert.match(step(report, 'linux/arm64', 'image').detail, /\(linux\/arm64\)/);
    // Every step was announced and finished, per platform.
    for (const p of ['linux/amd64', 'linux/arm64']) {
      const started = events.filter((e) => e.type === 'step-started' && e.platform === p).length;
      const finished = events.filter((e) => e.type === 'step-finished' && e.platform === p).length;
      assert.equal(started, finished);
      assert.ok(started >= 5);
    }
    assert.equal(events.at(-1)?.type, 'run-finished');
    await assertClean(report);
  });

  it("fails a failing --help at the help step, with the container's own error line, and still checks the service", async () => {
    const report = await runSmoke(await options({ image: img['help-fails'], platforms: ['linux/amd64'] }), {
      runner: runProcess,
    });
    const p = report.platforms[0];
    assert.equal(report.outcome, 'failed');
    assert.equal(p.failedStep, 'help');
    assert.match(step(report, 'linux/amd64', 'help').detail, /'--help' exited 2/);
    assert.ok(
      p.logs?.some((l) => l.includes('unknown option --help (help-fails fixture)')),
      String(p.logs),
    );
    assert.match(p.psRow ?? '', /Exited \(2\)/);
    // The service runs beside the commands, so the report also says the service itself came up.
    assert.equal(step(report, 'linux/amd64', 'health').passed, true, step(report, 'linux/amd64', 'health').detail);
    assert.deepEqual(
      p.steps.map((s) => s.name),
      ['image', 'help', 'start', 'health'],
      'steps are reported in plan order',
    );
    await assertClean(report);
  });

  it('checks the version command against the pattern, and fails a mismatch with what it printed', async () => {
    const ok = await runSmoke(
      await options({
        image: img.healthy,
        platforms: ['linux/amd64'],
        versionArgs: ['--version'],
        versionPattern: '^fixture 1\\.2\\.3 ',
      }),
      { runner: runProcess },
    );
    assert.equal(ok.outcome, 'passed', JSON.stringify(ok.platforms[0].steps));
    assert.match(step(ok, 'linux/amd64', 'version').detail, /'--version' exited 0: fixture 1\.2\.3 \(x86_64\)/);
    await assertClean(ok);

    const wrong = await runSmoke(
      await options({
        image: img.healthy,
        platforms: ['linux/amd64'],
        versionArgs: ['--version'],
        versionPattern: '2\\.0\\.0',
      }),
      { runner: runProcess },
    );
    const p = wrong.platforms[0];
    assert.equal(p.outcome, 'failed');
    assert.equal(p.failedStep, 'version');
    assert.match(
      step(wrong, 'linux/amd64', 'version').detail,
      /printed 'fixture 1\.2\.3 \(x86_64\)', which does not match \/2\\\.0\\\.0\//,
    );
    assert.match(p.psRow ?? '', /Exited \(0\)/, 'the evidence is the version container');
    await assertClean(wrong);
  });

  it('fails a help command that never ends at its timeout, and removes the container it left running', async () => {
    // The fixture treats an unknown first argument as "serve", so this "help" runs the service forever.
    const report = await runSmoke(
      await options({ image: img.healthy, platforms: ['linux/amd64'], helpArgs: ['serve'], commandTimeoutSeconds: 2 }),
      { runner: runProcess },
    );
    const p = report.platforms[0];
    assert.equal(p.outcome, 'failed');
    assert.equal(p.failedStep, 'help');
    assert.match(step(report, 'linux/amd64', 'help').detail, /'serve' did not finish within 2 s/);
    assert.match(p.psRow ?? '', /Up /, 'the evidence shows the container still running at the timeout');
    await assertClean(report);
  });

  it('runs the help and version commands without a network unless told otherwise; the service always has one', async () => {
    const runs: string[][] = [];
    const recording: Runner = (cmd, args, o) => {
      if (args[0] === 'run') runs.push([...args]);
      return runProcess(cmd, args, o);
    };
    const network = (args: readonly string[]) =>
      args.includes('--network') ? args[args.indexOf('--network') + 1] : 'default';
    const isService = (args: readonly string[]) => args.includes('-d');
    const hermetic = await runSmoke(
      await options({
        image: img.healthy,
        platforms: ['linux/amd64'],
        versionArgs: ['--version'],
        versionPattern: '1\\.2\\.3',
      }),
      { runner: recording },
    );
    assert.equal(hermetic.outcome, 'passed', JSON.stringify(hermetic.platforms[0].steps));
    assert.deepEqual(runs.map((a) => [isService(a) ? 'service' : a.at(-1), network(a)]).sort(), [
      ['--help', 'none'],
      ['--version', 'none'],
      ['service', 'default'],
    ]);
    await assertClean(hermetic);

    runs.length = 0;
    const bridged = await runSmoke(
      await options({ image: img.healthy, platforms: ['linux/amd64'], commandNetwork: 'bridge' }),
      { runner: recording },
    );
    assert.equal(bridged.outcome, 'passed');
    assert.deepEqual(runs.map(network), ['default', 'default']);
    await assertClean(bridged);
  });

  it('passes a service that becomes healthy only after a delay', async () => {
    const report = await runSmoke(await options({ image: img.slow, platforms: ['linux/amd64'] }), {
      runner: runProcess,
    });
    assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms[0].steps));
    const health = step(report, 'linux/amd64', 'health');
    assert.match(health.detail, /200 ok/);
    assert.doesNotMatch(health.detail, /\(1 attempt\)/, 'a service that sleeps 3 s cannot answer the first probe');
    await assertClean(report);
  });

  it('fails a never-healthy service at the deadline with the last answer', async () => {
    const report = await runSmoke(await options({ image: img.never, platforms: ['linux/amd64'], timeoutSeconds: 3 }), {
      runner: runProcess,
    });
    const p = report.platforms[0];
    assert.equal(p.outcome, 'failed');
    assert.equal(p.failedStep, 'health');
    assert.match(
      step(report, 'linux/amd64', 'health').detail,
      /not healthy by the deadline.*body does not contain 'ok': starting.*deadline 3 s/,
    );
    assert.equal(p.exit, undefined, 'the container was still running');
    assert.ok(p.logs?.some((l) => l.includes('fixture (never) listening on 8080')));
    await assertClean(report);
  });

  it('stops early when the container exits, with its exit code and error line', async () => {
    const report = await runSmoke(
      await options({ image: img.crash, platforms: ['linux/amd64'], timeoutSeconds: 60, helpArgs: [] }),
      { runner: runProcess },
    );
    const p = report.platforms[0];
    const health = step(report, 'linux/amd64', 'health');
    assert.equal(p.outcome, 'failed');
    assert.equal(p.failedStep, 'health');
    assert.deepEqual(p.exit, { exitCode: 3, oomKilled: false });
    assert.match(health.detail, /exited with code 3/);
    assert.ok(
      health.durationMs < p.deadlineSeconds * 1000,
      `stopped after ${health.durationMs} ms, deadline ${p.deadlineSeconds} s`,
    );
    assert.ok(
      p.logs?.some((l) => l.includes('fatal: cannot open /etc/fixture.conf')),
      String(p.logs),
    );
    await assertClean(report);
  });

  it('build arguments (smoke.buildArgs) reach the build: MODE=help-fails builds an image whose --help fails', async () => {
    const report = await runSmoke(
      await options({
        build: {
          dockerfile: path.join(contextDir, 'Dockerfile'),
          context: contextDir,
          buildArgs: { MODE: 'help-fails', DELAY: '0' },
        },
        platforms: ['linux/amd64'],
      }),
      { runner: runProcess },
    );
    assert.equal(report.platforms[0].failedStep, 'help', JSON.stringify(report.platforms[0].steps));
    assert.ok(
      report.platforms[0].logs?.some((l) => l.includes('unknown option --help (help-fails fixture)')),
      String(report.platforms[0].logs),
    );
    assert.equal(step(report, 'linux/amd64', 'health').passed, true);
    await assertClean(report);
  });

  it('a memory limit (smoke.memory): a service that needs more is killed out of memory and fails early; a help that does, too; the healthy one passes under it', async () => {
    const report = await runSmoke(
      await options({ image: img.oom, platforms: ['linux/amd64'], timeoutSeconds: 60, helpArgs: [], memory: '32m' }),
      { runner: runProcess },
    );
    const p = report.platforms[0];
    assert.equal(p.outcome, 'failed');
    assert.equal(p.failedStep, 'health');
    // Docker 20.10 on cgroup v2 does not always flag the kill as out of memory (its OOM event can come after the
    // exit); the verdict says which it is.
    assert.equal(p.exit?.exitCode, 137);
    const killed = p.exit?.oomKilled
      ? 'killed: out of memory, limit 32m'
      : 'killed; most likely out of memory under the 32m limit \\(the engine did not say\\)';
    assert.match(
      step(report, 'linux/amd64', 'health').detail,
      new RegExp(`the container exited with code 137 \\(${killed}\\)`),
    );
    assert.ok(step(report, 'linux/amd64', 'health').durationMs < 30_000, 'stopped early, not at the deadline');
    assert.ok(
      p.logs?.some((l) => l.includes('loading the cache (200 MiB)')),
      String(p.logs),
    );
    await assertClean(report);

    const help = await runSmoke(
      await options({ image: img.healthy, platforms: ['linux/amd64'], helpArgs: ['--oom'], memory: '32m' }),
      { runner: runProcess },
    );
    assert.equal(help.platforms[0].failedStep, 'help');
    assert.match(
      step(help, 'linux/amd64', 'help').detail,
      /'--oom' was killed(: out of memory, limit 32m|; most likely out of memory under the 32m limit \(the engine did not say\)): allocating 200 MiB/,
    );
    assert.equal(help.platforms[0].exit?.exitCode, 137);
    assert.equal(step(help, 'linux/amd64', 'health').passed, true, 'the service itself fits');
    await assertClean(help);

    // Without the limit the same image starts (this host has the memory): the limit is what the gate checks.
    const free = await runSmoke(
      await options({ image: img.healthy, platforms: ['linux/amd64'], helpArgs: ['--oom'], memory: '' }),
      { runner: runProcess },
    );
    assert.equal(step(free, 'linux/amd64', 'help').passed, true, JSON.stringify(free.platforms[0].steps));
    await assertClean(free);

    await assert.rejects(
      runSmoke(await options({ image: img.healthy, platforms: ['linux/amd64'], memory: '1k' }), { runner: runProcess }),
      (e: ReleaseOperatorError) => e.kind === 'usage' && /'1k' is not a size Docker accepts/.test(e.message),
    );
  });

  it('publishes the service on another port when the one it picked was taken meanwhile', async () => {
    // Something else listens on the port the run picks first (the race between picking and docker binding it).
    const squatter = net.createServer().listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const taken = (squatter.address() as net.AddressInfo).port;
    const picked: number[] = [];
    try {
      const report = await runSmoke(await options({ image: img.healthy, platforms: ['linux/amd64'] }), {
        runner: runProcess,
        freePort: async () => {
          const port = picked.length ? await freeLoopbackPort() : taken;
          picked.push(port);
          return port;
        },
      });
      assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms[0].steps));
      assert.equal(picked.length, 2);
      assert.match(
        step(report, 'linux/amd64', 'start').detail,
        new RegExp(`published on 127\\.0\\.0\\.1:${picked[1]}$`),
      );
      assert.match(
        step(report, 'linux/amd64', 'health').detail,
        new RegExp(`127\\.0\\.0\\.1:${picked[1]}/health -> 200 ok`),
      );
      await assertClean(report);
    } finally {
      squatter.close();
    }
  });

  it('refuses an arm64-only image asked for amd64 at the image step', async () => {
    const report = await runSmoke(await options({ image: img.arm64only, platforms: ['linux/amd64'] }), {
      runner: runProcess,
    });
    const p = report.platforms[0];
    assert.equal(p.outcome, 'failed');
    assert.equal(p.failedStep, 'image');
    assert.match(step(report, 'linux/amd64', 'image').detail, /is linux\/arm64, not linux\/amd64/);
    assert.equal(step(report, 'linux/amd64', 'help').skipped, true);
    await assertClean(report);
  });

  describe('emulation missing', () => {
    let fakeBinfmt: string;
    before(async function () {
      const real = await readFile('/proc/sys/fs/binfmt_misc/qemu-s390x', 'utf8').catch(() => '');
      if (real)
        throw new Error('These tests need a platform without a QEMU handler, but qemu-s390x is registered here.');
      fakeBinfmt = await mkdtemp(path.join(os.tmpdir(), 'ro-binfmt-'));
      await writeFile(path.join(fakeBinfmt, 'status'), 'enabled\n');
      await writeFile(path.join(fakeBinfmt, 'qemu-s390x'), 'enabled\ninterpreter /nonexistent\n');
    });
    after(() => rm(fakeBinfmt, { recursive: true, force: true }));

    it('says before running that no QEMU handler is registered, as an environment problem', async () => {
      const report = await runSmoke(await options({ image: img.s390x, platforms: ['linux/s390x'] }), {
        runner: runProcess,
      });
      const p = report.platforms[0];
      assert.equal(report.outcome, 'environment');
      assert.equal(p.failedStep, 'emulation');
      assert.match(p.environmentProblem!.message, /qemu-s390x does not exist/);
      assert.match(p.environmentProblem!.hint!, /binfmt/);
      await assertClean(report);
    });

    it('turns a real exec format error into an environment problem with the fix', async () => {
      // binfmt claims a handler that the kernel does not have, so the container really fails to exec.
      const report = await runSmoke(
        await options({ image: img.s390x, platforms: ['linux/s390x'], binfmtDir: fakeBinfmt }),
        { runner: runProcess },
      );
      const p = report.platforms[0];
      assert.equal(report.outcome, 'environment', JSON.stringify(p.steps));
      assert.equal(p.failedStep, 'help');
      assert.match(p.environmentProblem!.message, /exec format error/);
      assert.match(p.environmentProblem!.hint!, /qemu-user-static|binfmt/);
      await assertClean(report);
    });
  });

  it('cleans up everything when cancelled in the middle of a run', async () => {
    const ac = new AbortController();
    const events: SmokeEvent[] = [];
    const report = await runSmoke(
      await options({ image: img.never, platforms: ['linux/amd64'], timeoutSeconds: 120 }),
      {
        runner: runProcess,
        signal: ac.signal,
        onEvent: (e) => {
          events.push(e);
          // Cancel once the service container runs and is being polled.
          if (e.type === 'step-started' && e.step === 'health') setTimeout(() => ac.abort(), 300);
        },
      },
    );
    assert.equal(report.outcome, 'cancelled');
    assert.equal(report.platforms[0].outcome, 'cancelled');
    assert.ok(
      events.some((e) => e.type === 'step-finished' && e.step.name === 'start' && e.step.passed),
      'the container had started',
    );
    await assertClean(report);
  });

  describe('environment', () => {
    it('docker missing: an environment error that names the setting', async () => {
      await assert.rejects(
        runSmoke(await options({ image: img.healthy, dockerPath: '/nonexistent/docker' }), { runner: runProcess }),
        (e: any) => {
          assert.equal(e.kind, 'environment');
          assert.match(e.message, /Cannot run '\/nonexistent\/docker': not found/);
          assert.match(e.hint, /releaseOperator\.dockerPath/);
          return true;
        },
      );
    });

    it('daemon down: an environment error that says to start Docker', async () => {
      const runner: Runner = (c, a, o) =>
        runProcess(c, a, { ...o, env: { ...o?.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
      await assert.rejects(runSmoke(await options({ image: img.healthy }), { runner }), (e: any) => {
        assert.equal(e.kind, 'environment');
        assert.match(e.message, /daemon is not reachable/);
        return true;
      });
    });

    it('a client that can neither buildx nor BuildKit-build: says exactly what is missing', async function () {
      const docker28 = '/usr/local/bin/docker';
      const v = await runProcess(docker28, ['buildx', 'version']).catch(() => undefined);
      if (!v || v.exitCode === 0)
        throw new Error(`${docker28} must be the test bed's Docker 28 client without buildx (see TESTBED.md).`);
      const report = await runSmoke(
        await options({
          dockerPath: docker28,
          build: { dockerfile: path.join(contextDir, 'Dockerfile'), context: contextDir, buildArgs: {} },
          platforms: ['linux/amd64'],
        }),
        { runner: runProcess },
      );
      const p = report.platforms[0];
      assert.equal(report.outcome, 'environment');
      assert.equal(p.failedStep, 'build');
      assert.match(p.environmentProblem!.message, /buildx plugin is missing.*DOCKER_BUILDKIT=1 docker build/);
      assert.match(p.environmentProblem!.hint!, /Install the buildx plugin.*releaseOperator\.dockerPath \/ --docker/);
      await assertClean(report);
    });
  });

  it("runs a multi-platform reference by each platform's own image", async () => {
    const repo = `${process.env.RO_TESTBED_REGISTRY ?? '127.0.0.1:5000'}/ro-smoke-test/multi-${Date.now().toString(36)}`;
    const sh = async (cmd: string, args: string[]) => {
      const r = await runProcess(cmd, args);
      assert.equal(r.exitCode, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
    };
    const arm = await buildFixture('healthy', 'linux/arm64');
    for (const [src, arch] of [
      [img.healthy, 'amd64'],
      [arm, 'arm64'],
    ]) {
      await sh(DOCKER, ['tag', src, `${repo}:${arch}`]);
      await sh(DOCKER, ['push', `${repo}:${arch}`]);
      await sh(DOCKER, ['rmi', `${repo}:${arch}`]);
    }
    // The Docker 28 client writes the manifest list (the 20.10 one needs experimental mode for it).
    await sh('/usr/local/bin/docker', [
      'manifest',
      'create',
      '--insecure',
      `${repo}:multi`,
      `${repo}:amd64`,
      `${repo}:arm64`,
    ]);
    await sh('/usr/local/bin/docker', ['manifest', 'push', '--purge', '--insecure', `${repo}:multi`]);
    try {
      // Without a registry client: each platform pulls the tag with --platform, one after the other.
      const report = await runSmoke(
        await options({ image: `${repo}:multi`, platforms: ['linux/amd64', 'linux/arm64'] }),
        { runner: runProcess },
      );
      assert.equal(report.outcome, 'passed', JSON.stringify(report.platforms.map((p) => p.steps)));
      const [a, b] = report.platforms;
      assert.notEqual(a.imageId, b.imageId);
      assert.match(step(report, 'linux/amd64', 'image').detail, /\(linux\/amd64, pulled\)|\(linux\/amd64\)/);
      assert.match(step(report, 'linux/arm64', 'image').detail, /\(linux\/arm64, pulled\)/);
      await assertClean(report);

      // With one: each platform runs its index entry by digest, and the local tag is not touched.
      await sh(DOCKER, ['rmi', `${repo}:multi`]);
      const index = await new RegistryClient({ credentials: async () => undefined }).getManifest(`${repo}:multi`);
      const entries = Object.fromEntries(
        (index.json as { manifests: Array<{ digest: string; platform: { architecture: string } }> }).manifests.map(
          (m) => [m.platform.architecture, m.digest],
        ),
      );
      const pinned = await runSmoke(
        await options({ image: `${repo}:multi`, platforms: ['linux/amd64', 'linux/arm64'] }),
        { runner: runProcess, registry: new RegistryClient({ credentials: async () => undefined }) },
      );
      assert.equal(pinned.outcome, 'passed', JSON.stringify(pinned.platforms.map((p) => p.steps)));
      for (const arch of ['amd64', 'arm64']) {
        assert.match(
          step(pinned, `linux/${arch}`, 'image').detail,
          new RegExp(`\\(linux/${arch}(, pulled)?\\), index entry ${entries[arch].slice(0, 19)}`),
        );
      }
      assert.deepEqual(
        pinned.platforms.map((p) => p.imageId),
        report.platforms.map((p) => p.imageId),
        'the same images as the tag pulls',
      );
      assert.notEqual(
        (await runProcess(DOCKER, ['image', 'inspect', `${repo}:multi`])).exitCode,
        0,
        'the smoke run left the local tag alone',
      );
      await assertClean(pinned);
    } finally {
      // The pulls left the tag and digest references (repo@sha256:...) behind; the images are the fixtures'.
      const refs = await runProcess(DOCKER, [
        'images',
        '--digests',
        '--filter',
        `reference=${repo}`,
        '--format',
        '{{.Repository}}@{{.Digest}}',
      ]);
      const digests = refs.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.endsWith('@<none>'));
      await runProcess(DOCKER, ['rmi', ...digests]);
      await runProcess(DOCKER, ['rmi', `${repo}:multi`]);
    }
  });

  it('uses the given docker executable for every command', async () => {
    const seen = new Set<string>();
    const runner: Runner = (c, a, o) => (seen.add(c), runProcess(c, a, o));
    const report = await runSmoke(await options({ image: img.healthy, platforms: ['linux/amd64'], port: 0 }), {
      runner,
    });
    assert.equal(report.outcome, 'passed');
    assert.deepEqual([...seen], [DOCKER]);
    assert.deepEqual(
      report.platforms[0].steps.map((s) => s.name),
      ['image', 'help'],
    );
  });
});
