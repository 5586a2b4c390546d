import type { ReleaseOperatorConfig } from '../config/schema';
import type { Logger } from '../log';
import { RegistryClient } from './client';
import { defaultCredentials } from './credentials';

/** A client wired from the settings (concurrency, timeout, retries, insecure registries) and the environment. */
export function registryClientFromConfig(config: ReleaseOperatorConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): RegistryClient {
  return new RegistryClient({
    credentials: defaultCredentials({ env, logger }),
    insecureRegistries: config.insecureRegistries,
    concurrency: config.registry.concurrency,
    timeoutMs: config.registry.timeoutSeconds * 1000,
    retries: config.registry.retries,
    logger,
  });
}
