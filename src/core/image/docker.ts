import {
  createContainer,
  DockerClient,
  DockerError,
  contextHost,
  exportContainer,
  isRemoteHost,
  defaultEngine,
  describeDefaultEngine,
  type EngineSpec,
  glibcLabels,
  isDaemonDown,
  markRunActive,
  newRunId,
  removeContainers,
  saveImage,
  type DockerCommand,
} from '../container';
import { ReleaseOperatorError, checkError, environmentError, usageError } from '../errors';
import { nullLogger, type Logger } from '../log';
import { lastLine, type Runner } from '../process/run';
import type { ImageConfig } from '../registry';
import { ImageFs } from './fs';
import { applyLayerOps, entryBudget, readLayer } from './layer';
import { imageFromArchive, readSavedArchive } from './saved';
import type { LocalImageVia, PlatformImage, ReadImage } from './source';
import { readStoredImage, type StorageInspect } from './storage';

/** The container is removed with a signal of its own: after a cancel (or a failed read) it must still go. */
const REMOVE_TIMEOUT_MS = 60_000;
/**
 * The command the created container would run; it never runs (and an image without CMD/ENTRYPOINT needs one to be
 * created).
 */
const NEVER_RUN = 'release-operator-glibc-never-started';
const BROKEN_HINT = 'The Docker engine sent a broken archive; check `docker info` and the disk, then try again.';

/**
 * How read() gets a local image's files. By default the engine's own storage when this process can read it
 * (see storage.ts), else 'export'. 'storage': only the engine's storage (an error when it cannot be read).
 * 'export': the merged filesystem of a container that is created, never started, streamed by `docker export` as
 * one flat tar (whiteouts already applied by the engine), then removed. 'save': `docker save`, every layer of the
 * image, merged here; the fallback when the engine will not create a container of the image.
 */
export type { LocalImageVia };

export interface LocalImageOptions {
  via?: LocalImageVia;
  /**
   * The engine holding the image (config engines); unset: the default engine. An engine that may be another
   * machine (ssh://, tcp://, a context naming one) shares no disk with this one: its image is streamed (export,
   * else save), never read from storage paths that only exist over there.
   */
  engine?: EngineSpec;
  /** Debug lines of the docker commands, and a note when export falls back to save. */
  logger?: Logger;
}

/** What the reading needs of `docker image inspect`. */
export interface InspectedImage {
  Id?: string;
  Os?: string;
  Architecture?: string;
  Variant?: string;
  Created?: string;
  /** The same fields as the config blob's `config`. */
  Config?: ImageConfig['config'] | null;
  RootFS?: { Type?: string; Layers?: unknown[] };
  GraphDriver?: StorageInspect['GraphDriver'];
}

/**
 * A local Docker image. `docker image inspect` gives the platform and the config up front; read() streams the
 * files from the pipe (nothing is written to disk) through `docker export` of a created container, or
 * `docker save` (options.via, and the fallback). An image of another platform is read just the same (nothing runs).
 */
export async function localDockerImage(
  runner: Runner,
  dockerPath: string,
  image: string,
  signal?: AbortSignal,
  options: LocalImageOptions = {},
): Promise<PlatformImage> {
  const logger = options.logger ?? nullLogger;
  const docker = new DockerClient({ runner, dockerPath, logger, engine: options.engine });
  const engine = options.engine;
  // No engine configured: the client's default, which DOCKER_HOST or the current docker context may put elsewhere
  // (asked beside the image's inspect, so a local read costs no extra round).
  const found = engine ? undefined : docker.exec(defaultEngine(), { signal });
  found?.catch(() => undefined); // awaited below
  const inspected = docker.exec(inspectImage(image), { signal });
  inspected.catch(() => undefined); // awaited below, after a usage error is said
  const endpoint =
    engine && 'context' in engine
      ? await docker.forEngine(undefined).exec(contextHost(engine.context), { signal })
      : engine?.host;
  const remote = engine ? !endpoint || isRemoteHost(endpoint) : Boolean((await found)?.remote);
  const where = engine ? docker.engineName : found && describeDefaultEngine(await found);
  if (remote && options.via === 'storage')
    throw usageError(
      `${image} is on ${where}, which may be another machine: its storage cannot be read from here.`,
      'Leave out --local-read storage: the image is then streamed through docker export.',
    );
  if (remote && !engine) logger.info(`${image} is on ${where}: read through docker export, not this machine's storage`);
  const via = remote && !options.via ? 'export' : options.via;
  const info = await inspected;
  const platform = [info.Os || 'linux', info.Architecture || 'unknown', info.Variant].filter(Boolean).join('/');
  const ctx: ReadContext = { docker, image, info, platform, logger };
  return {
    platform,
    source: image,
    layerCount: Array.isArray(info.RootFS?.Layers) ? info.RootFS.Layers.length : 0,
    read: async (readSignal, readOptions) => {
      ctx.maxFiles = readOptions?.maxFiles;
      if (via === 'save') return readThroughSave(ctx, readSignal);
      if (via !== 'export') {
        const stored = await readStoredImage(info, readSignal, ctx.maxFiles);
        if (!('unusable' in stored)) return { config: configFromInspect(info), fs: stored, via: 'storage' };
        if (via === 'storage')
          throw environmentError(
            `Cannot read ${image} from the Docker engine's storage: ${stored.unusable}.`,
            'Leave out --local-read storage: by default the image is read through docker export when the storage cannot be.',
          );
        ctx.logger.debug(
          `glibc: reading ${image} through docker export (not from the engine's storage: ${stored.unusable})`,
        );
      }
      const exported = await readThroughExport(ctx, readSignal);
      if ('fs' in exported) return exported;
      ctx.logger.info(
        `glibc: the Docker engine would not create a container of ${image} (${exported.refused}); reading it through docker save instead (slower)`,
      );
      return readThroughSave(ctx, readSignal);
    },
  };
}

interface ReadContext {
  docker: DockerClient;
  image: string;
  info: InspectedImage;
  platform: string;
  logger: Logger;
  /** limits.files for the read in progress. */
  maxFiles?: number;
}

/** `docker image inspect`: the whole document (platform, run config, layers, storage). */
function inspectImage(image: string): DockerCommand<InspectedImage> {
  return {
    args: ['image', 'inspect', '--format', '{{json .}}', image],
    timeoutMs: 60_000,
    acceptExitCodes: 'any',
    parse: (r) => {
      if (r.exitCode !== 0) {
        const why = lastLine(r);
        if (/no such image/i.test(why)) throw noSuchImage(image);
        throw environmentError(
          `docker image inspect ${image} failed: ${why}`,
          'Is the Docker engine running? Check `docker info`.',
        );
      }
      try {
        return JSON.parse(r.stdout) as InspectedImage;
      } catch {
        throw environmentError(
          `docker image inspect ${image} did not answer with JSON.`,
          'Check the docker executable (dockerPath / --docker).',
        );
      }
    },
  };
}

const noSuchImage = (image: string) =>
  checkError(`No local Docker image ${image}.`, 'Build or pull it first, or give a registry reference (docker://REF).');
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const isCancel = (e: unknown) => (e as Error)?.name === 'CancelledError';

/**
 * The image config as the glibc check reads it (the fields of the config blob that `docker save` carries), from
 * `docker image inspect`: os/architecture/variant, created, and the run config (entrypoint, cmd, env, user,
 * working dir, labels, ports); empty values are left out, as the config blob leaves them out.
 */
export function configFromInspect(info: InspectedImage): ImageConfig {
  const c = info.Config ?? {};
  const run: NonNullable<ImageConfig['config']> = {};
  if (c.Labels && Object.keys(c.Labels).length) run.Labels = c.Labels;
  if (c.Entrypoint?.length) run.Entrypoint = c.Entrypoint;
  if (c.Cmd?.length) run.Cmd = c.Cmd;
  if (c.Env?.length) run.Env = c.Env;
  if (c.User) run.User = c.User;
  if (c.WorkingDir) run.WorkingDir = c.WorkingDir;
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) run.ExposedPorts = c.ExposedPorts;
  const layers = Array.isArray(info.RootFS?.Layers)
    ? info.RootFS.Layers.filter((l): l is string => typeof l === 'string')
    : [];
  return {
    ...(info.Architecture ? { architecture: info.Architecture } : {}),
    ...(info.Os ? { os: info.Os } : {}),
    ...(info.Variant ? { variant: info.Variant } : {}),
    ...(info.Created ? { created: info.Created } : {}),
    config: run,
    rootfs: { type: info.RootFS?.Type || 'layers', diff_ids: layers },
  };
}

/**
 * Every layer through `docker save`, streamed; applied in the order of the archive's manifest.json, which comes last.
 */
async function readThroughSave(ctx: ReadContext, signal?: AbortSignal): Promise<ReadImage> {
  const { image, info, platform } = ctx;
  const archive = await ctx.docker.stream(
    saveImage(image, (tar) => readSavedArchive(tar, `docker save of ${image}`, signal, ctx.maxFiles)),
    { signal },
  );
  return { ...imageFromArchive(archive, { imageId: info.Id, platform }), via: 'save' };
}

/**
 * The merged filesystem through `docker create` (never started) + `docker export`, read as one layer as it
 * streams; the container is removed afterwards whatever happened (also after a cancel). `{ refused }` when the
 * engine will not create a container of the image for a reason other than a daemon that is down or an image
 * that is gone (an old client without `--pull`, an image of another OS...): the caller falls back to save.
 *
 * The export also holds the engine's init files of every container: /.dockerenv, /etc/hosts, /etc/hostname,
 * /etc/resolv.conf (empty files), /etc/mtab (a symlink to /proc/mounts), empty /dev, /proc, /sys folders. None
 * is an ELF file, a script or a loader config, so no glibc result changes.
 */
async function readThroughExport(ctx: ReadContext, signal?: AbortSignal): Promise<ReadImage | { refused: string }> {
  const { docker, image, info, platform } = ctx;
  // Removed by name in the end, so a container the engine made while `docker create` was being cancelled goes too.
  const runId = newRunId();
  const name = `ro-glibc-${runId}`;
  // While the container exists, `cleanup` from another terminal leaves it alone.
  const endRun = await markRunActive(runId, undefined, (m) => ctx.logger.debug(`glibc: ${m}`));
  try {
    try {
      await docker.exec(
        createContainer({
          name,
          // By id: exactly the image inspected, even if the name is retagged meanwhile.
          image: info.Id || image,
          // The image's own platform (a foreign-arch image is created without a warning; nothing runs).
          platform: info.Os && info.Architecture ? platform : undefined,
          labels: glibcLabels(image, runId),
          args: [NEVER_RUN],
        }),
        { signal },
      );
    } catch (e) {
      if (!(e instanceof DockerError) || e.result.timedOut || isDaemonDown(`${e.result.stderr}\n${e.result.stdout}`))
        throw e;
      const why = lastLine(e.result);
      if (/no such image/i.test(why)) throw noSuchImage(image);
      return { refused: why || `exit code ${e.result.exitCode}` };
    }
    const what = `docker export of ${image}`;
    const ops = await docker.stream(
      exportContainer(name, what, async (tar) => {
        try {
          return await readLayer(tar, what, signal, entryBudget(what, ctx.maxFiles));
        } catch (e) {
          if (isCancel(e) || (e instanceof ReleaseOperatorError && e.kind === 'environment')) throw e;
          const why =
            e instanceof ReleaseOperatorError
              ? (/not a readable layer \((.*)\)$/s.exec(e.message)?.[1] ?? e.message)
              : errorText(e);
          throw environmentError(`The ${what} is cut short or not a tar archive (${why}).`, BROKEN_HINT);
        }
      }),
      { signal },
    );
    const fs = new ImageFs();
    applyLayerOps(fs, ops, 0);
    return { config: configFromInspect(info), fs, via: 'export' };
  } finally {
    try {
      await docker.exec(removeContainers([name]), { signal: AbortSignal.timeout(REMOVE_TIMEOUT_MS) });
    } catch (e) {
      ctx.logger.warn(
        `glibc: could not remove the container ${name} created to read ${image}: ${errorText(e)}. ` +
          '`release-operator cleanup` (or Remove Containers Left by Crashed Runs in VS Code) removes it.',
      );
    }
    await endRun();
  }
}
