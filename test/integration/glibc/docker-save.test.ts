import assert from 'node:assert/strict';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, ReleaseOperatorError } from '../../../src/core/errors';
import { checkGlibc } from '../../../src/core/glibc';
import { localDockerImage, readSavedArchive, registryPlatformImages } from '../../../src/core/image';
import { runProcess } from '../../../src/core/process/run';
import { RegistryClient } from '../../../src/core/registry';
import {
  DOCKER,
  LIB,
  REGISTRY,
  buildLayeredImage,
  cli,
  damaging,
  deletePushed,
  engineView,
  escapeRe,
  listing,
  cancelOnFirstBytes,
} from '../../helpers/local-image';
import { ARTIFACTS } from '../../helpers/paths';

const id = `${process.pid}-${Date.now().toString(36)}`;
const ctx = path.join(ARTIFACTS, `docker-save-${id}`);
const tag = `ro-save-test-${id}:layers`;
const pushed = `${REGISTRY}/ro-glibc-test/save-${id}:v1`;
const SAVE = { via: 'save' } as const;

describe('glibc: a local image streamed through docker save (no temporary files)', function () {
  this.timeout(300_000);

  before(async () => {
    await mkdir(ctx, { recursive: true });
    await buildLayeredImage(ctx, tag);
  });

  after(async () => {
    await deletePushed(`ro-glibc-test/save-${id}`, 'v1');
    await runProcess(DOCKER, ['rmi', '-f', tag, pushed]);
    await rm(ctx, { recursive: true, force: true });
  });

  it('reality first: the engine streams manifest.json after the layers; the layers carry a whiteout, an opaque folder and hard links', async () => {
    let archive: Awaited<ReturnType<typeof readSavedArchive>> | undefined;
    const r = await runProcess(DOCKER, ['save', tag], {
      consumeStdout: async (s) => void (archive = await readSavedArchive(s, `docker save of ${tag}`)),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const names = [...archive!.parts.keys()];
    const layerNames = names.filter((n) => archive!.parts.get(n)?.kind === 'layer');
    assert.equal(layerNames.length, 6, names.join(' '));
    assert.ok(
      names.indexOf('manifest.json') > Math.max(...layerNames.map((n) => names.indexOf(n))),
      `manifest.json comes after every layer: ${names.join(' ')}`,
    );
    const ops = layerNames.flatMap((n) => {
      const p = archive!.parts.get(n);
      return p?.kind === 'layer' ? p.ops : [];
    });
    assert.ok(
      ops.some((o) => o.op === 'whiteout' && o.path === '/usr/local/bin/old'),
      'rm left a whiteout',
    );
    assert.ok(
      ops.some((o) => o.op === 'opaque' && o.dir === '/opt/data'),
      'rm -rf + mkdir left an opaque folder',
    );
    assert.ok(
      ops.some((o) => o.op === 'link'),
      'ln left a hard link',
    );
  });

  it('the merged filesystem is the one the engine shows (docker export), through either docker client, and the one read from the registry', async () => {
    const truth = await engineView(tag);
    assert.ok(
      truth.includes('/usr/local/bin/app-hard file') &&
        !truth.some((l) => l.startsWith('/usr/local/bin/old ')) &&
        !truth.some((l) => l.startsWith('/opt/data/keep ')),
      truth.join('\n'),
    );
    const img = await localDockerImage(runProcess, DOCKER, tag, undefined, SAVE);
    assert.equal(img.platform, 'linux/amd64');
    assert.equal(img.layerCount, 6);
    const { fs, config } = await img.read();
    assert.deepEqual(listing(fs), truth);
    assert.deepEqual(config.config?.Entrypoint, ['/usr/local/bin/app']);
    assert.ok(fs.lstat('/opt/libc-hard')?.elf, "a hard link to a lower layer's libc is that libc");
    // The Docker 28 client on PATH (talking to the same engine) streams the same image.
    const viaPath = await (await localDockerImage(runProcess, 'docker', tag, undefined, SAVE)).read();
    assert.deepEqual(listing(viaPath.fs), truth);

    for (const args of [
      ['tag', tag, pushed],
      ['push', pushed],
    ]) {
      const r = await runProcess(DOCKER, args, { timeoutMs: 120_000 });
      assert.equal(r.exitCode, 0, `docker ${args[0]}: ${r.stderr} (set up the test bed: bash test/testbed/setup.sh)`);
    }
    const [remote] = await registryPlatformImages(new RegistryClient(), pushed, []);
    assert.deepEqual(listing((await remote.read()).fs), truth);
  });

  it('glibc --all on the image checks what is there: the hard links, not the removed file (through save, export, and the engine storage as by default when readable)', async () => {
    for (const localImageVia of ['save', 'export', 'storage'] as const) {
      const report = await checkGlibc(
        { target: `docker-daemon:${tag}`, all: true },
        { runner: runProcess, dockerPath: DOCKER, localImageVia },
      );
      const p = report.platforms[0];
      assert.equal(p.ok, true, JSON.stringify(p.findings));
      assert.equal(p.provided, '2.36');
      assert.deepEqual(
        p.binaries.map((b) => b.path),
        [
          '/bin/busybox',
          `${LIB}/ld-linux-x86-64.so.2`,
          `${LIB}/libc.so.6`,
          '/opt/libc-hard',
          '/usr/local/bin/app',
          '/usr/local/bin/app-hard',
        ],
        localImageVia,
      );
    }
  });

  it('a save cut short or garbled in transit is a clear error naming the image', async () => {
    for (const bytes of [1000, 300_000, 1_500_000]) {
      await assert.rejects(
        checkGlibc(
          { target: `docker-daemon:${tag}` },
          { runner: damaging('save', 'cut', bytes), dockerPath: DOCKER, localImageVia: 'save' },
        ),
        (e: ReleaseOperatorError) =>
          e instanceof ReleaseOperatorError &&
          e.kind === 'environment' &&
          e.message === `The docker save of ${tag} is cut short or not a tar archive (Unexpected end of data).`,
      );
    }
    for (const bytes of [600, 5000, 1_000_000]) {
      await assert.rejects(
        checkGlibc(
          { target: `docker-daemon:${tag}` },
          { runner: damaging('save', 'garble', bytes), dockerPath: DOCKER, localImageVia: 'save' },
        ),
        (e: ReleaseOperatorError) => {
          return e instanceof ReleaseOperatorError && e.message.includes(`docker save of ${tag}`) && Boolean(e.hint);
        },
      );
    }
  });

  it("a docker save that fails part way (exit code, stderr) is an environment error with docker's message; no stack trace", async () => {
    // The CLI reads through export; an engine that refuses to create the container sends it to save.
    const script = path.join(ctx, 'docker-failing-save');
    await writeFile(
      script,
      `#!/bin/sh\nif [ "$1" = create ]; then echo "Error response from daemon: simulated refusal to create" >&2; exit 1; fi\n` +
        `if [ "$1" = save ]; then ${DOCKER} "$@" | head -c 200000; echo "Error response from daemon: simulated failure mid-save" >&2; exit 1; fi\nexec ${DOCKER} "$@"\n`,
    );
    await chmod(script, 0o755);
    const r = await cli('glibc', tag, '--local-read', 'export', '--docker', script, '--verbose');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `would not create a container of ${escapeRe(tag)} \\(Error response from daemon: simulated refusal to create\\); reading it through docker save instead`,
      ),
    );
    assert.match(
      r.stderr,
      new RegExp(`docker save ${escapeRe(tag)} failed: Error response from daemon: simulated failure mid-save`),
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('cancel while the save streams: CancelledError, and no docker save process is left', async () => {
    const ac = new AbortController();
    const { runner, streamed } = cancelOnFirstBytes(ac);
    await assert.rejects(
      checkGlibc(
        { target: `docker-daemon:${tag}`, all: true },
        { runner, dockerPath: DOCKER, signal: ac.signal, localImageVia: 'save' },
      ),
      CancelledError,
    );
    assert.ok(streamed(), 'the save had started streaming');
    const ps = await runProcess('ps', ['-eo', 'pid,args']);
    const left = ps.stdout.split('\n').filter((l) => l.includes(`save ${tag}`));
    assert.deepEqual(left, []);
  });
});
