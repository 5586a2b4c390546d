import assert from 'node:assert/strict';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, type ReleaseOperatorError } from '../../../src/core/errors';
import { checkGlibc, type GlibcReport } from '../../../src/core/glibc';
import { localDockerImage, type ReadImage } from '../../../src/core/image';
import { runProcess, type Runner } from '../../../src/core/process/run';
import type { LogLevel } from '../../../src/core/log';
import {
  DOCKER,
  buildArm64Image,
  buildLayeredImage,
  dockerBuild,
  engineView,
  entriesOf,
  listing,
} from '../../helpers/local-image';
import { ARTIFACTS } from '../../helpers/paths';

const id = `${process.pid}-${Date.now().toString(36)}`;
const ctx = path.join(ARTIFACTS, `docker-storage-${id}`);
const tag = `ro-storage-test-${id}:layers`;
const arm = `ro-storage-test-${id}:arm64`;

const verdicts = (r: GlibcReport) => r.platforms.map(({ source: _source, ...p }) => p);
const read = async (
  image: string,
  via?: 'storage' | 'export' | 'save',
  runner: Runner = runProcess,
  logs?: string[],
): Promise<ReadImage> =>
  (await localDockerImage(runner, DOCKER, image, undefined, { via, logger: logs ? logger(logs) : undefined })).read();

function logger(lines: string[]) {
  const at = (level: LogLevel) => (m: string) => void lines.push(`${level}: ${m}`);
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A runner whose `docker image inspect` answers with the image's storage fields changed by `edit`. */
function inspectEdited(edit: (info: { GraphDriver?: { Name?: string; Data?: Record<string, string> } }) => void): {
  runner: Runner;
  calls: string[];
} {
  const calls: string[] = [];
  const runner: Runner = async (command, args, options) => {
    calls.push(args[0]);
    const r = await runProcess(command, args, options);
    if (args[0] !== 'image' || r.exitCode !== 0) return r;
    const info = JSON.parse(r.stdout);
    edit(info);
    return { ...r, stdout: JSON.stringify(info) };
  };
  return { runner, calls };
}

describe("glibc: a local image read from the Docker engine's own storage (overlay2 layer folders)", function () {
  this.timeout(300_000);

  before(async () => {
    await mkdir(ctx, { recursive: true });
    await buildLayeredImage(ctx, tag);
    await buildArm64Image(ctx, arm);
  });

  after(async () => {
    await runProcess(DOCKER, ['rmi', '-f', tag, arm]);
    await rm(ctx, { recursive: true, force: true });
  });

  it('six layers (whiteout, opaque folder, hard links): by default, the same files as docker save and the engine, nothing created', async () => {
    const { runner, calls } = inspectEdited(() => undefined);
    const stored = await read(tag, undefined, runner);
    assert.equal(stored.via, 'storage');
    assert.deepEqual(
      calls,
      ['context', 'image'],
      'only where the default engine is and `docker image inspect`: no container is created, nothing is streamed',
    );
    const saved = await read(tag, 'save');
    assert.deepEqual(entriesOf(stored.fs), entriesOf(saved.fs));
    const truth = await engineView(tag);
    assert.ok(
      !truth.some((l) => l.startsWith('/usr/local/bin/old ')) && !truth.some((l) => l.startsWith('/opt/data/keep ')),
      truth.join('\n'),
    );
    assert.deepEqual(listing(stored.fs), truth);
    assert.equal(stored.fs.lstat('/opt/data/new')?.type, 'file', 'the opaque folder keeps what its own layer wrote');
    assert.ok(stored.fs.lstat('/opt/libc-hard')?.elf, "a hard link to a lower layer's libc is that libc");
    assert.equal(stored.fs.lstat('/usr/local/bin/app-sym')?.target, 'app');
    for (const all of [false, true]) {
      const viaStorage = await checkGlibc(
        { target: `docker-daemon:${tag}`, all },
        { runner: runProcess, dockerPath: DOCKER },
      );
      const viaExport = await checkGlibc(
        { target: `docker-daemon:${tag}`, all },
        { runner: runProcess, dockerPath: DOCKER, localImageVia: 'export' },
      );
      assert.deepEqual(verdicts(viaStorage), verdicts(viaExport), `all: ${all}`);
      assert.equal(viaStorage.platforms[0].provided, '2.36');
    }
  });

  it('a foreign-arch (arm64) image: the same files and verdict as through save', async () => {
    const stored = await read(arm);
    assert.equal(stored.via, 'storage');
    assert.deepEqual(entriesOf(stored.fs), entriesOf((await read(arm, 'save')).fs));
    assert.equal(stored.config.architecture, 'arm64');
    const viaStorage = await checkGlibc(
      { target: `docker-daemon:${arm}`, all: true },
      { runner: runProcess, dockerPath: DOCKER },
    );
    const viaSave = await checkGlibc(
      { target: `docker-daemon:${arm}`, all: true },
      { runner: runProcess, dockerPath: DOCKER, localImageVia: 'save' },
    );
    assert.deepEqual(verdicts(viaStorage), verdicts(viaSave));
  });

  it('storage that cannot be used (folders not there, another driver, records that lead elsewhere): read through docker export, with the reason in the log', async () => {
    const otherUpper = JSON.parse(
      (await runProcess(DOCKER, ['image', 'inspect', '--format', '{{json .GraphDriver.Data}}', arm])).stdout,
    ).UpperDir as string;
    const cases: Array<
      [string, (info: { GraphDriver?: { Name?: string; Data?: Record<string, string> } }) => void, RegExp]
    > = [
      [
        'a data root this process cannot see',
        (i) =>
          void (i.GraphDriver!.Data!.UpperDir = i.GraphDriver!.Data!.UpperDir.replace(
            '/var/lib/docker/',
            '/nonexistent/docker/',
          )),
        /layer record \/nonexistent\/docker\/image\/overlay2\/layerdb\/sha256\/[0-9a-f]{64} cannot be read \(ENOENT\)/,
      ],
      [
        'another storage driver',
        (i) => void (i.GraphDriver = { Name: 'vfs', Data: {} }),
        /storage driver is vfs, not overlay2/,
      ],
      [
        "another image's top folder",
        (i) => void (i.GraphDriver!.Data!.UpperDir = otherUpper),
        /layer records lead to .*, not the image's /,
      ],
    ];
    const expected = verdicts(
      await checkGlibc(
        { target: `docker-daemon:${tag}`, all: true },
        { runner: runProcess, dockerPath: DOCKER, localImageVia: 'export' },
      ),
    );
    for (const [what, edit, reason] of cases) {
      const { runner, calls } = inspectEdited(edit);
      const logs: string[] = [];
      const img = await read(tag, undefined, runner, logs);
      assert.equal(img.via, 'export', what);
      assert.deepEqual(calls, ['context', 'image', 'create', 'export', 'rm'], what);
      assert.ok(
        logs.some(
          (l) =>
            l.startsWith('debug: ') &&
            /reading .* through docker export \(not from the engine's storage: /.test(l) &&
            reason.test(l),
        ),
        `${what}: ${logs.join('\n')}`,
      );
      assert.deepEqual(
        verdicts(await checkGlibc({ target: `docker-daemon:${tag}`, all: true }, { runner, dockerPath: DOCKER })),
        expected,
        what,
      );
      // Asked for the storage only: an environment error that says why and what to do.
      await assert.rejects(
        read(tag, 'storage', inspectEdited(edit).runner),
        (e: ReleaseOperatorError) =>
          e.kind === 'environment' && reason.test(e.message) && /docker export/.test(e.hint ?? ''),
      );
    }
  });

  it('links that point out of the image (to files this host has) resolve inside the image, never on the host', async () => {
    const hostile = `ro-storage-test-${id}:links`;
    const dir = path.join(ctx, 'links');
    await mkdir(dir, { recursive: true });
    await copyFile('/bin/busybox', path.join(dir, 'busybox'));
    // Absolute and ../ symlinks to ELF files of this host (not in the image), and an entrypoint through one of them.
    await writeFile(
      path.join(dir, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\n' +
        'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /usr/local/bin && /bin/busybox ln -s /usr/bin/perl /app && /bin/busybox ln -s ../../../../../../../usr/bin/readelf /usr/local/bin/tool && /bin/busybox ln -s /lib/x86_64-linux-gnu /libdir"]\n' +
        'ENTRYPOINT ["/app"]\n',
    );
    await dockerBuild(dir, hostile);
    try {
      const stored = await read(hostile, 'storage');
      assert.deepEqual(entriesOf(stored.fs), entriesOf((await read(hostile, 'save')).fs));
      assert.equal(stored.fs.lstat('/app')?.target, '/usr/bin/perl');
      assert.equal(
        stored.fs.resolve('/usr/local/bin/tool')?.entry,
        undefined,
        'the ../ link ends inside the image, where nothing is',
      );
      for (const all of [false, true]) {
        const viaStorage = await checkGlibc(
          { target: `docker-daemon:${hostile}`, all },
          { runner: runProcess, dockerPath: DOCKER, localImageVia: 'storage' },
        );
        const viaSave = await checkGlibc(
          { target: `docker-daemon:${hostile}`, all },
          { runner: runProcess, dockerPath: DOCKER, localImageVia: 'save' },
        );
        assert.deepEqual(verdicts(viaStorage), verdicts(viaSave), `all: ${all}`);
        // The host's perl is not the image's entrypoint, and no host file is among the image's binaries.
        const p = viaStorage.platforms[0];
        if (!all)
          assert.ok(
            p.findings.some((f) => f.code === 'missing-entrypoint' && /\/app is not in the image/.test(f.message)),
            JSON.stringify(p.findings),
          );
        assert.deepEqual(
          p.binaries.map((b) => b.path),
          all ? ['/bin/busybox'] : [],
        );
      }
    } finally {
      await runProcess(DOCKER, ['rmi', '-f', hostile]);
    }
  });

  it('cancel: CancelledError, nothing created', async () => {
    const ac = new AbortController();
    ac.abort();
    const img = await localDockerImage(runProcess, DOCKER, tag);
    await assert.rejects(img.read(ac.signal), CancelledError);
  });
});
