import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { runProcess } from '../../../src/core/process/run';
import { TRIXIE, fixtureFile } from '../../helpers/elf-fixtures';
import { deletePushed, escapeRe, prepareArm64Context } from '../../helpers/local-image';
import { ARTIFACTS, FIXTURES } from '../../helpers/paths';

/** The 20.10 client builds with BuildKit; the Docker 28 client on PATH has no buildx. */
const DOCKER = '/usr/bin/docker';
const REGISTRY = process.env.RO_TESTBED_REGISTRY ?? '127.0.0.1:5000';
const id = `${process.pid}-${Date.now().toString(36)}`;
const ctx = path.join(ARTIFACTS, `glibc-${id}`);
const images: string[] = [];
const LIB = '/lib/x86_64-linux-gnu';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; json: any }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: process.env },
    new AbortController().signal,
  );
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

async function build(app: 'app-drift' | 'app-good'): Promise<string> {
  const tag = `ro-glibc-test-${id}:${app}`;
  const r = await runProcess(
    DOCKER,
    [
      'build',
      '-q',
      '--platform',
      'linux/amd64',
      '--build-arg',
      `APP=${app}`,
      '--label',
      'release-operator.test=glibc',
      '-t',
      tag,
      ctx,
    ],
    { env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 300_000 },
  );
  if (r.exitCode !== 0) throw new Error(`docker build ${tag} failed: ${r.stderr}`);
  images.push(tag);
  return tag;
}

async function prepareContext(): Promise<void> {
  if (!existsSync(DOCKER)) throw new Error(`${DOCKER} is missing. Set up the test bed: bash test/testbed/setup.sh`);
  const rt = path.join(ctx, 'runtime');
  await mkdir(path.join(rt, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
  await mkdir(path.join(rt, 'usr/lib64'), { recursive: true });
  await symlink('usr/lib', path.join(rt, 'lib'));
  await symlink('usr/lib64', path.join(rt, 'lib64'));
  for (const f of ['libc.so.6', 'ld-linux-x86-64.so.2'])
    await copyFile(`${LIB}/${f}`, path.join(rt, 'usr/lib/x86_64-linux-gnu', f));
  await symlink('/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', path.join(rt, 'usr/lib64/ld-linux-x86-64.so.2'));
  const trixieWc = fixtureFile(`${TRIXIE}/coreutils_amd64/usr/bin/wc`);
  for (const [app, bin] of [
    ['app-drift', trixieWc],
    ['app-good', '/usr/bin/wc'],
  ] as const) {
    await mkdir(path.join(ctx, app, 'usr/local/bin'), { recursive: true });
    await copyFile(bin, path.join(ctx, app, 'usr/local/bin/app'));
    await copyFile(trixieWc, path.join(ctx, app, 'usr/local/bin/old'));
  }
  await copyFile('/bin/busybox', path.join(ctx, 'busybox'));
  await copyFile(path.join(FIXTURES, 'glibc', 'Dockerfile'), path.join(ctx, 'Dockerfile'));
  await prepareArm64Context(ctx);
}

/** Pushes an amd64 (drift) + arm64 (good) index through the Docker 28 client's `docker manifest`. */
async function pushIndex(amd64: string, repo: string): Promise<string> {
  const armTag = `ro-glibc-test-${id}:arm64`;
  const b = await runProcess(
    DOCKER,
    [
      'build',
      '-q',
      '--platform',
      'linux/arm64',
      '-f',
      path.join(ctx, 'Dockerfile.arm64'),
      '--label',
      'release-operator.test=glibc',
      '-t',
      armTag,
      ctx,
    ],
    { env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 300_000 },
  );
  if (b.exitCode !== 0) throw new Error(`docker build ${armTag} failed: ${b.stderr}`);
  images.push(armTag);
  const arm = `${repo}:arm64`;
  for (const args of [
    ['tag', armTag, arm],
    ['push', arm],
  ]) {
    const r = await runProcess(DOCKER, args, { timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  }
  images.push(arm);
  const index = `${repo}:multi`;
  for (const args of [
    ['manifest', 'create', '--insecure', index, amd64, arm],
    ['manifest', 'push', '--purge', '--insecure', index],
  ]) {
    const r = await runProcess('docker', args, { timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  }
  return index;
}

describe('glibc drift check on images built by the Docker engine', function () {
  this.timeout(300_000);
  let drift: string;
  let good: string;
  let pushed: string;

  before(async () => {
    await prepareContext();
    drift = await build('app-drift');
    good = await build('app-good');
    pushed = `${REGISTRY}/ro-glibc-test/drift-${id}:v1`;
    const t = await runProcess(DOCKER, ['tag', drift, pushed]);
    assert.equal(t.exitCode, 0, t.stderr);
    images.push(pushed);
    const p = await runProcess(DOCKER, ['push', pushed], { timeoutMs: 120_000 });
    assert.equal(
      p.exitCode,
      0,
      `push to the test registry failed (${p.stderr}); set up the test bed: bash test/testbed/setup.sh`,
    );
  });

  after(async () => {
    // The pushed manifest is this suite's own: remove it from the test registry (delete is enabled there).
    const url = `http://${REGISTRY}/v2/ro-glibc-test/drift-${id}/manifests`;
    for (const tag of ['multi', 'arm64', 'v1']) {
      const head = await fetch(`${url}/${tag}`, {
        method: 'HEAD',
        headers: {
          accept:
            'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
        },
      }).catch(() => undefined);
      const digest = head?.headers.get('docker-content-digest');
      if (digest) await fetch(`${url}/${digest}`, { method: 'DELETE' }).catch(() => undefined);
    }
    for (const n of ['app', 'worker']) await deletePushed(`ro-glibc-test/${n}-${id}`, 'v1.0.0');
    if (images.length) await runProcess(DOCKER, ['rmi', '-f', ...images.splice(0)]);
    await rm(ctx, { recursive: true, force: true });
  });

  it('reality first: the drift image dies with GLIBC_2.38 not found, its twin runs', async () => {
    const bad = await runProcess(DOCKER, ['run', '--rm', '--label', 'release-operator.test=glibc', drift, '--version']);
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /GLIBC_2\.38' not found/);
    const ok = await runProcess(DOCKER, ['run', '--rm', '--label', 'release-operator.test=glibc', good, '--version']);
    assert.equal(ok.exitCode, 0, ok.stderr);
  });

  it('a local image with drift: exit 1, JSON names the binary, the version and the runtime glibc', async () => {
    const r = await cli('glibc', `docker-daemon:${drift}`, '--json', '--docker', DOCKER);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.json.platforms.length, 1);
    const p = r.json.platforms[0];
    assert.equal(p.platform, 'linux/amd64');
    assert.equal(p.provided, '2.36');
    assert.equal(p.required, '2.38');
    assert.equal(p.ok, false);
    // /usr/local/bin/old was removed by a later layer (a whiteout): only the entrypoint is there to check.
    assert.deepEqual(
      p.binaries.map((b: { path: string }) => b.path),
      ['/usr/local/bin/app'],
    );
    assert.deepEqual(p.binaries[0].missing, [
      { library: 'libc.so.6', version: 'GLIBC_2.38', neededBy: '/usr/local/bin/app', weak: false },
    ]);
    assert.equal(p.binaries[0].required, '2.38');
  });

  it('the good twin passes (exit 0), also with --all over every ELF file of the image', async () => {
    const r = await cli('glibc', good, '--json', '--docker', DOCKER);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json.platforms[0].ok, true);
    const all = await cli('glibc', good, '--all', '--json', '--docker', DOCKER);
    assert.equal(all.code, 0, all.stdout);
    const paths = all.json.platforms[0].binaries.map((b: { path: string }) => b.path);
    assert.deepEqual(paths, [
      '/bin/busybox',
      '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      '/usr/lib/x86_64-linux-gnu/libc.so.6',
      '/usr/local/bin/app',
    ]);
  });

  it('reads the same image from the registry (layers streamed, nothing run) with the same verdict', async () => {
    const r = await cli('glibc', pushed, '--json');
    assert.equal(r.code, 1, r.stderr);
    const p = r.json.platforms[0];
    assert.equal(p.platform, 'linux/amd64');
    assert.equal(p.provided, '2.36');
    assert.deepEqual(
      p.binaries[0].missing.map((m: { version: string }) => m.version),
      ['GLIBC_2.38'],
    );
    const text = await cli('glibc', `docker://${pushed}`);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /\/usr\/local\/bin\/app needs GLIBC_2\.38 \(libc\.so\.6\); the runtime has glibc 2\.36/);
  });

  it('a multi-platform index: each platform gets its own verdict from its own runtime', async () => {
    const index = await pushIndex(pushed, `${REGISTRY}/ro-glibc-test/drift-${id}`);
    const both = await cli('glibc', index, '--json');
    assert.equal(both.code, 1, both.stderr);
    const by = Object.fromEntries(both.json.platforms.map((p: { platform: string }) => [p.platform, p]));
    assert.deepEqual(Object.keys(by).sort(), ['linux/amd64', 'linux/arm64']);
    assert.equal(by['linux/amd64'].ok, false);
    assert.equal(by['linux/arm64'].ok, true, JSON.stringify(by['linux/arm64'].binaries));
    assert.equal(by['linux/arm64'].provided, '2.36');
    assert.equal(
      by['linux/arm64'].binaries[0].needs.find((n: { library: string }) => n.library === 'libc.so.6').resolved,
      '/lib/aarch64-linux-gnu/libc.so.6',
    );
    const arm = await cli('glibc', index, '--platform', 'linux/arm64', '--json');
    assert.equal(arm.code, 0, arm.stdout);
    assert.deepEqual(
      arm.json.platforms.map((p: { platform: string }) => p.platform),
      ['linux/arm64'],
    );
  });

  it('a platform the image lacks, a policy and a missing image are reported with the right exit codes', async () => {
    const wrong = await cli('glibc', pushed, '--platform', 'linux/arm64', '--json');
    assert.equal(wrong.code, 1);
    assert.match(wrong.json.error.message, /single linux\/amd64 image, not linux\/arm64/);
    const policy = await cli('glibc', good, '--policy', 'bullseye', '--json', '--docker', DOCKER);
    assert.equal(policy.code, 1, 'bookworm wc needs more than bullseye 2.31');
    assert.ok(policy.json.platforms[0].binaries[0].findings.some((f: { code: string }) => f.code === 'exceeds-target'));
    const missing = await cli('glibc', `docker-daemon:ro-glibc-test-${id}:nope`, '--docker', DOCKER);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No local Docker image/);
    const usage = await cli('glibc', good, '--policy', 'nosuch', '--docker', DOCKER);
    assert.equal(usage.code, 2);
  });

  it('several images: glibc with no reference checks each published image at the version tag, each with its own settings', async () => {
    // Two repositories of the test registry hold the good image at v1.0.0; the worker's own glibc policy (el8,
    // glibc 2.28) is older than what its binary needs, the app has none (held to its runtime's 2.36).
    const ws = path.join(ctx, 'monorepo');
    await mkdir(ws, { recursive: true });
    const repos = { app: `${REGISTRY}/ro-glibc-test/app-${id}`, worker: `${REGISTRY}/ro-glibc-test/worker-${id}` };
    for (const repo of Object.values(repos)) {
      for (const args of [
        ['tag', good, `${repo}:v1.0.0`],
        ['push', `${repo}:v1.0.0`],
      ]) {
        const r = await runProcess(DOCKER, args, { timeoutMs: 120_000 });
        assert.equal(r.exitCode, 0, r.stderr);
      }
      images.push(`${repo}:v1.0.0`);
    }
    await writeFile(
      path.join(ws, 'release-operator.json'),
      JSON.stringify({
        images: [
          { name: 'app', image: repos.app },
          { name: 'worker', image: repos.worker, glibc: { policy: 'el8' } },
        ],
      }),
    );
    const git = (...a: string[]) =>
      runProcess('git', ['-C', ws, ...a]).then((r) => assert.equal(r.exitCode, 0, r.stderr));
    await git('init', '-q');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'one');
    await git('tag', 'v1.0.0');

    const all = await cli('glibc', '--json', '--cwd', ws);
    assert.equal(all.code, 1, all.stdout + all.stderr);
    const by = Object.fromEntries(all.json.images.map((i: { name: string }) => [i.name, i]));
    assert.equal(by.app.target, `${repos.app}:v1.0.0`);
    assert.equal(by.app.from, 'the published image of 1.0.0');
    assert.equal(by.app.platforms[0].ok, true);
    assert.equal(by.worker.target, `${repos.worker}:v1.0.0`);
    assert.equal(by.worker.platforms[0].ok, false, 'the worker is held to its own policy (el8)');
    assert.equal(by.worker.platforms[0].target.source, 'policy el8 (glibc 2.28)');

    const text = await cli('glibc', '--cwd', ws);
    assert.match(
      text.stdout,
      new RegExp(
        `^Image app: ${escapeRe(repos.app)}:v1\\.0\\.0 \\(the published image of 1\\.0\\.0; no policy\\)`,
        'm',
      ),
    );
    assert.match(text.stdout, /^Image worker: .*\(the published image of 1\.0\.0; policy el8\)/m);

    // --image NAME: that image alone; a reference of the worker's repository is held to the worker's policy.
    const one = await cli('glibc', '--image', 'app', '--cwd', ws);
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.doesNotMatch(one.stdout, /worker/);
    const ref = await cli('glibc', `${repos.worker}:v1.0.0`, '--json', '--cwd', ws);
    assert.equal(ref.code, 1, ref.stdout);
    assert.equal(ref.json.platforms[0].ok, false);
    const flag = await cli('glibc', `${repos.worker}:v1.0.0`, '--max-glibc', '2.36', '--cwd', ws);
    assert.equal(flag.code, 0, 'a flag replaces the image setting: ' + flag.stdout);
    const unknown = await cli('glibc', '--image', 'nope', '--cwd', ws);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stdout + unknown.stderr, /no image named 'nope'.*\n?.*app, worker/);
  });
});
