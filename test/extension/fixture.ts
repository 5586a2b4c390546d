/**
 * The workspace the VS Code tests open: a git repository (package.json 1.2.3, a GitHub remote not named
 * origin, version tags) whose release-operator.json points at an image in the test bed's registry
 * (127.0.0.1:5000). The image is real and runnable by the local Docker engine on amd64 and arm64 (QEMU):
 * busybox FROM scratch, `--help` exits 0, `--version` prints the version, and it serves GET /health -> ok.
 * Tags: v1.2.3 (+ v1.2, v1, latest, its commit tag aaaaaaa), v1.2.2 (+ bbbbbbb), `amd64-only` (a missing platform) and `broken` (the service
 * dies at start, for the failing-logs path) and `slow` (never healthy, to cancel a run). Run: node out/test/extension/fixture.js <workspace dir>
 * Prints one JSON document: { workspace, image, digests }.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { pack } from 'tar-stream';
import { runProcess } from '../../src/core/process/run';
import {
  pushBlob,
  pushIndex,
  putManifest,
  tagManifest,
  type PushedManifest,
  type TestRegistry,
} from '../helpers/registry';

const REGISTRY = '127.0.0.1:5000';
const REPO = 'ro-test/extension-rocket';
const BUSYBOX: Record<string, string> = {
  amd64: '/bin/busybox',
  arm64: '/var/cache/release-operator/foreign/busybox-static_arm64/bin/busybox',
};

type Mode = 'good' | 'broken' | 'slow';
const SERVE: Record<Mode, string> = {
  good: 'mkdir -p /www && echo ok > /www/health\nexec /bin/busybox httpd -f -p 8080 -h /www',
  broken:
    'echo "rocket: cannot open /etc/rocket.conf: No such file or directory" >&2\necho "rocket: giving up" >&2\nexit 3',
  // Never answers: the health step waits for its deadline, long enough to cancel the run.
  slow: 'echo "rocket: warming up"\nexec /bin/busybox sleep 600',
};
const entry = (mode: Mode) => `#!/bin/busybox sh
case "$1" in
  --help) echo "usage: rocket [--help|--version]"; exit 0 ;;
  --version) echo "rocket 1.2.3"; exit 0 ;;
esac
${SERVE[mode]}
`;

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function tarOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const d of ['bin', 'tmp', 'www']) p.entry({ name: d, type: 'directory', mode: 0o755, mtime: new Date(0) });
  for (const [name, content] of Object.entries(files)) p.entry({ name, mode: 0o755, mtime: new Date(0) }, content);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function pushRunnable(
  reg: TestRegistry,
  arch: string,
  mode: Mode,
  version: string,
  revision: string,
): Promise<PushedManifest> {
  const bin = BUSYBOX[arch];
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run bash test/testbed/setup.sh`);
  const tar = await tarOf({ 'bin/busybox': readFileSync(bin), 'entrypoint.sh': entry(mode) });
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: {
        Entrypoint: ['/bin/busybox', 'sh', '/entrypoint.sh'],
        ExposedPorts: { '8080/tcp': {} },
        Labels: {
          'org.opencontainers.image.version': version,
          'org.opencontainers.image.source': 'https://github.com/acme/rocket',
          'org.opencontainers.image.revision': revision,
          'org.opencontainers.image.title': 'rocket',
        },
      },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  );
  const [configDigest, layerDigest] = await Promise.all([pushBlob(reg, REPO, config), pushBlob(reg, REPO, layer)]);
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
    }),
  );
  const digest = await putManifest(reg, REPO, sha256(bytes), bytes, mediaType);
  return {
    digest,
    mediaType,
    bytes,
    size: bytes.length,
    platform: { os: 'linux', architecture: arch },
    configDigest,
    layerDigest,
  };
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await runProcess('git', args, {
    cwd,
    env: { GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z' },
  });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

async function main(): Promise<void> {
  const workspace = path.resolve(process.argv[2] ?? 'test/.artifacts/vscode/workspace');
  const reg: TestRegistry = {
    auth: 'none',
    host: REGISTRY,
    url: `http://${REGISTRY}`,
    tokenRequests: [],
    dir: '',
    fetch,
    log: () => '',
    stop: async () => {},
  };
  const ping = await fetch(`${reg.url}/v2/`).catch(() => undefined);
  if (ping?.status !== 200)
    throw new Error(`the test bed registry at ${REGISTRY} does not answer: run bash test/testbed/setup.sh`);

  // Revisions are fixed (the images are pushed before the repository exists); each has its commit tag.
  const [rev3, rev2] = ['a'.repeat(40), 'b'.repeat(40)];
  const good = await Promise.all(['amd64', 'arm64'].map((a) => pushRunnable(reg, a, 'good', '1.2.3', rev3)));
  const index = await pushIndex(reg, REPO, good, { tag: 'v1.2.3', attestations: true });
  for (const t of ['v1.2', 'v1', 'latest', rev3.slice(0, 7)]) await tagManifest(reg, REPO, t, index);
  const older = await Promise.all(['amd64', 'arm64'].map((a) => pushRunnable(reg, a, 'good', '1.2.2', rev2)));
  const olderIndex = await pushIndex(reg, REPO, older, { tag: 'v1.2.2', attestations: true });
  await tagManifest(reg, REPO, rev2.slice(0, 7), olderIndex);
  const amd64Only = await pushIndex(reg, REPO, [good[0]], { tag: 'amd64-only', attestations: true });
  const broken = await Promise.all(['amd64', 'arm64'].map((a) => pushRunnable(reg, a, 'broken', '1.2.3', rev3)));
  const brokenIndex = await pushIndex(reg, REPO, broken, { tag: 'broken' });
  const slow = await Promise.all(['amd64', 'arm64'].map((a) => pushRunnable(reg, a, 'slow', '1.2.3', rev3)));
  await pushIndex(reg, REPO, slow, { tag: 'slow' });

  rmSync(workspace, { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  const write = (f: string, text: string) => writeFileSync(path.join(workspace, f), text);
  await git(workspace, 'init', '-q', '-b', 'main');
  await git(workspace, 'config', 'user.email', 'test@example.com');
  await git(workspace, 'config', 'user.name', 'Release Operator Tests');
  await git(workspace, 'remote', 'add', 'upstream', 'https://github.com/acme/rocket.git');
  write('package.json', JSON.stringify({ name: 'rocket', version: '1.2.2' }, null, 2) + '\n');
  write('Dockerfile', 'FROM scratch\nCOPY rocket /rocket\nENTRYPOINT ["/rocket"]\n');
  // The docker on PATH, by its full path: the same program for the trusted suites; an untrusted workspace must
  // not take it from the repository (trust.test checks that the default is used there).
  const dockerOnPath = (await runProcess('sh', ['-c', 'command -v docker'])).stdout.trim();
  if (!dockerOnPath) throw new Error('no docker on PATH: run bash test/testbed/setup.sh');
  write(
    'release-operator.json',
    JSON.stringify(
      {
        image: `${REGISTRY}/${REPO}`,
        dockerPath: dockerOnPath,
        requiredPlatforms: ['linux/amd64', 'linux/arm64'],
        smoke: {
          helpArgs: ['--help'],
          versionArgs: ['--version'],
          versionPattern: 'rocket \\d',
          port: 8080,
          healthPath: '/health',
          expectBody: 'ok',
          timeoutSeconds: 30,
          emulatedTimeoutSeconds: 90,
          logTail: 50,
        },
      },
      null,
      2,
    ) + '\n',
  );
  mkdirSync(path.join(workspace, '.github', 'workflows'), { recursive: true });
  write(
    '.github/workflows/release.yml',
    `name: Release
on:
  push:
    tags: ['v*']
  workflow_dispatch:
    inputs:
      version: { description: 'Version to release', type: string, required: true }
      dry_run: { description: 'Only build', type: boolean, default: false }
      channel: { description: 'Channel', type: choice, options: [stable, beta], default: stable }
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with: { push: true, tags: ghcr.io/acme/rocket:latest }
`,
  );
  await git(workspace, 'add', '-A');
  await git(workspace, 'commit', '-q', '-m', 'rocket 1.2.2');
  await git(workspace, 'tag', 'v1.2.2');
  write('package.json', JSON.stringify({ name: 'rocket', version: '1.2.3' }, null, 2) + '\n');
  await git(workspace, 'commit', '-q', '-am', 'rocket 1.2.3');
  await git(workspace, 'tag', '-a', 'v1.2.3', '-m', 'v1.2.3');
  process.stdout.write(
    JSON.stringify({
      workspace,
      image: `${REGISTRY}/${REPO}`,
      head: await git(workspace, 'rev-parse', 'HEAD'),
      digests: {
        'v1.2.3': index.digest,
        'v1.2.2': olderIndex.digest,
        'amd64-only': amd64Only.digest,
        broken: brokenIndex.digest,
        amd64: good[0].digest,
        arm64: good[1].digest,
      },
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`fixture: ${(e as Error).message}\n`);
  process.exit(1);
});
