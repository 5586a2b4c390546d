/**
 * A repository to release, and its images, for the gate and assemble tests: the smoke fixture's Dockerfile
 * (FROM scratch + busybox: no base image can be pulled here) in a git repository with a release workflow and a
 * version tag; images built per platform by the real engine with the OCI labels a release carries, and pushed
 * to a registry of the test's own.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runProcess } from '../../src/core/process/run';
import { ARTIFACTS, FIXTURES, REPO_ROOT } from './paths';

/** The 20.10 client builds with BuildKit (--platform); the Docker 28 client on PATH has no buildx. */
export const DOCKER = '/usr/bin/docker';
export const GATE_TEST_LABEL = 'release-operator.test=gate';
const BUSYBOX: Record<string, string> = {
  amd64: '/bin/busybox',
  arm64: '/var/cache/release-operator/foreign/busybox-static_arm64/bin/busybox',
};
const SETUP = 'Set up the test bed first: bash test/testbed/setup.sh';

export interface Workspace {
  dir: string;
  commit: string;
  /** Local image tags this workspace built (removed by remove()). */
  built: string[];
  remove(): Promise<void>;
}

async function must(cmd: string, args: string[], cwd?: string, env?: Record<string, string>): Promise<string> {
  const r = await runProcess(cmd, args, { cwd, env, timeoutMs: 300_000, missingHint: SETUP });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

const git = (dir: string, ...args: string[]) =>
  must(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
    dir,
  );

/**
 * A git repository with the fixture Dockerfile, the given workflows (default: the single-runner reference
 * workflow of docs/) and a version tag on its one commit.
 */
export async function releaseWorkspace(
  o: { tag?: string; workflows?: Record<string, string>; files?: Record<string, string> } = {},
): Promise<Workspace> {
  if (!existsSync(DOCKER)) throw new Error(`${DOCKER} is missing. ${SETUP}`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(path.join(ARTIFACTS, 'gate-ws-'));
  cpSync(path.join(FIXTURES, 'smoke'), dir, { recursive: true });
  for (const [arch, file] of Object.entries(BUSYBOX)) {
    if (!existsSync(file)) throw new Error(`${file} is missing. ${SETUP}`);
    copyFileSync(file, path.join(dir, `busybox-${arch}`));
  }
  const workflows = o.workflows ?? {
    'release.yml': readFileSync(path.join(REPO_ROOT, 'docs', 'workflows', 'release-single-runner.yml'), 'utf8'),
  };
  mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
  for (const [name, text] of Object.entries(workflows))
    writeFileSync(path.join(dir, '.github', 'workflows', name), text);
  for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(path.join(dir, name), text);
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'remote', 'add', 'origin', 'https://github.com/acme/rocket.git');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'release');
  if (o.tag) await git(dir, 'tag', o.tag);
  const commit = await git(dir, 'rev-parse', 'HEAD');
  const built: string[] = [];
  return {
    dir,
    commit,
    built,
    remove: async () => {
      if (built.length) await runProcess(DOCKER, ['rmi', '-f', ...built.splice(0)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Builds the fixture for one platform under `tag` with the release's labels; returns the image ID. */
export async function buildRelease(
  ws: Workspace,
  tag: string,
  platform: string,
  o: { version: string; mode?: string; delay?: string; revision?: string },
): Promise<string> {
  const labels = {
    'org.opencontainers.image.version': o.version,
    'org.opencontainers.image.revision': o.revision ?? ws.commit,
    'org.opencontainers.image.source': 'https://github.com/acme/rocket',
  };
  await must(
    DOCKER,
    [
      'build',
      '-q',
      '--platform',
      platform,
      '--build-arg',
      `MODE=${o.mode ?? 'healthy'}`,
      ...(o.delay ? ['--build-arg', `DELAY=${o.delay}`] : []),
      '--label',
      GATE_TEST_LABEL,
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      '-t',
      tag,
      ws.dir,
    ],
    ws.dir,
    { DOCKER_BUILDKIT: '1' },
  );
  if (!ws.built.includes(tag)) ws.built.push(tag);
  return must(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', tag]);
}

/** docker tag + docker push (the candidate push of a pipeline); the remote tag is untagged locally afterwards. */
export async function pushCandidate(local: string, remote: string): Promise<void> {
  await must(DOCKER, ['tag', local, remote]);
  try {
    await must(DOCKER, ['push', '-q', remote]);
  } finally {
    await runProcess(DOCKER, ['rmi', remote]);
  }
}
