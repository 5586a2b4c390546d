import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GLIBC_LABEL, PRODUCT_LABEL } from '../../../src/core/container/labels';
import { CancelledError, ReleaseOperatorError } from '../../../src/core/errors';
import { checkGlibc, type GlibcReport } from '../../../src/core/glibc';
import { localDockerImage, registryPlatformImages, type ReadImage } from '../../../src/core/image';
import { runProcess, type RunResult, type Runner } from '../../../src/core/process/run';
import { RegistryClient } from '../../../src/core/registry';
import type { ImageConfig } from '../../../src/core/registry/types';
import {
  DOCKER,
  LIB,
  REGISTRY,
  buildArm64Image,
  buildLayeredImage,
  cli,
  damaging,
  deletePushed,
  dockerBuild,
  engineView,
  entriesOf,
  escapeRe,
  listing,
  cancelOnFirstBytes,
} from '../../helpers/local-image';
import { ARTIFACTS } from '../../helpers/paths';

const id = `${process.pid}-${Date.now().toString(36)}`;
/** These tests are about the export path: by default (as root) the engine's storage is read instead. */
const EXPORT = { via: 'export' } as const;
const ctx = path.join(ARTIFACTS, `docker-export-${id}`);
const tag = `ro-export-test-${id}:layers`;
const noCmd = `ro-export-test-${id}:no-command`;
const arm = `ro-export-test-${id}:arm64`;
const pushed = `${REGISTRY}/ro-glibc-test/export-${id}:v1`;

/** Containers the glibc check created to read `image` that are still in the engine. */
async function leftovers(image: string): Promise<string[]> {
  const r = await runProcess(DOCKER, ['ps', '-a', '-q', '--filter', `label=${GLIBC_LABEL}=${image}`]);
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

/** The platform verdicts without the source (a local name or a registry reference), for comparing sources. */
const verdicts = (r: GlibcReport) => r.platforms.map(({ source: _source, ...p }) => p);

/** The fields of the image config that the glibc check (and the rest of the product) reads. */
const configFields = (c: ImageConfig) => ({
  architecture: c.architecture,
  os: c.os,
  variant: c.variant,
  Entrypoint: c.config?.Entrypoint ?? undefined,
  Cmd: c.config?.Cmd ?? undefined,
  Env: c.config?.Env ?? undefined,
  User: c.config?.User || undefined,
  WorkingDir: c.config?.WorkingDir || undefined,
  Labels: c.config?.Labels ?? undefined,
  ExposedPorts: c.config?.ExposedPorts ?? undefined,
  diffIds: c.rootfs?.diff_ids,
});

/** Reads a local image both ways and checks that they agree on every file of the image and on the config. */
async function bothWays(image: string): Promise<{ exported: ReadImage; saved: ReadImage }> {
  const exported = await (await localDockerImage(runProcess, DOCKER, image, undefined, EXPORT)).read();
  const saved = await (await localDockerImage(runProcess, DOCKER, image, undefined, { via: 'save' })).read();
  assert.deepEqual(entriesOf(exported.fs), entriesOf(saved.fs));
  assert.deepEqual(configFields(exported.config), configFields(saved.config));
  return { exported, saved };
}

/** A docker executable (a script around the 20.10 client) that answers `docker create` with `createAnswer` and logs its calls. */
async function dockerScript(
  name: string,
  createAnswer: string,
): Promise<{ script: string; calls: () => Promise<string[]> }> {
  const script = path.join(ctx, name);
  const log = `${script}.log`;
  await writeFile(log, '');
  await writeFile(
    script,
    `#!/bin/sh\necho "$1" >> ${log}\nif [ "$1" = create ]; then echo "${createAnswer}" >&2; exit 1; fi\nexec ${DOCKER} "$@"\n`,
  );
  await chmod(script, 0o755);
  return { script, calls: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
}

describe('glibc: a local image read through docker create + docker export (the merged filesystem, one stream)', function () {
  this.timeout(300_000);

  before(async () => {
    await mkdir(ctx, { recursive: true });
    await buildLayeredImage(ctx, tag);
    // No CMD and no ENTRYPOINT: `docker create IMAGE` alone is refused ("No command specified").
    await writeFile(
      path.join(ctx, 'Dockerfile.no-command'),
      'FROM scratch\nCOPY busybox /bin/busybox\nCOPY runtime/ /\n',
    );
    await dockerBuild(ctx, noCmd, { dockerfile: 'Dockerfile.no-command' });
    // arm64: Debian's arm64 glibc and a dynamic arm64 busybox (COPY only: nothing runs, no emulator needed).
    await buildArm64Image(ctx, arm);
  });

  after(async () => {
    await deletePushed(`ro-glibc-test/export-${id}`, 'v1');
    await runProcess(DOCKER, ['rmi', '-f', tag, noCmd, arm, pushed]);
    await rm(ctx, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const image of [tag, noCmd, arm])
      assert.deepEqual(await leftovers(image), [], `no container of ${image} is left`);
  });

  it('six layers (whiteout, opaque folder, hard links): the same files, config and verdicts as docker save and the registry', async () => {
    const truth = await engineView(tag);
    assert.ok(
      truth.includes('/usr/local/bin/app-hard file') &&
        !truth.some((l) => l.startsWith('/usr/local/bin/old ')) &&
        !truth.some((l) => l.startsWith('/opt/data/keep ')),
      truth.join('\n'),
    );
    const img = await localDockerImage(runProcess, DOCKER, tag);
    assert.equal(img.platform, 'linux/amd64');
    assert.equal(img.layerCount, 6);
    const { exported, saved } = await bothWays(tag);
    assert.deepEqual(listing(exported.fs), truth);
    assert.deepEqual(exported.config.config?.Entrypoint, ['/usr/local/bin/app']);
    assert.ok(exported.fs.lstat('/opt/libc-hard')?.elf, "a hard link to a lower layer's libc is that libc");
    assert.equal(exported.config.rootfs?.diff_ids.length, 6);
    assert.ok(exported.config.created);
    assert.equal(exported.config.created, saved.config.created);
    // The Docker 28 client on PATH (same engine) creates and exports the same.
    assert.deepEqual(
      entriesOf((await (await localDockerImage(runProcess, 'docker', tag, undefined, EXPORT)).read()).fs),
      entriesOf(exported.fs),
    );

    // The engine's own files of every container are there, empty: nothing the check reads.
    for (const p of ['/.dockerenv', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf']) {
      const e = exported.fs.lstat(p);
      assert.equal(e?.type, 'file', p);
      assert.equal(e?.size, 0, p);
      assert.ok(!e?.elf && !e?.elfError && !e?.shebang && e?.text === undefined, p);
      assert.equal(saved.fs.lstat(p), undefined, `${p} is not in the image itself`);
    }
    for (const p of ['/dev', '/proc', '/sys']) assert.equal(exported.fs.lstat(p)?.type, 'dir', p);

    for (const args of [
      ['tag', tag, pushed],
      ['push', pushed],
    ]) {
      const r = await runProcess(DOCKER, args, { timeoutMs: 120_000 });
      assert.equal(r.exitCode, 0, `docker ${args[0]}: ${r.stderr} (set up the test bed: bash test/testbed/setup.sh)`);
    }
    const [remote] = await registryPlatformImages(new RegistryClient(), pushed, []);
    const fromRegistry = await remote.read();
    assert.deepEqual(entriesOf(fromRegistry.fs), entriesOf(exported.fs));
    assert.deepEqual(configFields(fromRegistry.config), configFields(exported.config));

    for (const all of [false, true]) {
      const viaExport = await checkGlibc(
        { target: `docker-daemon:${tag}`, all },
        { runner: runProcess, dockerPath: DOCKER, localImageVia: 'export' },
      );
      const viaSave = await checkGlibc(
        { target: `docker-daemon:${tag}`, all },
        { runner: runProcess, dockerPath: DOCKER, localImageVia: 'save' },
      );
      const viaRegistry = await checkGlibc(
        { target: `docker://${pushed}`, all },
        { runner: runProcess, dockerPath: DOCKER, registry: new RegistryClient() },
      );
      assert.deepEqual(verdicts(viaExport), verdicts(viaSave), `all: ${all}`);
      assert.deepEqual(verdicts(viaExport), verdicts(viaRegistry), `all: ${all}`);
      assert.equal(viaExport.platforms[0].ok, true);
      assert.equal(viaExport.platforms[0].provided, '2.36');
    }
  });

  it('the container is only created (never started), by the image id, labelled so `release-operator cleanup` finds it, and removed', async () => {
    const seen: { create?: readonly string[]; state?: RunResult } = {};
    const runner: Runner = async (command, args, options) => {
      if (args[0] === 'create') seen.create = args;
      if (args[0] === 'export')
        seen.state = await runProcess(DOCKER, [
          'inspect',
          '--type',
          'container',
          '--format',
          '{{json .Config.Labels}} {{.State.Status}} {{.Image}}',
          args[1],
        ]);
      return runProcess(command, args, options);
    };
    const report = await checkGlibc(
      { target: `docker-daemon:${tag}` },
      { runner, dockerPath: DOCKER, localImageVia: 'export' },
    );
    assert.equal(report.ok, true);
    assert.equal(seen.state?.exitCode, 0, seen.state?.stderr);
    const [labels, status, image] = seen.state.stdout.trim().split(' ');
    const byKey = JSON.parse(labels) as Record<string, string>;
    assert.equal(byKey[PRODUCT_LABEL], '1', 'the label `release-operator cleanup` removes by');
    assert.equal(byKey[GLIBC_LABEL], tag);
    assert.equal(status, 'created');
    const inspected = await runProcess(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', tag]);
    assert.equal(image, inspected.stdout.trim());
    assert.ok(seen.create?.includes('--pull') && seen.create.includes('never'), seen.create?.join(' '));
  });

  it('a reader that fails (the export cut short or garbled in transit): a clear error naming the image, and the container is removed', async () => {
    for (const bytes of [1000, 300_000, 1_500_000]) {
      await assert.rejects(
        checkGlibc(
          { target: `docker-daemon:${tag}` },
          { runner: damaging('export', 'cut', bytes), dockerPath: DOCKER, localImageVia: 'export' },
        ),
        (e: ReleaseOperatorError) =>
          e instanceof ReleaseOperatorError &&
          e.kind === 'environment' &&
          e.message === `The docker export of ${tag} is cut short or not a tar archive (Unexpected end of data).`,
      );
      assert.deepEqual(await leftovers(tag), [], `after a cut at ${bytes} bytes`);
    }
    for (const bytes of [600, 5000, 1_000_000]) {
      await assert.rejects(
        checkGlibc(
          { target: `docker-daemon:${tag}` },
          { runner: damaging('export', 'garble', bytes), dockerPath: DOCKER, localImageVia: 'export' },
        ),
        (e: ReleaseOperatorError) => {
          return (
            e instanceof ReleaseOperatorError &&
            e.message.startsWith(`The docker export of ${tag} is cut short or not a tar archive (`) &&
            Boolean(e.hint)
          );
        },
      );
      assert.deepEqual(await leftovers(tag), [], `after garbling from ${bytes} bytes`);
    }
  });

  it("a docker export that fails part way (exit code, stderr) is an environment error with docker's message; no stack trace; the container is removed", async () => {
    const script = path.join(ctx, 'docker-failing-export');
    await writeFile(
      script,
      `#!/bin/sh\nif [ "$1" = export ]; then ${DOCKER} "$@" | head -c 200000; echo "Error response from daemon: simulated failure mid-export" >&2; exit 1; fi\nexec ${DOCKER} "$@"\n`,
    );
    await chmod(script, 0o755);
    const r = await cli('glibc', tag, '--local-read', 'export', '--docker', script);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`docker export of ${escapeRe(tag)} failed: Error response from daemon: simulated failure mid-export`),
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('cancel while the export streams: CancelledError, no docker export process and no container left', async () => {
    const ac = new AbortController();
    const { runner, streamed } = cancelOnFirstBytes(ac);
    await assert.rejects(
      checkGlibc(
        { target: `docker-daemon:${tag}`, all: true },
        { runner, dockerPath: DOCKER, signal: ac.signal, localImageVia: 'export' },
      ),
      CancelledError,
    );
    assert.ok(streamed(), 'the export had started streaming');
    const ps = await runProcess('ps', ['-eo', 'pid,args']);
    assert.deepEqual(
      ps.stdout.split('\n').filter((l) => / export ro-glibc-/.test(l)),
      [],
    );
  });

  it('a cancel that lands as docker create returns: the container the engine made is removed all the same', async () => {
    const ac = new AbortController();
    let created: RunResult | undefined;
    const runner: Runner = async (command, args, options) => {
      if (args[0] !== 'create') return runProcess(command, args, options);
      created = await runProcess(command, args, { ...options, signal: undefined });
      ac.abort();
      throw new CancelledError(`${command} cancelled`);
    };
    await assert.rejects(
      checkGlibc(
        { target: `docker-daemon:${tag}` },
        { runner, dockerPath: DOCKER, signal: ac.signal, localImageVia: 'export' },
      ),
      CancelledError,
    );
    assert.equal(created?.exitCode, 0, created?.stderr);
    const cid = created.stdout.trim();
    const still = await runProcess(DOCKER, ['inspect', '--type', 'container', cid]);
    assert.notEqual(still.exitCode, 0, `container ${cid} is gone`);
  });

  it('an engine that refuses to create the container: the same verdict through docker save, with a note; a daemon that is down or an image that is gone is not a refusal', async () => {
    const direct = await checkGlibc(
      { target: `docker-daemon:${tag}`, all: true },
      { runner: runProcess, dockerPath: DOCKER, localImageVia: 'export' },
    );
    const refusing = await dockerScript('docker-refusing', 'Error response from daemon: simulated refusal to create');
    const r = await cli(
      'glibc',
      tag,
      '--all',
      '--json',
      '--verbose',
      '--local-read',
      'export',
      '--docker',
      refusing.script,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      verdicts(JSON.parse(r.stdout) as GlibcReport).map((p) => p.binaries.map((b) => b.path)),
      verdicts(direct).map((p) => p.binaries.map((b) => b.path)),
    );
    assert.match(
      r.stderr,
      new RegExp(
        `the Docker engine would not create a container of ${escapeRe(tag)} \\(Error response from daemon: simulated refusal to create\\); reading it through docker save instead`,
      ),
    );
    // `docker context inspect` first: where the default engine is (DOCKER_HOST, the current context).
    assert.deepEqual(await refusing.calls(), ['context', 'image', 'create', 'rm', 'save']);

    const down = await dockerScript(
      'docker-down',
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    );
    const d = await cli('glibc', tag, '--local-read', 'export', '--docker', down.script);
    assert.equal(d.code, 3, d.stderr);
    assert.match(d.stderr, /Docker daemon is not reachable/);
    assert.doesNotMatch(d.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!(await down.calls()).includes('save'), 'no save after a daemon that is down');

    const gone = await dockerScript('docker-gone', 'Error response from daemon: No such image: sha256:0123');
    const g = await cli('glibc', tag, '--local-read', 'export', '--docker', gone.script);
    assert.equal(g.code, 1, g.stderr);
    assert.match(g.stderr, new RegExp(`No local Docker image ${escapeRe(tag)}\\.`));
    assert.ok(!(await gone.calls()).includes('save'));
  });

  it('an image without CMD or ENTRYPOINT (FROM scratch, COPY only) is created with a stand-in command and checked like through save', async () => {
    const bare = await runProcess(DOCKER, ['create', '--label', 'release-operator.test=glibc', noCmd]);
    if (bare.exitCode === 0) await runProcess(DOCKER, ['rm', '-f', bare.stdout.trim()]);
    assert.notEqual(bare.exitCode, 0, 'reality: docker create alone refuses this image');
    assert.match(bare.stderr, /no command specified/i);

    const { exported } = await bothWays(noCmd);
    assert.equal(exported.config.config?.Entrypoint, undefined);
    assert.equal(exported.config.config?.Cmd, undefined);
    for (const all of [false, true]) {
      const viaExport = await checkGlibc(
        { target: `docker-daemon:${noCmd}`, all },
        { runner: runProcess, dockerPath: DOCKER, localImageVia: 'export' },
      );
      const viaSave = await checkGlibc(
        { target: `docker-daemon:${noCmd}`, all },
        { runner: runProcess, dockerPath: DOCKER, localImageVia: 'save' },
      );
      assert.deepEqual(verdicts(viaExport), verdicts(viaSave));
      if (!all) assert.ok(viaExport.platforms[0].findings.some((f) => f.code === 'no-entrypoint'));
      else
        assert.deepEqual(
          viaExport.platforms[0].binaries.map((b) => b.path),
          ['/bin/busybox', `${LIB}/ld-linux-x86-64.so.2`, `${LIB}/libc.so.6`],
        );
    }
  });

  it('a foreign-arch (arm64) image: created for its own platform (no warning, nothing runs), same files and verdict as through save', async () => {
    const creates: RunResult[] = [];
    const runner: Runner = async (command, args, options) => {
      const r = await runProcess(command, args, options);
      if (args[0] === 'create') creates.push(r);
      return r;
    };
    const img = await localDockerImage(runner, DOCKER, arm);
    assert.equal(img.platform, 'linux/arm64');
    const { exported } = await bothWays(arm);
    assert.equal(exported.config.architecture, 'arm64');
    const viaExport = await checkGlibc(
      { target: `docker-daemon:${arm}`, all: true },
      { runner, dockerPath: DOCKER, localImageVia: 'export' },
    );
    const viaSave = await checkGlibc(
      { target: `docker-daemon:${arm}`, all: true },
      { runner: runProcess, dockerPath: DOCKER, localImageVia: 'save' },
    );
    assert.deepEqual(verdicts(viaExport), verdicts(viaSave));
    const p = viaExport.platforms[0];
    assert.equal(p.platform, 'linux/arm64');
    assert.equal(p.ok, true, JSON.stringify(p.binaries));
    assert.equal(p.provided, '2.36');
    assert.ok(p.binaries.some((b) => b.path === '/usr/local/bin/app' && b.arch === 'arm64'));
    assert.equal(creates.length, 1);
    assert.deepEqual(
      creates[0].args.slice(creates[0].args.indexOf('--platform'), creates[0].args.indexOf('--platform') + 2),
      ['--platform', 'linux/arm64'],
    );
    assert.doesNotMatch(creates[0].stderr, /does not match the detected host platform/);
  });
});
