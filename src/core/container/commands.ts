import type { Readable } from 'node:stream';
import { environmentError } from '../errors';
import { neutralize } from '../neutralize';
import { jsonLines, type DockerCommand, type DockerStreamCommand } from './command';
import { labelArgs } from './labels';
import { lastLine } from '../process/run';

/** Docker commands as data. Each returns argv + a parser; DockerClient.exec runs them. */

export interface ServerInfo {
  version: string;
  os: string;
  arch: string;
}

export const serverVersion = (): DockerCommand<ServerInfo> => ({
  args: ['version', '--format', '{{json .Server}}'],
  timeoutMs: 20_000,
  // However `docker version` fails, the engine could not be asked: never the release's problem.
  failureKind: 'environment',
  parse: (r) => {
    let json: unknown;
    try {
      json = JSON.parse(r.stdout.trim() || 'null');
    } catch {
      throw environmentError(
        `docker version did not answer with JSON (${neutralize(r.stdout.trim(), 120) || 'no output'}).`,
        'Check the docker executable (dockerPath / --docker) and the engine (docker info).',
      );
    }
    const s = json as {
      Version?: string;
      Os?: string;
      Arch?: string;
      Components?: Array<{ Name: string; Details?: { Os?: string; Arch?: string } }>;
    } | null;
    const engine = s?.Components?.find((c) => c.Name === 'Engine')?.Details;
    return { version: s?.Version ?? '', os: s?.Os ?? engine?.Os ?? 'linux', arch: s?.Arch ?? engine?.Arch ?? '' };
  },
});

/** `docker buildx version`: the plugin's version line, or undefined when the plugin is absent. */
export const buildxVersion = (): DockerCommand<string | undefined> => ({
  args: ['buildx', 'version'],
  timeoutMs: 20_000,
  acceptExitCodes: 'any',
  parse: (r) => (r.exitCode === 0 ? r.stdout.trim() : undefined),
});

/** Whether the client accepts BuildKit builds without buildx (Docker 28 without the plugin refuses even --help). */
export const classicBuildKitProbe = (): DockerCommand<boolean> => ({
  args: ['build', '--help'],
  env: { DOCKER_BUILDKIT: '1' },
  timeoutMs: 20_000,
  acceptExitCodes: 'any',
  parse: (r) => r.exitCode === 0,
});

export interface BuildParams {
  builder: 'buildx' | 'buildkit';
  platform: string;
  tag: string;
  dockerfile: string;
  context: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
}

export const build = (p: BuildParams): DockerCommand<void> => {
  const common = [
    '--platform',
    p.platform,
    '-t',
    p.tag,
    '-f',
    p.dockerfile,
    ...labelArgs(p.labels),
    ...Object.entries(p.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    '--progress',
    'plain',
    p.context,
  ];
  return p.builder === 'buildx'
    ? { args: ['buildx', 'build', '--load', ...common], timeoutMs: 0, parse: () => undefined }
    : { args: ['build', ...common], env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 0, parse: () => undefined };
};

export interface ImageInfo {
  id: string;
  os: string;
  architecture: string;
  variant?: string;
  repoTags: string[];
  repoDigests: string[];
}

/** `docker image inspect`: undefined when there is no such local image. */
export const imageInspect = (ref: string): DockerCommand<ImageInfo | undefined> => ({
  args: ['image', 'inspect', '--format', '{{json .}}', ref],
  timeoutMs: 30_000,
  acceptExitCodes: [1],
  parse: (r) => {
    if (r.exitCode !== 0) {
      if (/no such image/i.test(r.stderr)) return undefined;
      throw environmentError(r.stderr.trim());
    }
    const j = jsonLines<{
      Id: string;
      Os: string;
      Architecture: string;
      Variant?: string;
      RepoTags?: string[];
      RepoDigests?: string[];
    }>(r.stdout)[0];
    return {
      id: j.Id,
      os: j.Os,
      architecture: j.Architecture,
      variant: j.Variant || undefined,
      repoTags: j.RepoTags ?? [],
      repoDigests: j.RepoDigests ?? [],
    };
  },
});

export const pull = (ref: string, platform: string): DockerCommand<void> => ({
  args: ['pull', '--platform', platform, '--quiet', ref],
  timeoutMs: 0,
  parse: () => undefined,
});

export interface ContainerSpec {
  name: string;
  image: string;
  /** --platform; left out when not given (the engine picks the image's own). */
  platform?: string;
  labels: Record<string, string>;
  env?: Record<string, string>;
  /** Container port published on loopback: on `hostPort` when given (see freeLoopbackPort), else where Docker picks. */
  publish?: number;
  hostPort?: number;
  /** The host address the port is published on; default 127.0.0.1 (loopback only). */
  publishAddress?: string;
  /** `--network`: e.g. 'none' for a container that needs no network; default Docker's. */
  network?: string;
  /** `--memory` (and the same `--memory-swap`: no swap beyond it), e.g. 256m; none when not given. */
  memory?: string;
  args?: string[];
}

function containerArgs(s: ContainerSpec): string[] {
  return [
    '--name',
    s.name,
    ...(s.platform ? ['--platform', s.platform] : []),
    ...labelArgs(s.labels),
    ...Object.entries(s.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...(s.publish ? ['-p', `${s.publishAddress ?? '127.0.0.1'}:${s.hostPort ?? 0}:${s.publish}`] : []),
    ...(s.network ? ['--network', s.network] : []),
    ...(s.memory ? ['--memory', s.memory, '--memory-swap', s.memory] : []),
    s.image,
    ...(s.args ?? []),
  ];
}

export interface AttachedRun {
  exitCode: number;
  timedOut: boolean;
  /** stdout and stderr lines in arrival order. */
  output: string[];
}

/**
 * Runs a container to completion (attached); the container's exit code is the result, not an error. No signal
 * proxy: by default the client hands a SIGTERM (a cancel, a timeout) to the container and lives on until that ends
 * (a PID 1 without a handler ignores it); the container is removed by name instead.
 */
export const runAttached = (s: ContainerSpec, timeoutMs: number): DockerCommand<AttachedRun> => ({
  args: ['run', '--sig-proxy=false', ...containerArgs(s)],
  timeoutMs,
  acceptExitCodes: 'any',
  parse: (r) => ({ exitCode: r.exitCode, timedOut: r.timedOut, output: r.lines }),
});

/**
 * Creates a container without starting it (to read its filesystem with `docker export`); resolves to its id.
 * `--pull never`: only an image the engine already has, never one fetched from a registry.
 */
export const createContainer = (s: ContainerSpec): DockerCommand<string> => ({
  args: ['create', '--pull', 'never', ...containerArgs(s)],
  timeoutMs: 60_000,
  parse: (r) => r.stdout.trim().split(/\r?\n/).at(-1)!.trim(),
});

/** How long the engine may take to stream an image's files (hundreds of MiB on a busy host). */
const STREAM_TIMEOUT_MS = 600_000;

/** `docker save`: every layer of the image, as the tar stream `consume` reads. */
export const saveImage = <T>(image: string, consume: (tar: Readable) => Promise<T>): DockerStreamCommand<T> => ({
  args: ['save', image],
  what: `docker save ${image}`,
  timeoutMs: STREAM_TIMEOUT_MS,
  consume,
});

/** `docker export`: a container's merged filesystem as one flat tar stream; `what` names it for messages. */
export const exportContainer = <T>(
  container: string,
  what: string,
  consume: (tar: Readable) => Promise<T>,
): DockerStreamCommand<T> => ({ args: ['export', container], what, timeoutMs: STREAM_TIMEOUT_MS, consume });

/** Starts a container in the background; resolves to its id. */
export const runDetached = (s: ContainerSpec): DockerCommand<string> => ({
  args: ['run', '-d', ...containerArgs(s)],
  timeoutMs: 60_000,
  parse: (r) => r.stdout.trim().split(/\r?\n/).at(-1)!.trim(),
});

/** A `docker run` that failed only because the host port it asked for was taken meanwhile (worth another port). */
export const isPortTaken = (text: string) => /port is already allocated|address already in use/i.test(text);

export interface ContainerState {
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt: string;
  finishedAt: string;
}

export const containerState = (container: string): DockerCommand<ContainerState> => ({
  args: ['inspect', '--type', 'container', '--format', '{{json .State}}', container],
  timeoutMs: 20_000,
  parse: (r) => {
    const s = JSON.parse(r.stdout.trim()) as {
      Status: string;
      Running: boolean;
      ExitCode: number;
      OOMKilled: boolean;
      Error: string;
      StartedAt: string;
      FinishedAt: string;
    };
    return {
      status: s.Status,
      running: s.Running,
      exitCode: s.ExitCode,
      oomKilled: s.OOMKilled,
      error: s.Error,
      startedAt: s.StartedAt,
      finishedAt: s.FinishedAt,
    };
  },
});

/** The `docker ps -a` row of one container, with its header, as a person would see it. */
export const psRow = (container: string): DockerCommand<string> => ({
  args: [
    'ps',
    '-a',
    '--filter',
    `name=^${container}$`,
    '--format',
    'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
  ],
  timeoutMs: 20_000,
  parse: (r) => r.stdout.trimEnd(),
});

/** The last lines of a container's log, stdout and stderr as they arrived. */
export const logs = (container: string, tail: number): DockerCommand<string[]> => ({
  args: ['logs', '--tail', String(tail), container],
  timeoutMs: 30_000,
  parse: (r) => r.lines,
});

export interface ListedContainer {
  id: string;
  names: string;
  image: string;
  status: string;
  labels: string;
}

export const listContainers = (labelFilter: string): DockerCommand<ListedContainer[]> => ({
  args: ['ps', '-a', '--no-trunc', '--filter', `label=${labelFilter}`, '--format', '{{json .}}'],
  timeoutMs: 30_000,
  parse: (r) =>
    jsonLines<{ ID: string; Names: string; Image: string; Status: string; Labels: string }>(r.stdout).map((c) => ({
      id: c.ID,
      names: c.Names,
      image: c.Image,
      status: c.Status,
      labels: c.Labels,
    })),
});

export interface ListedImage {
  id: string;
  reference: string;
}

export const listImages = (labelFilter: string): DockerCommand<ListedImage[]> => ({
  args: ['images', '--no-trunc', '--filter', `label=${labelFilter}`, '--format', '{{json .}}'],
  timeoutMs: 30_000,
  parse: (r) =>
    jsonLines<{ ID: string; Repository: string; Tag: string }>(r.stdout).map((i) => ({
      id: i.ID,
      reference: i.Repository === '<none>' ? i.ID : `${i.Repository}:${i.Tag}`,
    })),
});

/** Force-removes containers (and their anonymous volumes); ones already gone are not an error. */
export const removeContainers = (ids: string[]): DockerCommand<void> => ({
  args: ['rm', '-f', '-v', ...ids],
  timeoutMs: 60_000,
  acceptExitCodes: [1],
  parse: (r) => {
    const real = r.stderr.split(/\r?\n/).filter((l) => l.trim() && !/no such container/i.test(l));
    if (r.exitCode !== 0 && real.length) throw environmentError(real.join('\n'));
  },
});

/** Force-removes one container by name or id; true when it existed (docker prints what it removed). */
export const removeContainer = (container: string): DockerCommand<boolean> => ({
  args: ['rm', '-f', '-v', container],
  timeoutMs: 60_000,
  acceptExitCodes: [1],
  parse: (r) => {
    const real = r.stderr.split(/\r?\n/).filter((l) => l.trim() && !/no such container/i.test(l));
    if (r.exitCode !== 0 && real.length) throw environmentError(real.join('\n'));
    return r.stdout.split(/\r?\n/).some((l) => l.trim() === container);
  },
});

/**
 * Claims a container name by creating (never starting) a container with the same argv as a `docker run` or
 * `docker create` that was killed, so the same local image, labels and name. 'claimed' when ours was created (the
 * name was free), 'taken' when the daemon refused for a name in use.
 */
export const claimContainerName = (runArgs: readonly string[]): DockerCommand<'claimed' | 'taken'> => {
  // The container's spec starts at its name (containerArgs), after the verb's own flags (-d, --pull never, ...).
  const spec = runArgs.slice(runArgs.indexOf('--name'));
  return {
    args: ['create', '--pull', 'never', ...spec],
    timeoutMs: 60_000,
    acceptExitCodes: [1, 125],
    parse: (r) => {
      if (r.exitCode === 0) return 'claimed';
      if (/is already in use by container/i.test(r.stderr)) return 'taken';
      throw environmentError(lastLine(r) || `docker create exited ${r.exitCode}`);
    },
  };
};

/** Removes image references (a tag is untagged; the image goes with its last tag); missing ones are fine. */
export const removeImages = (refs: string[]): DockerCommand<void> => ({
  args: ['rmi', ...refs],
  timeoutMs: 60_000,
  acceptExitCodes: [1],
  parse: (r) => {
    const real = r.stderr.split(/\r?\n/).filter((l) => l.trim() && !/no such image/i.test(l));
    if (r.exitCode !== 0 && real.length) throw environmentError(real.join('\n'));
  },
});
