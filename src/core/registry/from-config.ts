import path from 'node:path';
import type { ReleaseOperatorConfig } from '../config/schema';
import { limitsFrom } from '../limits';
import type { Logger } from '../log';
import { RegistryClient } from './client';
import { defaultCredentials, type DefaultCredentialOptions } from './credentials';
import { DiskCache, userCacheDir } from './disk-cache';
import { registryTrust } from './registry-trust';

export interface ClientPlaces {
  /** The repository root: relative paths in registry.certificates are from here (default: the current folder). */
  root?: string;
  /** Where manifests and image configs are kept by digest; false: nowhere. Default: <user cache>/registry. */
  cacheDir?: string | false;
}

/**
 * A client wired from the settings (concurrency, HTTP/2 and its streams, timeout, retries, limits, insecure
 * registries, registry CAs) and the credential sources, with the on-disk cache by digest: the one place the CLI
 * commands and the extension build their registry client.
 */
export function registryClientFromConfig(
  config: ReleaseOperatorConfig,
  logger: Logger,
  credentials: Omit<DefaultCredentialOptions, 'logger'> = {},
  places: ClientPlaces = {},
): RegistryClient {
  const env = credentials.env ?? process.env;
  const cacheDir = places.cacheDir ?? path.join(userCacheDir(env), 'registry');
  return new RegistryClient({
    credentials: defaultCredentials({ ...credentials, logger }),
    insecureRegistries: config.insecureRegistries,
    concurrency: config.registry.concurrency,
    timeoutMs: config.registry.timeoutSeconds * 1000,
    retries: config.registry.retries,
    http2: config.registry.http2,
    streams: config.registry.streams,
    trust: registryTrust(config.registry.certificates, { root: places.root, env }),
    diskCache: cacheDir ? new DiskCache({ dir: cacheDir, logger }) : undefined,
    limits: limitsFrom(config),
    logger,
  });
}
