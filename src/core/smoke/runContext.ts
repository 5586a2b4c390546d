import type { Logger } from '../log';
import { TEMP_IMAGE_REPO, type BuilderDetection, type DockerClient, type ImageInfo } from '../container';
import type { SmokeEvent, SmokeOptions } from './types';

/** What every platform of one run shares. */
export interface RunContext {
  docker: DockerClient;
  options: SmokeOptions;
  runId: string;
  signal?: AbortSignal;
  emit(e: SmokeEvent): void;
  logger: Logger;
  hostArch: string;
  builder?: BuilderDetection;
  /** Serializes image resolution: pulling one platform re-points the tag another platform is reading. */
  imageLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * `docker image inspect` of the image's tag, shared by the platforms until a pull re-points the tag (the first one
   * is started beside the run's `docker version`).
   */
  localTag?: Promise<ImageInfo | undefined>;
  freePort(): Promise<number>;
  /** `repo@sha256:...` of the image's index entry for a platform, from the registry; undefined when it cannot say. */
  platformReference?(platform: string): Promise<string | undefined>;
  /** Set when a platform could not remove what it created: the run then sweeps by label. */
  cleanupFailed?: boolean;
}

/** The temporary tag a --build run gives one platform's image. */
export const tempImageTag = (runId: string, platform: string) =>
  `${TEMP_IMAGE_REPO}:${runId}-${platform.replace(/\//g, '-')}`;
