import type { Logger } from '../log';
import type { Runner } from '../process/run';
import { TEMP_IMAGE_REPO, type BuilderDetection, type DockerClient, type ImageInfo } from '../container';
import type { SmokeEvent, SmokeOptions } from './types';

/**
 * One Docker engine a run uses (config `engines`: a platform may run on an engine of its own), and what the
 * platforms on it share. Every docker call of a platform goes through its engine's client, its cleanup too.
 */
export interface EngineRun {
  docker: DockerClient;
  /** The engine's own architecture (`docker version`: the daemon's), whatever the platform it was configured for. */
  hostArch: string;
  /** The engine in words, for reports. */
  name: string;
  /**
   * Worth naming in a verdict: configured for the platform, or a default engine found somewhere other than the
   * client's default socket (DOCKER_HOST, the current docker context).
   */
  named: boolean;
  /** Configured for the platform in `engines` (not the default engine). */
  configured: boolean;
  /**
   * Possibly on another machine (ssh://, tcp://, or a context naming one): nothing of this machine's disk is the
   * engine's, so its binfmt handlers cannot be read here.
   */
  remote: boolean;
  /** The engine's address (the host configured, or the one its context names); undefined: the default engine. */
  endpoint?: string;
  /** Serializes image resolution: pulling one platform re-points the tag another platform is reading. */
  imageLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * `docker image inspect` of the image's tag, shared by the platforms of this engine until a pull re-points the tag
   * (the default engine's is started beside the run's `docker version`).
   */
  localTag?: Promise<ImageInfo | undefined>;
}

/** What every platform of one run shares. */
export interface RunContext {
  /** The default engine's client (builder detection: a property of the docker client, not of an engine). */
  docker: DockerClient;
  /** The engine of each platform. */
  engineOf(platform: string): EngineRun;
  options: SmokeOptions;
  runId: string;
  signal?: AbortSignal;
  emit(e: SmokeEvent): void;
  logger: Logger;
  builder?: BuilderDetection;
  freePort(): Promise<number>;
  /** Runs programs other than docker (ssh, for the health probe of an ssh:// engine). */
  runner: Runner;
  /** `repo@sha256:...` of the image's index entry for a platform, from the registry; undefined when it cannot say. */
  platformReference?(platform: string): Promise<string | undefined>;
  /** Set when a platform could not remove what it created: the run then sweeps by label. */
  cleanupFailed?: boolean;
}

/** The temporary tag a --build run gives one platform's image. */
export const tempImageTag = (runId: string, platform: string) =>
  `${TEMP_IMAGE_REPO}:${runId}-${platform.replace(/\//g, '-')}`;
