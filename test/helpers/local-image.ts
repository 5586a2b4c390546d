import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { runCli } from '../../src/cli/main';
import type { ImageFs } from '../../src/core/image';
import { runProcess, type Runner } from '../../src/core/process/run';
import { FOREIGN, fixtureFile } from './elf-fixtures';
import { FIXTURES } from './paths';

/**
 * A local image with six layers for the glibc tests of `docker save` and `docker export`, built by the real
 * engine, plus what the tests compare it with.
 */

/** The 20.10 client builds with BuildKit; the Docker 28 client on PATH has no buildx. */
export const DOCKER = '/usr/bin/docker';
export const REGISTRY = process.env.RO_TESTBED_REGISTRY ?? '127.0.0.1:5000';
const TEST_LABEL = 'release-operator.test=glibc';
export const LIB = '/lib/x86_64-linux-gnu';

/**
 * Six layers that exercise the merge: files, then a whiteout (rm), an opaque folder (rm -rf + mkdir in one
 * step), hard links to files of lower layers, a symlink.
 */
const LAYERED = `FROM scratch
COPY busybox /bin/busybox
COPY runtime/ /
COPY app/ /
RUN ["/bin/busybox", "rm", "/usr/local/bin/old"]
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox rm -rf /opt/data && /bin/busybox mkdir /opt/data && echo new > /opt/data/new"]
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox ln /usr/local/bin/app /usr/local/bin/app-hard && /bin/busybox ln ${LIB}/libc.so.6 /opt/libc-hard && /bin/busybox ln -s app /usr/local/bin/app-sym"]
ENTRYPOINT ["/usr/local/bin/app"]
`;

export async function dockerBuild(
  ctx: string,
  tag: string,
  opts: { dockerfile?: string; platform?: string } = {},
): Promise<void> {
  const args = [
    'build',
    '-q',
    '--platform',
    opts.platform ?? 'linux/amd64',
    '--label',
    TEST_LABEL,
    '-t',
    tag,
    ...(opts.dockerfile ? ['-f', path.join(ctx, opts.dockerfile)] : []),
    ctx,
  ];
  const b = await runProcess(DOCKER, args, { env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 300_000 });
  if (b.exitCode !== 0) throw new Error(`docker build ${tag} failed: ${b.stderr}`);
}

/** Builds the six-layer image from this machine's libc, wc and busybox in `ctx`. */
export async function buildLayeredImage(ctx: string, tag: string): Promise<void> {
  if (!existsSync(DOCKER)) throw new Error(`${DOCKER} is missing. Set up the test bed: bash test/testbed/setup.sh`);
  await mkdir(path.join(ctx, 'runtime', LIB.slice(1)), { recursive: true });
  await mkdir(path.join(ctx, 'runtime/lib64'), { recursive: true });
  for (const f of ['libc.so.6', 'ld-linux-x86-64.so.2'])
    await copyFile(`${LIB}/${f}`, path.join(ctx, 'runtime', LIB.slice(1), f));
  await symlink(`${LIB}/ld-linux-x86-64.so.2`, path.join(ctx, 'runtime/lib64/ld-linux-x86-64.so.2'));
  await mkdir(path.join(ctx, 'app/usr/local/bin'), { recursive: true });
  await mkdir(path.join(ctx, 'app/opt/data'), { recursive: true });
  await copyFile('/usr/bin/wc', path.join(ctx, 'app/usr/local/bin/app'));
  await copyFile('/usr/bin/wc', path.join(ctx, 'app/usr/local/bin/old'));
  await writeFile(path.join(ctx, 'app/opt/data/keep'), 'below\n');
  await copyFile('/bin/busybox', path.join(ctx, 'busybox'));
  await writeFile(path.join(ctx, 'Dockerfile'), LAYERED);
  await dockerBuild(ctx, tag);
}

/**
 * The arm64 twin's build context in `ctx`: Debian's arm64 libc6 folder as /lib/aarch64-linux-gnu (+ the loader
 * symlink), a dynamic arm64 busybox as /usr/local/bin/app, and Dockerfile.arm64 (COPY only: nothing runs).
 */
export async function prepareArm64Context(ctx: string): Promise<void> {
  const arm = path.join(ctx, 'runtime-arm64/lib');
  await mkdir(path.join(arm, 'aarch64-linux-gnu'), { recursive: true });
  for (const f of ['libc.so.6', 'ld-linux-aarch64.so.1', 'libresolv.so.2'])
    await copyFile(
      fixtureFile(`${FOREIGN}/libc6_arm64/lib/aarch64-linux-gnu/${f}`),
      path.join(arm, 'aarch64-linux-gnu', f),
    );
  await symlink('aarch64-linux-gnu/ld-linux-aarch64.so.1', path.join(arm, 'ld-linux-aarch64.so.1'));
  await mkdir(path.join(ctx, 'app-arm64/usr/local/bin'), { recursive: true });
  await copyFile(fixtureFile(`${FOREIGN}/busybox_arm64/bin/busybox`), path.join(ctx, 'app-arm64/usr/local/bin/app'));
  await copyFile(path.join(FIXTURES, 'glibc', 'Dockerfile.arm64'), path.join(ctx, 'Dockerfile.arm64'));
}

/** prepareArm64Context, then the arm64 image `tag` built from it. */
export async function buildArm64Image(ctx: string, tag: string): Promise<void> {
  await prepareArm64Context(ctx);
  await dockerBuild(ctx, tag, { dockerfile: 'Dockerfile.arm64', platform: 'linux/arm64' });
}

/** The image's own paths (what docker export adds for a container, /dev, /proc, /etc/hosts..., left out). */
const own = (p: string) => /^\/(bin|lib|lib64|usr|opt)(\/|$)/.test(p);

/** Path and kind of every entry; hard links count as the file they link to. */
export const listing = (fs: ImageFs) =>
  [...fs.entries]
    .filter(([p]) => own(p))
    .map(([p, e]) => `${p} ${e.type}`)
    .sort();

/** Every entry of the image's own paths with what the checks read of it (all but the layer it came from). */
export const entriesOf = (fs: ImageFs) =>
  Object.fromEntries(
    [...fs.entries]
      .filter(([p]) => own(p))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([p, { layer: _layer, ...rest }]) => [p, rest]),
  );

/** What the engine itself shows as the merged filesystem: `docker export` of a created (never started) container. */
export async function engineView(tag: string): Promise<string[]> {
  const c = await runProcess(DOCKER, ['create', '--label', TEST_LABEL, tag]);
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
          const type =
            h.type === 'directory'
              ? 'dir'
              : h.type === 'symlink'
                ? 'symlink'
                : h.type === 'file' || h.type === 'link'
                  ? 'file'
                  : 'other';
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

/**
 * A runner that hands the consumer of `docker <command>` (save or export) only the first `bytes` bytes (the rest
 * is read and dropped), or garbles from there on.
 */
export function damaging(command: 'save' | 'export', mode: 'cut' | 'garble', bytes: number): Runner {
  return (program, args, options = {}) => {
    const consume = options.consumeStdout;
    if (args[0] !== command || !consume) return runProcess(program, args, options);
    return runProcess(program, args, {
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

/** A real runner that cancels `ac` as soon as a streamed stdout (docker save / export) gives its first bytes. */
export function cancelOnFirstBytes(ac: AbortController): { runner: Runner; streamed(): boolean } {
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
  return { runner, streamed: () => streamed };
}

export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: process.env },
    new AbortController().signal,
  );
  return { code, stdout, stderr };
}

/** Deletes a manifest this suite pushed to the test registry (delete is enabled there). */
export async function deletePushed(repo: string, tag: string): Promise<void> {
  const url = `http://${REGISTRY}/v2/${repo}/manifests`;
  const head = await fetch(`${url}/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
  }).catch(() => undefined);
  const digest = head?.headers.get('docker-content-digest');
  if (digest) await fetch(`${url}/${digest}`, { method: 'DELETE' }).catch(() => undefined);
}

export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
