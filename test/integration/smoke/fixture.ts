import { copyFile, cp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runProcess } from '../../../src/core/process/run';
import { loadConfig } from '../../../src/core/config/load';
import { smokeOptionsFromConfig, type SmokeOptions } from '../../../src/core/smoke';
import { ARTIFACTS, FIXTURES } from '../../helpers/paths';

/** The 20.10 client: it builds with BuildKit (--platform) without buildx; the Docker 28 client on PATH cannot. */
export const DOCKER = '/usr/bin/docker';
const TEST_LABEL = { 'release-operator.test': 'smoke' };
const BUSYBOX: Record<string, string> = {
  amd64: '/bin/busybox',
  arm64: '/var/cache/release-operator/foreign/busybox-static_arm64/bin/busybox',
  s390x: '/var/cache/release-operator/foreign/busybox_s390x/bin/busybox',
};
const SETUP = 'Set up the test bed first: bash test/testbed/setup.sh';

export const testId = `${process.pid}-${Date.now().toString(36)}`;
export const contextDir = path.join(ARTIFACTS, `smoke-${testId}`);
const built: string[] = [];

/** Copies the fixture Dockerfile + entrypoint and the busybox binaries into a build context. */
export async function prepareContext(): Promise<void> {
  if (!existsSync(DOCKER)) throw new Error(`${DOCKER} (the Docker 20.10 client) is missing. ${SETUP}`);
  await mkdir(contextDir, { recursive: true });
  await cp(path.join(FIXTURES, 'smoke'), contextDir, { recursive: true });
  for (const [arch, file] of Object.entries(BUSYBOX)) {
    if (!existsSync(file)) throw new Error(`${file} is missing. ${SETUP}`);
    await copyFile(file, path.join(contextDir, `busybox-${arch}`));
  }
}

/** Builds one fixture variant for one platform; returns its tag (removed by removeFixtures). */
export async function buildFixture(mode: string, platform: string, extraArgs: string[] = []): Promise<string> {
  const tag = `ro-smoke-fixture:${mode}-${platform.split('/')[1]}-${testId}`;
  const r = await runProcess(
    DOCKER,
    [
      'build',
      '-q',
      '--platform',
      platform,
      '--build-arg',
      `MODE=${mode}`,
      ...extraArgs,
      '--label',
      'release-operator.test=smoke',
      '-t',
      tag,
      contextDir,
    ],
    {
      env: { DOCKER_BUILDKIT: '1' },
      timeoutMs: 300_000,
    },
  );
  if (r.exitCode !== 0) throw new Error(`building fixture ${tag} failed: ${r.stderr}`);
  built.push(tag);
  return tag;
}

export async function removeFixtures(): Promise<void> {
  if (built.length) await runProcess(DOCKER, ['rmi', ...built.splice(0)]);
  await rm(contextDir, { recursive: true, force: true });
}

/** Smoke options from the product's defaults, pointed at the 20.10 client, labelled as this suite's. */
export async function options(overrides: Partial<SmokeOptions>): Promise<SmokeOptions> {
  const { config } = await loadConfig(contextDir);
  config.dockerPath = DOCKER;
  return { ...smokeOptionsFromConfig(config, contextDir, {}), labels: TEST_LABEL, pollIntervalMs: 250, ...overrides };
}

/** Containers and images that still carry a run's label. */
export async function leftovers(runId: string): Promise<{ containers: string[]; images: string[] }> {
  const f = `label=release-operator.smoke=${runId}`;
  const c = await runProcess(DOCKER, ['ps', '-aq', '--filter', f]);
  const i = await runProcess(DOCKER, ['images', '-q', '--filter', f]);
  const lines = (s: string) =>
    s
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  return { containers: lines(c.stdout), images: lines(i.stdout) };
}
