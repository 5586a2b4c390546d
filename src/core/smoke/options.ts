import path from 'node:path';
import type { ReleaseOperatorConfig } from '../config/schema';
import { escapeRegExp } from '../version/regexp';
import type { SmokeOptions } from './types';

/** What a face may override on top of the configuration (CLI flags, a platform picked in the tree). */
export interface SmokeOverrides {
  image?: string;
  build?: boolean;
  platforms?: string[];
  timeoutSeconds?: number;
  healthPath?: string;
  port?: number;
  expectBody?: string;
  /** docker --memory of the smoke containers ('' for none). */
  memory?: string;
  /** The effective version: the version output must contain it when no versionPattern is configured. */
  version?: string;
}

/** SmokeOptions from the configuration of the repository at `root`, with overrides last. */
export function smokeOptionsFromConfig(
  config: ReleaseOperatorConfig,
  root: string,
  o: SmokeOverrides = {},
): SmokeOptions {
  const s = config.smoke;
  const platforms = o.platforms?.length ? o.platforms : s.platforms.length ? s.platforms : config.requiredPlatforms;
  return {
    dockerPath: config.dockerPath,
    engines: { ...config.engines },
    image: o.image,
    build: o.build
      ? {
          dockerfile: path.resolve(root, s.dockerfile),
          context: path.resolve(root, s.context),
          buildArgs: { ...s.buildArgs },
        }
      : undefined,
    platforms: [...platforms],
    helpArgs: [...s.helpArgs],
    versionArgs: [...s.versionArgs],
    versionPattern: s.versionPattern || (s.versionArgs.length && o.version ? escapeRegExp(o.version) : ''),
    port: o.port ?? s.port,
    healthPath: o.healthPath ?? s.healthPath,
    expectStatus: s.expectStatus,
    expectBody: o.expectBody ?? s.expectBody,
    // --timeout sets the deadline of every platform, emulated or not.
    timeoutSeconds: o.timeoutSeconds ?? s.timeoutSeconds,
    emulatedTimeoutSeconds: o.timeoutSeconds ?? s.emulatedTimeoutSeconds,
    commandTimeoutSeconds: s.commandTimeoutSeconds,
    commandNetwork: s.commandNetwork,
    memory: o.memory ?? s.memory,
    env: { ...s.env },
    logTail: s.logTail,
    parallel: s.parallel,
  };
}
