import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { runProcess } from '../../../src/core/process/run';
import type { ReadinessReport } from '../../../src/core/report';
import { startDockerd, type TestDockerd } from '../../helpers/dockerd';
import { DOCKER, GATE_TEST_LABEL, releaseWorkspace, type Workspace } from '../../helpers/release-fixture';

/**
 * Done when (#25): a repository with two images and arm64 on a second engine passes `gate` end to end on the test
 * bed, with no container left on either engine.
 */
describe('gate over two images, arm64 on a second engine (real engines, the CLI in process)', function () {
  this.timeout(600_000);
  let d2: TestDockerd;
  let ws: Workspace;
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const tag = (image: string, arch: string) => `ro-gate-images-${image}:${id}-${arch}`;

  const must = async (args: string[], env?: Record<string, string>) => {
    const r = await runProcess(args[0], args.slice(1), { env, timeoutMs: 300_000 });
    assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  /** Every container on an engine that any release-operator run made. */
  const productContainers = (host?: string) =>
    must([DOCKER, ...(host ? ['--host', host] : []), 'ps', '-aq', '--filter', 'label=release-operator=1']).then((s) =>
      s.split('\n').filter(Boolean),
    );

  before(async function () {
    this.timeout(900_000);
    d2 = await startDockerd();
    ws = await releaseWorkspace({ tag: 'v1.0.0' });
    // The second image: a worker from a Dockerfile of its own (no service: its port is 0).
    mkdirSync(path.join(ws.dir, 'worker'));
    writeFileSync(
      path.join(ws.dir, 'worker', 'Dockerfile'),
      [
        'FROM scratch',
        'ARG TARGETARCH',
        'COPY busybox-${TARGETARCH} /bin/busybox',
        'COPY entrypoint.sh /entrypoint.sh',
        'ENV SMOKE_MODE=healthy',
        'ENTRYPOINT ["/bin/busybox", "sh", "/entrypoint.sh"]',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(ws.dir, 'release-operator.json'),
      JSON.stringify({
        dockerPath: DOCKER,
        requiredPlatforms: ['linux/amd64', 'linux/arm64'],
        engines: { 'linux/arm64': { host: d2.host } },
        images: [
          { name: 'app', image: '127.0.0.1:5999/acme/app' },
          { name: 'worker', image: '127.0.0.1:5999/acme/worker', dockerfile: 'worker/Dockerfile', smoke: { port: 0 } },
        ],
      }),
    );
    for (const [image, dockerfile] of [
      ['app', 'Dockerfile'],
      ['worker', 'worker/Dockerfile'],
    ])
      for (const arch of ['amd64', 'arm64']) {
        await must(
          [
            DOCKER,
            'build',
            '-q',
            '--platform',
            `linux/${arch}`,
            '--label',
            GATE_TEST_LABEL,
            '-f',
            path.join(ws.dir, dockerfile),
            '-t',
            tag(image, arch),
            ws.dir,
          ],
          { DOCKER_BUILDKIT: '1' },
        );
        ws.built.push(tag(image, arch));
      }
    // arm64 lives on the second engine only: docker save here | docker load there, then removed here.
    for (const image of ['app', 'worker']) {
      await must([
        'bash',
        '-o',
        'pipefail',
        '-c',
        `${DOCKER} save "$1" | ${DOCKER} --host "$2" load -q`,
        '-',
        tag(image, 'arm64'),
        d2.host,
      ]);
      await must([DOCKER, 'rmi', tag(image, 'arm64')]);
    }
  });
  after(async function () {
    this.timeout(120_000);
    await ws?.remove();
    await d2?.destroy();
  });

  it('gate --stage pre-push passes for both images, arm64 smoked on the second engine, nothing left on either', async () => {
    const before = { here: await productContainers(), there: await productContainers(d2.host) };
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [
        'gate',
        '--stage',
        'pre-push',
        '--local',
        `app:linux/amd64=${tag('app', 'amd64')}`,
        '--local',
        `app:linux/arm64=${tag('app', 'arm64')}`,
        '--local',
        `worker:linux/amd64=${tag('worker', 'amd64')}`,
        '--local',
        `worker:linux/arm64=${tag('worker', 'arm64')}`,
        '--record',
        path.join(ws.dir, '.records'),
        '--json',
        '--cwd',
        ws.dir,
      ],
      { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { PATH: process.env.PATH } },
      new AbortController().signal,
    );
    const report = JSON.parse(stdout) as ReadinessReport;
    const rows = report.checks.map((c) => `${c.title} ${c.subject ?? ''}: ${c.verdict} ${c.summary}`);
    assert.equal(code, 0, `${rows.join('\n')}\n${stderr.slice(-3000)}`);
    assert.equal(report.verdict, 'pass');
    // One report, rows per image: each image's glibc and smoke per platform.
    for (const image of ['app', 'worker'])
      for (const platform of ['linux/amd64', 'linux/arm64'])
        for (const title of ['glibc', 'Smoke'])
          assert.ok(
            report.checks.some(
              (c) => c.title === title && c.subject === `${image} ${platform}` && c.verdict === 'pass',
            ),
            `${title} ${image} ${platform} missing:\n${rows.join('\n')}`,
          );
    assert.equal(report.image, '127.0.0.1:5999/acme/app, 127.0.0.1:5999/acme/worker');
    // The workflows are the repository's: one lint row, no image in its subject, not one per image; each image's
    // Dockerfile is a row of that image, and the repository row does not lint them again.
    const lint = report.checks.filter((c) => c.id === 'lint');
    assert.deepEqual(
      lint.map((c) => [c.title, c.subject]),
      [
        ['Pipeline lint', undefined],
        ['Dockerfile lint', 'app Dockerfile'],
        ['Dockerfile lint', 'worker worker/Dockerfile'],
      ],
      rows.join('\n'),
    );
    assert.deepEqual(lint[0].evidence?.files, ['.github/workflows/release.yml']);
    assert.deepEqual(lint[1].evidence?.files, ['Dockerfile']);
    assert.deepEqual(lint[2].evidence?.files, ['worker/Dockerfile']);
    assert.equal(stderr.match(/Pipeline lint/g)?.length, 1, 'the repository lint runs once');
    // arm64 ran on the second engine, and the report says that engine is amd64 (QEMU), not a native arm64 one.
    const arm = report.checks.find((c) => c.title === 'Smoke' && c.subject === 'app linux/arm64')!;
    assert.match(arm.summary, new RegExp(`on ${d2.host.replace(/[/.]/g, '\\$&')} \\(amd64\\) \\(emulated\\)`));
    assert.match(stderr, /linux\/arm64 runs on unix:\/\/.*an engine of architecture amd64, not arm64/);
    // The worker has no service: its smoke is help only.
    const worker = report.checks.find((c) => c.title === 'Smoke' && c.subject === 'worker linux/amd64')!;
    assert.doesNotMatch(String(worker.evidence?.steps), /health/);
    // Each image wrote its own record into the one folder.
    const records = report.context ?? {};
    assert.match(records['app record'] ?? '', /pre-push-app-linux-amd64\+linux-arm64\.json/);
    assert.match(records['worker record'] ?? '', /pre-push-worker-linux-amd64\+linux-arm64\.json/);
    const rec = JSON.parse(
      readFileSync(path.join(ws.dir, '.records', 'pre-push-worker-linux-amd64+linux-arm64.json'), 'utf8'),
    ) as { image: string };
    assert.equal(rec.image, '127.0.0.1:5999/acme/worker');
    // No container left on either engine. The shared engine may hold other suites' runs meanwhile, so there only
    // this run's are counted: its smoke runs (ids from the progress lines) and glibc reads of its images.
    const runIds = [...stderr.matchAll(/smoke run (\S+):/g)].map((m) => m[1]);
    assert.equal(runIds.length, 2, `one smoke run per image:\n${stderr.slice(-2000)}`);
    const ours = async (host?: string) => {
      const left: string[] = [];
      for (const filter of [
        ...runIds.map((id) => `label=release-operator.smoke=${id}`),
        ...['app', 'worker'].flatMap((i) => ['amd64', 'arm64'].map((a) => `label=release-operator.glibc=${tag(i, a)}`)),
      ])
        left.push(
          ...(await must([DOCKER, ...(host ? ['--host', host] : []), 'ps', '-aq', '--filter', filter]))
            .split('\n')
            .filter(Boolean),
        );
      return left;
    };
    assert.deepEqual(await ours(), [], 'containers left on the default engine');
    assert.deepEqual(await ours(d2.host), [], 'containers left on the second engine');
    assert.deepEqual(await productContainers(d2.host), [], 'anything of the product left on the second engine');
    assert.deepEqual(before.there, []);
  });

  it('--image NAME gates one image; an unknown name says which there are', async () => {
    let stdout = '';
    let stderr = '';
    const run = (args: string[]) =>
      runCli(
        [...args, '--json', '--cwd', ws.dir],
        { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { PATH: process.env.PATH } },
        new AbortController().signal,
      );
    const code = await run([
      'gate',
      '--stage',
      'pre-push',
      '--image',
      'worker',
      '--skip',
      'lint',
      '--local',
      `linux/amd64=${tag('worker', 'amd64')}`,
      '--local',
      `linux/arm64=${tag('worker', 'arm64')}`,
      '--record',
      path.join(ws.dir, '.records-one'),
    ]);
    const report = JSON.parse(stdout) as ReadinessReport;
    assert.equal(code, 0, stderr.slice(-3000));
    assert.equal(report.image, '127.0.0.1:5999/acme/worker');
    assert.ok(report.checks.some((c) => c.title === 'Smoke' && c.subject === 'linux/arm64'));
    stdout = '';
    assert.equal(await run(['gate', '--stage', 'pre-push', '--image', 'nope', '--local', 'linux/amd64=x']), 2);
    assert.match(stdout, /'nope' is not one of the configured images \(app, worker\)/);
  });

  const cli = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [...args, '--json', '--cwd', ws.dir],
      { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { PATH: process.env.PATH } },
      new AbortController().signal,
    );
    return { code, stdout, stderr };
  };

  it('smoke --build builds and smokes every image from its own Dockerfile; --image NAME one of them', async () => {
    const all = await cli(['smoke', '--build', '--platform', 'linux/amd64']);
    assert.equal(all.code, 0, all.stderr.slice(-3000));
    const data = JSON.parse(all.stdout) as { images: Array<{ name: string; passed: boolean; image: string }> };
    assert.deepEqual(
      data.images.map((i) => [i.name, i.passed]),
      [
        ['app', true],
        ['worker', true],
      ],
    );
    assert.match(data.images[1].image, /worker\/Dockerfile/);
    const one = await cli(['smoke', '--build', '--image', 'worker', '--platform', 'linux/amd64']);
    assert.equal(one.code, 0, one.stderr.slice(-3000));
    assert.match((JSON.parse(one.stdout) as { image: string }).image, /worker\/Dockerfile/);
    const which = await cli(['smoke', 'somewhere/else:1']);
    assert.equal(which.code, 2);
    assert.match(which.stdout, /several images \(app, worker\)/);
  });

  it('status shows each image with its own repository and tag plan', async () => {
    const r = await cli(['status']);
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { images: Array<{ name: string; image: string; tagPlan: unknown[] }> };
    assert.deepEqual(
      data.images.map((i) => [i.name, i.image]),
      [
        ['app', '127.0.0.1:5999/acme/app'],
        ['worker', '127.0.0.1:5999/acme/worker'],
      ],
    );
    assert.ok(data.images.every((i) => i.tagPlan.length > 0));
  });
});
