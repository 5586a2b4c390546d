import pLimit from 'p-limit';
import { CancelledError, environmentError, ReleaseOperatorError } from '../errors';
import type { Logger } from '../log';
import { registerSecret } from '../redact';
import { parseChallenge, repositoryScope, type Challenge } from './challenge';
import { credentialHint, type CredentialSource, type Credentials } from './credentials';
import { checkRealm } from './realm';
import { registryBaseUrl } from './reference';
import { sleep } from '../sleep';

/**
 * HTTP to one or more registries: the token dance, retries, manual redirects and bounded concurrency.
 * Everything above it speaks in registry paths and statuses; everything below is Node's fetch.
 */
export interface TransportOptions {
  credentials: CredentialSource;
  insecureRegistries: readonly string[];
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** First backoff delay; doubles per retry unless the registry sends Retry-After. */
  retryBaseMs: number;
  logger: Logger;
  fetch: typeof fetch;
}

export interface RequestSpec {
  registry: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH';
  /** A path below the registry (/v2/...) or an absolute URL on it. */
  url: string;
  /** The repository the request reads or writes, for the token scope. */
  repository?: string;
  push?: boolean;
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
  /** Buffered requests: refuse a body larger than this (a hostile or broken registry must not fill memory). */
  maxBytes?: number;
}

export interface BufferedResponse {
  status: number;
  headers: Headers;
  /** The URL that answered, after redirects. */
  url: string;
  body: Buffer;
}

export interface StreamingResponse {
  status: number;
  headers: Headers;
  url: string;
  body: ReadableStream<Uint8Array> | null;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
]);
const MAX_REDIRECTS = 5;
const MAX_RETRY_AFTER_MS = 60_000;

interface RegistryState {
  base: string;
  ping?: Promise<Challenge | null>;
  credentials?: Promise<Credentials | undefined>;
  tokens: Map<string, { token: string; expires: number }>;
}

export class Transport {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly registries = new Map<string, RegistryState>();

  constructor(private readonly o: TransportOptions) {
    this.limit = pLimit(o.concurrency);
  }

  baseUrl(registry: string): string {
    return this.state(registry).base;
  }

  /** Credentials used for a registry (for hints), if any were found. */
  credentialsFor(registry: string): Promise<Credentials | undefined> {
    const s = this.state(registry);
    return (s.credentials ??= this.o.credentials(registry).catch(() => undefined));
  }

  async request(spec: RequestSpec): Promise<BufferedResponse> {
    const r = await this.exchange(spec, true);
    return r as BufferedResponse;
  }

  /** Like request(), but the body is left unread (for big blobs); the timeout covers only the headers. */
  async stream(spec: RequestSpec): Promise<StreamingResponse> {
    return (await this.exchange(spec, false)) as StreamingResponse;
  }

  private state(registry: string): RegistryState {
    let s = this.registries.get(registry);
    if (!s) {
      s = { base: registryBaseUrl(registry, this.o.insecureRegistries), tokens: new Map() };
      this.registries.set(registry, s);
    }
    return s;
  }

  /** Auth, then send; on 401 with a Bearer challenge, fetch a token for the scope it names and try once more. */
  private async exchange(spec: RequestSpec, buffer: boolean): Promise<BufferedResponse | StreamingResponse> {
    const s = this.state(spec.registry);
    const url = new URL(spec.url, s.base).toString();
    const scope = spec.repository ? repositoryScope(spec.repository, spec.push ? 'pull,push' : 'pull') : undefined;
    const challenge = await this.ping(spec.registry, spec.signal);
    let auth = challenge ? await this.authorization(spec.registry, challenge, scope, false, spec.signal) : undefined;
    let res = await this.send(spec, url, auth, buffer);
    if (res.status === 401) {
      const fresh = parseChallenge(res.headers.get('www-authenticate'));
      const again = fresh
        ? await this.authorization(spec.registry, fresh, fresh.params.scope ?? scope, true, spec.signal)
        : undefined;
      if (again && again !== auth) {
        await drain(res);
        auth = again;
        res = await this.send(spec, url, auth, buffer);
      }
    }
    if (res.status === 401 || res.status === 403) {
      await drain(res);
      const creds = await this.credentialsFor(spec.registry);
      throw environmentError(
        `The registry ${spec.registry} refused ${spec.method} ${new URL(url).pathname} (HTTP ${res.status} ${res.status === 401 ? 'unauthorized' : 'forbidden'})${creds ? ' with the credentials given' : ' without credentials'}.`,
        credentialHint(spec.registry, creds),
      );
    }
    return res;
  }

  /** GET /v2/ once per registry: null when no auth is needed, else the challenge. */
  private ping(registry: string, signal?: AbortSignal): Promise<Challenge | null> {
    const s = this.state(registry);
    if (!s.ping) {
      s.ping = (async () => {
        const res = await this.send(
          { registry, method: 'GET', url: '/v2/', signal },
          new URL('/v2/', s.base).toString(),
          undefined,
          true,
        );
        if (res.status === 401) return parseChallenge(res.headers.get('www-authenticate')) ?? null;
        if (res.status >= 200 && res.status < 300) return null;
        throw environmentError(
          `${s.base} does not answer like an OCI registry (GET /v2/ gave HTTP ${res.status}).`,
          'Check the registry host in the image reference.',
        );
      })();
      // A failed ping (registry down) must not stick: the next command may find it up.
      s.ping.catch(() => (s.ping = undefined));
    }
    return s.ping;
  }

  private async authorization(
    registry: string,
    c: Challenge,
    scope: string | undefined,
    force: boolean,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const creds = await this.credentialsFor(registry);
    if (c.scheme === 'basic') return creds ? basic(creds) : undefined;
    if (c.scheme !== 'bearer' || !c.params.realm) return undefined;
    const s = this.state(registry);
    const key = `${c.params.service ?? ''} ${scope ?? ''}`;
    const cached = s.tokens.get(key);
    if (cached && !force && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    let realm: URL;
    try {
      realm = new URL(c.params.realm);
    } catch {
      throw environmentError(
        `The registry ${registry} named a token service that is not a URL (${JSON.stringify(c.params.realm)}).`,
        'Report it to the registry operator.',
      );
    }
    checkRealm(registry, realm, this.o.insecureRegistries);
    if (c.params.service) realm.searchParams.set('service', c.params.service);
    if (scope) realm.searchParams.set('scope', scope);
    const res = await this.fetchOnce(
      realm.toString(),
      { method: 'GET', headers: creds ? { authorization: basic(creds) } : {} },
      signal,
      true,
      registry,
    );
    if (res.status === 401 || res.status === 403) {
      throw environmentError(
        `The token service of ${registry} refused ${creds ? 'the credentials' : 'anonymous access'} (HTTP ${res.status}) for ${scope ?? 'the registry'}.`,
        credentialHint(registry, creds),
      );
    }
    if (res.status !== 200)
      throw environmentError(
        `The token service of ${registry} answered HTTP ${res.status}.`,
        'Try again later; check the registry status.',
      );
    let token: string | undefined;
    let expiresIn = 60;
    try {
      const j = JSON.parse((res as BufferedResponse).body.toString('utf8')) as {
        token?: string;
        access_token?: string;
        expires_in?: number;
      };
      token = j.token ?? j.access_token;
      if (typeof j.expires_in === 'number' && j.expires_in > 0) expiresIn = j.expires_in;
    } catch {
      /* handled below */
    }
    if (!token) throw environmentError(`The token service of ${registry} sent no token.`, 'Check the registry status.');
    registerSecret(token);
    // Renew a little early so a token never expires in flight.
    s.tokens.set(key, { token, expires: Date.now() + Math.max(5, expiresIn - 10) * 1000 });
    return `Bearer ${token}`;
  }

  /** One logical request: retries on 408/429/5xx and transient network errors, honouring Retry-After. */
  private async send(
    spec: RequestSpec,
    url: string,
    auth: string | undefined,
    buffer: boolean,
  ): Promise<BufferedResponse | StreamingResponse> {
    const headers: Record<string, string> = { ...spec.headers };
    if (auth) headers.authorization = auth;
    for (let attempt = 0; ; attempt++) {
      let res: BufferedResponse | StreamingResponse | undefined;
      let failure: unknown;
      try {
        res = await this.fetchOnce(
          url,
          { method: spec.method, headers, body: spec.body, maxBytes: spec.maxBytes },
          spec.signal,
          buffer,
          spec.registry,
        );
      } catch (e) {
        if (!(e instanceof TransientError)) throw e;
        failure = e;
      }
      const retryable = res ? RETRYABLE.has(res.status) : true;
      if (!retryable) return res!;
      if (attempt >= this.o.retries) {
        if (res) return res;
        throw environmentError(
          `The registry ${spec.registry} could not be reached: ${(failure as Error).message}.`,
          'Check the network and that the registry is up, then try again.',
          failure,
        );
      }
      const wait = (res && retryAfterMs(res.headers.get('retry-after'))) ?? this.o.retryBaseMs * 2 ** attempt;
      this.o.logger.debug(
        `${spec.method} ${url}: ${res ? `HTTP ${res.status}` : (failure as Error).message}; retry ${attempt + 1}/${this.o.retries} in ${wait} ms`,
      );
      if (res) await drain(res);
      await sleep(Math.min(wait, MAX_RETRY_AFTER_MS), spec.signal);
    }
  }

  /**
   * One fetch with redirects followed by hand: the Authorization header goes only to the registry's own
   * origin, never to blob storage on another host.
   */
  private fetchOnce(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: Buffer; maxBytes?: number },
    signal: AbortSignal | undefined,
    buffer: boolean,
    registry: string,
  ): Promise<BufferedResponse | StreamingResponse> {
    return this.limit(async () => {
      const origin = new URL(url).origin;
      let current = url;
      let method = init.method;
      for (let hop = 0; ; hop++) {
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(), this.o.timeoutMs);
        const signals = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
        const headers = { ...init.headers };
        if (new URL(current).origin !== origin) delete headers.authorization;
        try {
          let res: Response;
          try {
            res = await this.o.fetch(current, {
              method,
              headers,
              body: method === 'GET' || method === 'HEAD' ? undefined : init.body,
              redirect: 'manual',
              signal: signals,
            });
          } catch (e) {
            throw networkError(e, signal, timeout.signal, registry, current);
          }
          this.o.logger.debug(`${method} ${redactUrl(current)} -> ${res.status}`);
          const location = res.headers.get('location');
          if ([301, 302, 303, 307, 308].includes(res.status) && location) {
            await res.body?.cancel().catch(() => undefined);
            if (hop >= MAX_REDIRECTS)
              throw environmentError(
                `Too many redirects from ${registry} for ${redactUrl(url)}.`,
                'Check the registry status.',
              );
            current = new URL(location, current).toString();
            if (res.status === 303) method = method === 'HEAD' ? 'HEAD' : 'GET';
            continue;
          }
          if (!buffer) return { status: res.status, headers: res.headers, url: current, body: res.body };
          let body: Buffer;
          try {
            body = await readCapped(res, init.maxBytes, registry, current);
          } catch (e) {
            throw networkError(e, signal, timeout.signal, registry, current);
          }
          return { status: res.status, headers: res.headers, url: current, body };
        } finally {
          clearTimeout(timer);
        }
      }
    });
  }
}

/** Network failures: cancel stays cancel, refused/unknown host is the environment, the rest is worth a retry. */
class TransientError extends Error {}

function networkError(
  e: unknown,
  user: AbortSignal | undefined,
  timeout: AbortSignal,
  registry: string,
  url: string,
): Error {
  if (user?.aborted) return new CancelledError();
  if (timeout.aborted) return new TransientError(`no answer from ${redactUrl(url)} within the timeout`);
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as NodeJS.ErrnoException).code;
  if (code && TRANSIENT_CODES.has(code)) return new TransientError(`${code} from ${redactUrl(url)}`);
  if (e instanceof ReleaseOperatorError) return e;
  return environmentError(
    `The registry ${registry} could not be reached (${code ?? cause?.message ?? (e as Error).message}).`,
    'Check the registry host, that it is up and that this machine can reach it (proxy, firewall, VPN).',
    e,
  );
}

function basic(c: Credentials): string {
  const b = Buffer.from(`${c.username}:${c.password}`).toString('base64');
  registerSecret(b);
  return `Basic ${b}`;
}

/** Retry-After in seconds or as an HTTP date (against `now`). */
export function retryAfterMs(value: string | null, now: () => number = Date.now): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now());
}

/** Storage redirects carry signatures in the query: never log them. */
function redactUrl(url: string): string {
  const u = new URL(url);
  return u.search && !u.pathname.startsWith('/v2/') ? `${u.origin}${u.pathname}?…` : url;
}

/** The whole body, or an environment error as soon as it is known to exceed `max` bytes. */
async function readCapped(res: Response, max: number | undefined, registry: string, url: string): Promise<Buffer> {
  if (max === undefined || !res.body) return Buffer.from(await res.arrayBuffer());
  const tooBig = () =>
    environmentError(
      `The registry ${registry} sent more than ${max} bytes for ${redactUrl(url)}; refusing to read it.`,
      'An answer that large is broken or hostile; check the reference and the registry.',
    );
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body.cancel().catch(() => undefined);
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) {
      await res.body.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

async function drain(res: BufferedResponse | StreamingResponse): Promise<void> {
  const body = res.body;
  if (body && !Buffer.isBuffer(body)) await body.cancel().catch(() => undefined);
}
