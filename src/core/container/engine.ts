import { usageError } from '../errors';
import type { DockerCommand } from './command';
import { parsePlatform, samePlatform, type Platform } from './platform';

/**
 * Which Docker engine a platform's docker calls go to (config `engines`): a docker context by name, or an engine
 * address as DOCKER_HOST takes it (unix://, tcp://, ssh://user@host). Unset: the docker client's own default.
 */
export type EngineSpec = { context: string } | { host: string };

/** The global flag that sends one docker call to the engine (before the subcommand; it wins over DOCKER_HOST). */
export function engineArgs(spec: EngineSpec | undefined): string[] {
  if (!spec) return [];
  return 'context' in spec ? ['--context', spec.context] : ['--host', spec.host];
}

/** The engine in words, for messages and reports. */
export function describeEngine(spec: EngineSpec | undefined): string {
  if (!spec) return 'the default engine';
  return 'context' in spec ? `docker context ${spec.context}` : hostWithoutSecrets(spec.host);
}

/** tcp://user:pass@host is not a thing docker takes, but an address is never shown with a password in it. */
const hostWithoutSecrets = (host: string) => host.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');

/** The engine configured for a platform: its exact key, else a key that names the same platform (arm64 = arm64/v8). */
export function engineFor(
  engines: Readonly<Record<string, EngineSpec>> | undefined,
  platform: string,
): EngineSpec | undefined {
  if (!engines) return undefined;
  if (Object.hasOwn(engines, platform)) return engines[platform];
  let wanted: Platform;
  try {
    wanted = parsePlatform(platform);
  } catch {
    return undefined;
  }
  const key = Object.keys(engines).find((k) => samePlatform(parsePlatform(k), wanted));
  return key === undefined ? undefined : engines[key];
}

/**
 * Whether the engine may be on another machine: then nothing on this machine's disk is the engine's (no storage
 * read, no bind mount of a local path, no binfmt folder to read) and a published port is on the engine's host.
 * unix:// and npipe:// sockets are this machine's own.
 */
export function isRemoteHost(host: string): boolean {
  return !/^(unix|npipe):\/\//.test(host);
}

/** A key stable across equal specs, so platforms on one engine share a client. */
export const engineKey = (spec: EngineSpec | undefined) =>
  !spec ? '' : 'context' in spec ? `context:${spec.context}` : `host:${spec.host}`;

/** `docker context inspect NAME`: the engine address the context names (its docker endpoint). */
export const contextHost = (name: string): DockerCommand<string> => ({
  args: ['context', 'inspect', '--format', '{{json .Endpoints.docker.Host}}', name],
  timeoutMs: 20_000,
  acceptExitCodes: [1],
  failureKind: 'environment',
  parse: (r) => {
    if (r.exitCode !== 0)
      throw usageError(
        `There is no docker context '${name}' (${(r.stderr.trim().split(/\r?\n/).at(-1) ?? '').trim()}).`,
        `Create it (docker context create ${name} --docker host=ssh://USER@HOST), or fix the "engines" setting ` +
          '(docker context ls lists the contexts).',
      );
    try {
      return String(JSON.parse(r.stdout.trim()) ?? '');
    } catch {
      return '';
    }
  },
});

/** The socket the docker client dials when nothing says otherwise. */
const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';

/**
 * Where the docker client's default engine is (no --host/--context of ours), as the client itself resolves it:
 * DOCKER_HOST, else DOCKER_CONTEXT or the current context of its config, else its default socket. `from` says which;
 * `remote` whether it may be another machine (then nothing local is assumed of it, as for a configured engine).
 */
export interface DefaultEngine {
  endpoint?: string;
  from: string;
  remote: boolean;
}

/**
 * `docker context inspect` with no name: the current context, whose docker endpoint is DOCKER_HOST when that is set
 * (the client names it "default" then). A client without contexts (podman) says nothing: this machine, as before.
 */
export const defaultEngine = (): DockerCommand<DefaultEngine> => ({
  args: ['context', 'inspect', '--format', '{{json .}}'],
  timeoutMs: 20_000,
  acceptExitCodes: 'any',
  failureKind: 'environment',
  parse: (r) => {
    type Context = { Name?: unknown; Endpoints?: { docker?: { Host?: unknown } } } | null;
    let ctx: Context | undefined;
    try {
      ctx = r.exitCode === 0 ? (JSON.parse(r.stdout.trim().split(/\r?\n/)[0]) as Context) : undefined;
    } catch {
      ctx = undefined;
    }
    const endpoint = typeof ctx?.Endpoints?.docker?.Host === 'string' ? ctx.Endpoints.docker.Host : '';
    if (!endpoint)
      return {
        from: 'the docker client does not say (docker context inspect); taken to be this machine',
        remote: false,
      };
    const name = typeof ctx?.Name === 'string' ? ctx.Name : 'default';
    const from =
      name !== 'default'
        ? `the current docker context ${name}`
        : endpoint === DEFAULT_SOCKET
          ? "the docker client's default socket"
          : 'DOCKER_HOST';
    return { endpoint, from, remote: isRemoteHost(endpoint) };
  },
});

/**
 * The default engine in words when it is worth naming (an address other than the client's default socket): which
 * engine and how it was found, e.g. "the default engine ssh://root@host (from DOCKER_HOST)"; else undefined.
 */
export function describeDefaultEngine(e: DefaultEngine): string | undefined {
  if (!e.endpoint || e.endpoint === DEFAULT_SOCKET) return undefined;
  return `the default engine ${hostWithoutSecrets(e.endpoint)} (from ${e.from})`;
}
