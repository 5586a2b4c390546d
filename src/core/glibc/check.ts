import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describeEngine, engineFor, type EngineSpec } from '../container';
import { throwIfAborted, usageError } from '../errors';
import { localDockerImage, registryPlatformImages, type LocalImageVia, type PlatformImage } from '../image';
import { nullLogger, type Logger } from '../log';
import type { Runner } from '../process/run';
import type { RegistryClient } from '../registry';
import { platformMatches } from '../registry';
import type { ArchiveLimits } from '../archive';
import { checkArchive } from './archive-check';
import { checkImageFs } from './image-check';
import { checkLocalPath } from './local-check';
import { resolveTarget } from './policy';
import { localTargetKind } from './target-file';
import type { ArchiveResult, GlibcReport, PlatformResult, UnreadablePath } from './types';

export interface GlibcCheckRequest {
  /**
   * What to check: a local file, folder or archive (tar, tar.gz/xz/zst, zip, wheel, npm tarball); `docker-daemon:NAME` (a local Docker image); `docker://REF`
   * (a registry image); or a bare reference: a registry image when it names a registry host
   * (ghcr.io/..., 127.0.0.1:5000/...), else a local Docker image.
   */
  target: string;
  /** Platforms to check (os/arch[/variant]); empty: every platform the image has. */
  platforms?: readonly string[];
  /** Highest glibc allowed ("2.36"); exclusive with policy. */
  maxGlibc?: string;
  /** A named target (bookworm, el9, manylinux_2_28, ...). */
  policy?: string;
  /** Check every ELF file of the image instead of the entrypoint and `paths`. */
  all?: boolean;
  /** Folders in the image whose ELF files are checked besides the entrypoint (config glibc.paths). */
  paths?: readonly string[];
}

export interface GlibcCheckDeps {
  /** Runs docker for local images (src/core/process/run.ts). */
  runner: Runner;
  /** The docker executable (config.dockerPath). */
  dockerPath: string;
  /** Reads registry images; created by the caller with its credentials and insecure registries. */
  registry?: RegistryClient;
  /** Resolves a relative local path. */
  cwd?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * How a local Docker image is read: 'export' (default; save when the engine will not create a container) or 'save'.
   */
  localImageVia?: LocalImageVia;
  /**
   * The engine per platform (config engines): a local image (docker-daemon:NAME) is read on the engine of the one
   * platform asked for; with none or several asked, on the default engine.
   */
  engines?: Readonly<Record<string, EngineSpec>>;
  /** limits.files: files of one folder or image (default src/core/limits.ts). */
  limits?: { files?: number };
  /** Entries, bytes and expansion one archive may have (limits.archive*; default src/core/archive/limits.ts). */
  archiveLimits?: ArchiveLimits;
}

export type TargetKind = 'path' | 'archive' | 'docker' | 'registry';

/** Which source a target names (see GlibcCheckRequest.target). */
async function classifyTarget(target: string, cwd = process.cwd()): Promise<{ kind: TargetKind; value: string }> {
  if (target.startsWith('docker-daemon:')) return { kind: 'docker', value: target.slice('docker-daemon:'.length) };
  if (target.startsWith('docker://')) return { kind: 'registry', value: target.slice('docker://'.length) };
  const st = await stat(path.resolve(cwd, target)).catch(() => undefined);
  if (st?.isFile())
    return { kind: localTargetKind(path.resolve(cwd, target), target), value: path.resolve(cwd, target) };
  if (st) return { kind: 'path', value: path.resolve(cwd, target) };
  if (target.startsWith('/') || target.startsWith('./') || target.startsWith('../'))
    throw usageError(`${target} does not exist.`, 'Give an existing file or folder, or an image reference.');
  const first = target.split('/')[0];
  const host = target.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { kind: host ? 'registry' : 'docker', value: target };
}

const VIA_TEXT = {
  storage: "from the Docker engine's own layer folders",
  export: 'through docker export of a created container',
  save: 'through docker save',
} as const;

/** The whole check: one PlatformResult per platform; `ok` false when any platform has an error. */
export async function checkGlibc(req: GlibcCheckRequest, deps: GlibcCheckDeps): Promise<GlibcReport> {
  const log = deps.logger ?? nullLogger;
  const target = resolveTarget(req.maxGlibc || undefined, req.policy || undefined);
  const { kind, value } = await classifyTarget(req.target, deps.cwd);
  const platforms: PlatformResult[] = [];
  const unreadable: UnreadablePath[] = [];
  let archive: ArchiveResult | undefined;
  if (kind === 'archive') {
    log.info(`glibc: reading the archive ${req.target}`);
    const r = await checkArchive(value, {
      target,
      platforms: req.platforms,
      name: req.target,
      limits: deps.archiveLimits,
      signal: deps.signal,
    });
    platforms.push(...r.platforms);
    archive = r.archive;
  } else if (kind === 'path') {
    const local = await checkLocalPath(value, {
      target,
      platforms: req.platforms,
      signal: deps.signal,
      maxFiles: deps.limits?.files,
    });
    platforms.push(...local.platforms);
    unreadable.push(...local.unreadable);
  } else {
    const images: PlatformImage[] = [];
    if (kind === 'docker') {
      const engine = req.platforms?.length === 1 ? engineFor(deps.engines, req.platforms[0]) : undefined;
      log.info(`glibc: reading local image ${value}${engine ? ` on ${describeEngine(engine)}` : ''}`);
      const img = await localDockerImage(deps.runner, deps.dockerPath, value, deps.signal, {
        via: deps.localImageVia,
        logger: log,
        engine,
      });
      const wanted = req.platforms ?? [];
      const [os, architecture, variant] = img.platform.split('/');
      if (wanted.length && !wanted.some((w) => platformMatches({ os, architecture, variant }, w))) {
        throw usageError(
          `The local image ${value} is ${img.platform}, not ${wanted.join(', ')}.`,
          'A local Docker image holds one platform; check the pushed image for the others (docker://REF).',
        );
      }
      images.push(img);
    } else {
      if (!deps.registry) throw usageError(`${value} is a registry reference, but no registry client was given.`);
      log.info(`glibc: reading ${value} from the registry`);
      images.push(...(await registryPlatformImages(deps.registry, value, req.platforms ?? [], deps.signal)));
    }
    for (const img of images) {
      throwIfAborted(deps.signal);
      log.debug(`glibc: ${img.platform}: ${img.layerCount} layers`);
      const { fs, config, via } = await img.read(deps.signal, { maxFiles: deps.limits?.files });
      if (via) log.info(`glibc: ${img.source} read ${VIA_TEXT[via]}`);
      platforms.push(
        await checkImageFs({
          fs,
          platform: img.platform,
          source: img.source,
          config,
          paths: req.paths ?? [],
          all: req.all,
          target,
          signal: deps.signal,
        }),
      );
    }
  }
  return {
    target: req.target,
    ok: !unreadable.length && platforms.every((p) => p.ok),
    platforms,
    unreadable,
    ...(archive ? { archive } : {}),
  };
}
