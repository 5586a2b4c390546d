import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log';
import { nullLogger } from '../log';
import type { Runner } from '../process/run';
import { registerSecret } from '../redact';
import { DOCKER_HUB } from './reference';

/** A username and password (or personal access token) for one registry, and where it came from (for hints). */
export interface Credentials {
  username: string;
  password: string;
  /** e.g. 'options', 'GITHUB_TOKEN', '~/.docker/config.json', 'docker-credential-pass'. Never the secret. */
  source: string;
}

/** Looks up credentials for a registry host[:port]; undefined means anonymous. */
export type CredentialSource = (registry: string) => Promise<Credentials | undefined>;

export interface DefaultCredentialOptions {
  /** Explicit credentials per registry host, tried first. */
  explicit?: Record<string, { username: string; password: string }>;
  env?: NodeJS.ProcessEnv;
  /** Folder holding config.json; default $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir?: string;
  /** Runs docker-credential-* helpers. */
  runner?: Runner;
  logger?: Logger;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The keys Docker uses in config.json for a registry (Docker Hub has a historical URL). */
function configKeys(registry: string): string[] {
  if (registry === DOCKER_HUB)
    return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

function hostOfKey(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

/**
 * Credentials in the order the issue fixes: explicit options, GITHUB_TOKEN for ghcr.io, ~/.docker/config.json
 * `auths`, then `credHelpers`/`credsStore` through docker-credential-* when that helper is installed.
 * Every secret found is registered for redaction on the spot.
 */
export function defaultCredentials(options: DefaultCredentialOptions = {}): CredentialSource {
  const env = options.env ?? process.env;
  // The process runner (execa, some 120 KB) loads only when a helper is to be run: not before a registry's first
  // request, which most registries answer without credentials from a helper.
  const run: Runner = options.runner ?? (async (...a) => (await import('../process/run')).runProcess(...a));
  const log = options.logger ?? nullLogger;
  const configDir = options.dockerConfigDir ?? env.DOCKER_CONFIG ?? path.join(env.HOME ?? os.homedir(), '.docker');
  let config: Promise<DockerConfigFile | undefined> | undefined;
  const readConfig = () =>
    (config ??= readFile(path.join(configDir, 'config.json'), 'utf8').then(
      (t) => JSON.parse(t) as DockerConfigFile,
      () => undefined,
    ));

  return async (registry) => {
    const explicit = options.explicit?.[registry];
    if (explicit) return found(explicit.username, explicit.password, 'options');
    if (registry === 'ghcr.io' && env.GITHUB_TOKEN)
      return found(env.GITHUB_ACTOR || 'x-access-token', env.GITHUB_TOKEN, 'GITHUB_TOKEN');
    const file = await readConfig().catch(() => undefined);
    if (!file) return undefined;
    const keys = configKeys(registry);
    const authKey = Object.keys(file.auths ?? {}).find((k) => keys.includes(k) || hostOfKey(k) === registry);
    const entry = authKey ? file.auths![authKey] : undefined;
    if (entry?.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) return found(decoded.slice(0, i), decoded.slice(i + 1), `${configDir}/config.json`);
    }
    if (entry?.username && entry.password) return found(entry.username, entry.password, `${configDir}/config.json`);
    const helperKey = Object.keys(file.credHelpers ?? {}).find((k) => keys.includes(k) || hostOfKey(k) === registry);
    const helper = helperKey ? file.credHelpers![helperKey] : file.credsStore;
    if (helper) return fromHelper(helper, registry === DOCKER_HUB ? keys[0] : registry);
    return undefined;
  };

  function found(username: string, password: string, source: string): Credentials {
    registerSecret(password);
    registerSecret(`${username}:${password}`);
    return { username, password, source };
  }

  async function fromHelper(helper: string, serverUrl: string): Promise<Credentials | undefined> {
    const program = `docker-credential-${helper}`;
    try {
      const r = await run(program, ['get'], { input: serverUrl, timeoutMs: 15_000 });
      if (r.exitCode !== 0) {
        log.debug(`${program} has no credentials for ${serverUrl}`);
        return undefined;
      }
      const out = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
      if (!out.Secret) return undefined;
      return found(out.Username ?? '', out.Secret, program);
    } catch (e) {
      log.debug(`credential helper ${program} unavailable: ${(e as Error).message}`);
      return undefined;
    }
  }
}

/** How to give credentials for a registry, for error hints. */
export function credentialHint(registry: string, used?: Credentials): string {
  const where = used ? ` The credentials came from ${used.source}; check them.` : '';
  const ghcr =
    registry === 'ghcr.io' ? ' For ghcr.io set GITHUB_TOKEN (with read:packages, and write:packages to retag) or' : '';
  return `Log in with access to this repository:${ghcr} run \`docker login ${registry}\`.${where}`;
}
