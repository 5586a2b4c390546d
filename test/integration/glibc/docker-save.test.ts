import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { runCli } from '../../../src/cli/main';
import { CancelledError, ReleaseOperatorError } from '../../../src/core/errors';
import { checkGlibc } from '../../../src/core/glibc';
import { ImageFs, localDockerImage, readSavedArchive, registryPlatformImages } from '../../../src/core/image';
import { runProcess, type Runner } from '../../../src/core/process/run';
import { RegistryClient } from '../../../src/core/registry';
import { ARTIFACTS } from '../../helpers/paths';

/** The 20.10 client builds with BuildKit; the Docker 28 client on PATH has no buildx. */
const DOCKER = '/usr/bin/docker';
const REGISTRY = process.env.RO_TESTBED_REGISTRY ?? '127.0.0.1:5000';
const LABEL = 'release-operator.test=glibc';
const id = `${process.pid}-${Date.now().toString(36)}`;
const ctx = path.join(ARTIFACTS, `docker-save-${id}`);
const tag = `ro-save-test-${id}:layers`;
const pushed = `${REGISTRY}/ro-glibc-test/save-${id}:v1`;
const LIB = '/lib/x86_64-linux-gnu';

/**
 * Six layers that exercise the merge: files, then a whiteout (rm), an opaque folder (rm -rf + mkdir in one
 * step), hard links to files of lower layers, a symlink.
 */
const DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
COPY runtime/ /
COPY app/ /
RUN ["/bin/busybox", "rm", "/usr/local/bin/old"]
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox rm -rf /opt/data && /bin/busybox mkdir /opt/data && echo new > /opt/data/new"]
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox ln /usr/local/bin/app /usr/local/bin/app-hard && /bin/busybox ln ${LIB}/libc.so.6 /opt/libc-hard && /bin/busybox ln -s app /usr/local/bin/app-sym"]
ENTRYPOINT ["/usr/local/bin/app"]
`;

async function prepare(): Promise<void> {
  if (!existsSync(DOCKER)) throw new Error(`${DOCKER} is missing. Set up the test bed: bash test/testbed/setup.sh`);
  await mkdir(path.join(ctx, 'runtime', LIB.slice(1)), { recursive: true });
  await mkdir(path.join(ctx, 'runtime/lib64'), { recursive: true });
  for (const f of ['libc.so.6', 'ld-linux-x86-64.so.2']) await copyFile(`${LIB}/${f}`, path.join(ctx, 'runtime', LIB.slice(1), f));
  await symlink(`${LIB}/ld-linux-x86-64.so.2`, path.join(ctx, 'runtime/lib64/ld-linux-x86-64.so.2'));
  await mkdir(path.join(ctx, 'app/usr/local/bin'), { recursive: true });
  await mkdir(path.join(ctx, 'app/opt/data'), { recursive: true });
  await copyFile('/usr/bin/wc', path.join(ctx, 'app/usr/local/bin/app'));
  await copyFile('/usr/bin/wc', path.join(ctx, 'app/usr/local/bin/old'));
  await writeFile(path.join(ctx, 'app/opt/data/keep'), 'below\n');
  await copyFile('/bin/busybox', path.join(ctx, 'busybox'));
  await writeFile(path.join(ctx, 'Dockerfile'), DOCKERFILE);
  const b = await runProcess(DOCKER, ['build', '-q', '--platform', 'linux/amd64', '--label', LABEL, '-t', tag, ctx], { env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 300_000 });
  if (b.exitCode !== 0) throw new Error(`docker build ${tag} failed: ${b.stderr}`);
}

/** The image's own paths (what docker export adds for a container, /dev, /proc, /etc/hosts..., left out). */
const own = (p: string) => /^\/(bin|lib|lib64|usr|opt)(\/|$)/.test(p);

/** Path and kind of every entry; hard links count as the file they link to. */
const listing = (fs: ImageFs) => [...fs.entries].filter(([p]) => own(p)).map(([p, e]) => `${p} ${e.type}`).sort();

/** What the engine itself shows as the merged filesystem: `docker export` of a created (never started) container. */
async function engineView(): Promise<string[]> {
  const c = await runProcess(DOCKER, ['create', '--label', LABEL, tag]);
  assert.equal(c.exitCode, 0, c.stderr);
  const cid = c.stdout.trim();
  const out: string[] = [];
  try {
    const r = await runProcess(DOCKER, ['export', cid], {
      consumeStdout: async (stdout) => {
        const ex = tarExtract();
        stdout.pipe(ex);
        for await (const entry of ex) {
          const h = entry.header;
          const p = path.posix.normalize('/' + h.name).replace(/(.)\/$/, '$1');
          const type = h.type === 'directory' ? 'dir' : h.type === 'symlink' ? 'symlink' : h.type === 'file' || h.type === 'link' ? 'file' : 'other';
          if (own(p)) out.push(`${p} ${type}`);
          entry.resume();
        }
      },
    });
    assert.equal(r.exitCode, 0, r.stderr);
  } finally {
    await runProcess(DOCKER, ['rm', '-f', cid]);
  }
  return out.sort();
}

/** A runner that hands the save's consumer only the first `bytes` bytes (the rest is read and dropped), or garbles from there on. */
function damaging(mode: 'cut' | 'garble', bytes: number): Runner {
  return (command, args, options = {}) => {
    const consume = options.consumeStdout;
    if (args[0] !== 'save' || !consume) return runProcess(command, args, options);
    return runProcess(command, args, {
      ...options,
      consumeStdout: (stdout) => {
        const out = new PassThrough();
        let seen = 0;
        stdout.on('data', (c: Buffer) => {
          const start = seen;
          seen += c.length;
          if (mode === 'cut') {
            if (start < bytes) out.write(c.subarray(0, bytes - start));
            if (seen >= bytes && !out.writableEnded) out.end();
          } else {
            const copy = Buffer.from(c);
            for (let i = Math.max(0, bytes - start); i < copy.length; i++) copy[i] ^= 0x5a;
            out.write(copy);
          }
        });
        stdout.on('end', () => out.writableEnded || out.end());
        return consume(out);
      },
    });
  };
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: process.env }, new AbortController().signal);
  return { code, stdout, stderr };
}

describe('glibc: a local image streamed through docker save (no temporary files)', function () {
  this.timeout(300_000);

  before(async () => {
    await prepare();
  });

  after(async () => {
    const url = `http://${REGISTRY}/v2/ro-glibc-test/save-${id}/manifests`;
    const head = await fetch(`${url}/v1`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } }).catch(() => undefined);
    const digest = head?.headers.get('docker-content-digest');
    if (digest) await fetch(`${url}/${digest}`, { method: 'DELETE' }).catch(() => undefined);
    await runProcess(DOCKER, ['rmi', '-f', tag, pushed]);
    await rm(ctx, { recursive: true, force: true });
  });

  it('reality first: the engine streams manifest.json after the layers; the layers carry a whiteout, an opaque folder and hard links', async () => {
    let archive: Awaited<ReturnType<typeof readSavedArchive>> | undefined;
    const r = await runProcess(DOCKER, ['save', tag], { consumeStdout: async (s) => void (archive = await readSavedArchive(s, `docker save of ${tag}`)) });
    assert.equal(r.exitCode, 0, r.stderr);
    const names = [...archive!.parts.keys()];
    const layerNames = names.filter((n) => archive!.parts.get(n)?.kind === 'layer');
    assert.equal(layerNames.length, 6, names.join(' '));
    assert.ok(names.indexOf('manifest.json') > Math.max(...layerNames.map((n) => names.indexOf(n))), `manifest.json comes after every layer: ${names.join(' ')}`);
    const ops = layerNames.flatMap((n) => {
      const p = archive!.parts.get(n);
      return p?.kind === 'layer' ? p.ops : [];
    });
    assert.ok(ops.some((o) => o.op === 'whiteout' && o.path === '/usr/local/bin/old'), 'rm left a whiteout');
    assert.ok(ops.some((o) => o.op === 'opaque' && o.dir === '/opt/data'), 'rm -rf + mkdir left an opaque folder');
    assert.ok(ops.some((o) => o.op === 'link'), 'ln left a hard link');
  });

  it('the merged filesystem is the one the engine shows (docker export), through either docker client, and the one read from the registry', async () => {
    const truth = await engineView();
    assert.ok(truth.includes('/usr/local/bin/app-hard file') && !truth.some((l) => l.startsWith('/usr/local/bin/old ')) && !truth.some((l) => l.startsWith('/opt/data/keep ')), truth.join('\n'));
    const img = await localDockerImage(runProcess, DOCKER, tag);
    assert.equal(img.platform, 'linux/amd64');
    assert.equal(img.layerCount, 6);
    const { fs, config } = await img.read();
    assert.deepEqual(listing(fs), truth);
    assert.deepEqual(config.config?.Entrypoint, ['/usr/local/bin/app']);
    assert.ok(fs.lstat('/opt/libc-hard')?.elf, 'a hard link to a lower layer\'s libc is that libc');
    // The Docker 28 client on PATH (talking to the same engine) streams the same image.
    const viaPath = await (await localDockerImage(runProcess, 'docker', tag)).read();
    assert.deepEqual(listing(viaPath.fs), truth);

    for (const args of [['tag', tag, pushed], ['push', pushed]]) {
      const r = await runProcess(DOCKER, args, { timeoutMs: 120_000 });
      assert.equal(r.exitCode, 0, `docker ${args[0]}: ${r.stderr} (set up the test bed: bash test/testbed/setup.sh)`);
    }
    const [remote] = await registryPlatformImages(new RegistryClient(), pushed, []);
    assert.deepEqual(listing((await remote.read()).fs), truth);
  });

  it('glibc --all on the image checks what is there: the hard links, not the removed file', async () => {
    const report = await checkGlibc({ target: `docker-daemon:${tag}`, all: true }, { runner: runProcess, docker: DOCKER });
    const p = report.platforms[0];
    assert.equal(p.ok, true, JSON.stringify(p.findings));
    assert.equal(p.provided, '2.36');
    assert.deepEqual(p.binaries.map((b) => b.path), ['/bin/busybox', `${LIB}/ld-linux-x86-64.so.2`, `${LIB}/libc.so.6`, '/opt/libc-hard', '/usr/local/bin/app', '/usr/local/bin/app-hard']);
  });

  it('a save cut short or garbled in transit is a clear error naming the image', async () => {
    for (const bytes of [1000, 300_000, 1_500_000]) {
      await assert.rejects(
        checkGlibc({ target: `docker-daemon:${tag}` }, { runner: damaging('cut', bytes), docker: DOCKER }),
        (e: ReleaseOperatorError) => e instanceof ReleaseOperatorError && e.kind === 'environment' && e.message === `The docker save of ${tag} is cut short or not a tar archive (Unexpected end of data).`,
      );
    }
    for (const bytes of [600, 5000, 1_000_000]) {
      await assert.rejects(checkGlibc({ target: `docker-daemon:${tag}` }, { runner: damaging('garble', bytes), docker: DOCKER }), (e: ReleaseOperatorError) => {
        return e instanceof ReleaseOperatorError && e.message.includes(`docker save of ${tag}`) && Boolean(e.hint);
      });
    }
  });

  it('a docker save that fails part way (exit code, stderr) is an environment error with docker\'s message; no stack trace', async () => {
    const script = path.join(ctx, 'docker-failing-save');
    await writeFile(script, `#!/bin/sh\nif [ "$1" = save ]; then ${DOCKER} "$@" | head -c 200000; echo "Error response from daemon: simulated failure mid-save" >&2; exit 1; fi\nexec ${DOCKER} "$@"\n`);
    await chmod(script, 0o755);
    const r = await cli('glibc', tag, '--docker', script);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`docker save ${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed: Error response from daemon: simulated failure mid-save`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('cancel while the save streams: CancelledError, and no docker save process is left', async () => {
    const ac = new AbortController();
    let streamed = false;
    const runner: Runner = (command, args, options = {}) =>
      runProcess(command, args, {
        ...options,
        consumeStdout:
          options.consumeStdout &&
          ((stdout) => {
            stdout.once('data', () => {
              streamed = true;
              ac.abort();
            });
            return options.consumeStdout!(stdout);
          }),
      });
    await assert.rejects(checkGlibc({ target: `docker-daemon:${tag}`, all: true }, { runner, docker: DOCKER, signal: ac.signal }), CancelledError);
    assert.ok(streamed, 'the save had started streaming');
    const ps = await runProcess('ps', ['-eo', 'pid,args']);
    const left = ps.stdout.split('\n').filter((l) => l.includes(`save ${tag}`));
    assert.deepEqual(left, []);
  });
});
