import type { ReleaseOperatorConfig } from '../config/schema';
import { limitsFrom } from '../limits';
import type { Logger } from '../log';
import { RegistryClient } from './client';
import { defaultCredentials, type DefaultCredentialOptions } from './credentials';

/**
 * A client wired from the settings (concurrency, timeout, retries, limits, insecure registries) and the credential
 * sources: the one place the CLI commands and the extension build their registry client.
 */
export function registryClientFromConfig(
  config: ReleaseOperatorConfig,
  logger: Logger,
  credentials: Omit<DefaultCredentialOptions, 'logger'> = {},
): RegistryClient {
  return new RegistryClient({
    credentials: defaultCredentials({ ...credentials, logger }),
    insecureRegistries: config.insecureRegistries,
    concurrency: config.registry.concurrency,
    timeoutMs: config.registry.timeoutSeconds * 1000,
    retries: config.registry.retries,
    limits: limitsFrom(config),
    logger,
  });
}
