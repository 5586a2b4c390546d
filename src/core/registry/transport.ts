import { CancelledError, environmentError, ReleaseOperatorError } from '../errors';
import { DEFAULT_LIMITS, LIMITS, limitError, type Limits } from '../limits';
import type { Logger } from '../log';
import { noticeWait, operationOf, withOperation, type Operation } from '../operation';
import { registerSecret } from '../redact';
import { parseChallenge, repositoryScope, type Challenge } from './challenge';
import { credentialHint, type CredentialSource, type Credentials } from './credentials';
import http2 from 'node:http2';
import { HeaderMap, Http2Pool, StreamResponse } from './http2';
import { onAbort } from './on-abort';
import { Slots } from './slots';
import { checkRealm } from './realm';
import { registryBaseUrl } from './reference';
import type { RegistryTrust } from './registry-trust';
import { sleep } from '../sleep';

/**
 * HTTP to one or more registries: the token dance, retries, manual redirects and bounded concurrency.
 * Everything above it speaks in registry paths and statuses; everything below is Node's fetch.
 */
export interface TransportOptions {
  credentials: CredentialSource;
  insecureRegistries: readonly string[];
  concurrency: number;
  /** Per request, headers and body (the limit registry.timeoutSeconds). */
  timeoutMs: number;
  retries: number;
  /** Requests per operation, time per operation, total retry wait (src/core/limits.ts). */
  limits?: Pick<Limits, 'requestsPerOperation' | 'operationMs' | 'retryWaitMs'>;
  /** First backoff delay; doubles per retry unless the registry sends Retry-After. */
  retryBaseMs: number;
  logger: Logger;
  fetch: typeof fetch;
  /** HTTP/2 over TLS where the registry offers it (ALPN); false: Node's fetch (HTTP/1.1) for everything. */
  http2?: boolean;
  /** Requests in flight on one HTTP/2 connection (the registry's own limit wins when lower); default 100. */
  streams?: number;
  /** HTTP/2 connections to one registry at most (default 2; see Http2PoolOptions.connections). */
  connections?: number;
  /** CAs of registries' own (registry.certificates); those registries are reached over TLS even on loopback. */
  trust?: RegistryTrust;
}

export interface RequestSpec {
  registry: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path below the registry (/v2/...) or an absolute URL on it. */
  url: string;
  /** The repository the request reads or writes, for the token scope. */
  repository?: string;
  push?: boolean;
  /** Token scope actions when neither pull nor pull,push fits (DELETE asks for 'delete'). */
  actions?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
  /** Buffered requests: refuse a body larger than this (a hostile or broken registry must not fill memory). */
  maxBytes?: number;
  /** The limit `maxBytes` is, for the message when it is reached. */
  limit?: 'manifestBytes' | 'documentMegabytes';
  /** Ahead of the requests waiting for a slot: one the others depend on (the next tag page names more tags). */
  priority?: boolean;
  /**
   * The registry answered without credentials last time (a listing's hint, see RegistryClient.tagDigestStream): a
   * read sent before its first answer goes at once without credentials rather than wait for that answer to say
   * whether a token is needed. Should it want one after all, the 401 says so and the request is made again with it.
   */
  presumeOpen?: boolean;
}

/** The one thing read of an answer's headers. */
export interface HeaderBag {
  get(name: string): string | null;
}

/** An answer as the transport reads it: a fetch Response, or the HTTP/2 pool's lighter one. */
export interface WireResponse {
  status: number;
  headers: HeaderBag;
  body: ReadableStream<Uint8Array> | null;
  /** The pool's direct read of the whole body (see PoolResponse.read); fetch's answers have none. */
  read?(max: number | undefined): Promise<{ bytes: Buffer; over: boolean }>;
}

export interface BufferedResponse {
  status: number;
  headers: HeaderBag;
  /** The URL that answered, after redirects. */
  url: string;
  body: Buffer;
}

export interface StreamingResponse {
  status: number;
  headers: HeaderBag;
  url: string;
  body: ReadableStream<Uint8Array> | null;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  // HTTP/2: a stream reset or a connection the registry closed (GOAWAY); the request is made again on a new one.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
]);
const MAX_REDIRECTS = LIMITS.redirects.default;
/** The answer to GET /v2/ is `{}`; a token answer a few KiB; an error answer is read for its message only. */
const PING_MAX_BYTES = 64 * 1024;
const TOKEN_MAX_BYTES = 1024 * 1024;
const ERROR_MAX_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

interface RegistryState {
  base: string;
  /** The base's origin (scheme, host, port), worked out once: asked on every request. */
  origin: string;
  ping?: Promise<Challenge | null>;
  /** The ping's answer once it has one: most requests need not wait on a promise for it. */
  pinged?: Challenge | null;
  credentials?: Promise<Credentials | undefined>;
  tokens: Map<string, { token: string; expires: number }>;
  /** Token fetches under way, by the same key as `tokens`. */
  tokenFetches: Map<string, Promise<string>>;
}

export class Transport {
  private readonly limit: Slots;
  /** In flight on HTTP/2 registries: streams of its connections (see h2InFlight) rather than connections. */
  private readonly streamLimit: Slots;
  private readonly pool?: Http2Pool;
  /** HTTP/2 connections to one registry at most (1 without HTTP/2). */
  private readonly connections: number;
  private readonly registries = new Map<string, RegistryState>();
  private readonly limits: Pick<Limits, 'requestsPerOperation' | 'operationMs' | 'retryWaitMs'>;

  constructor(private readonly o: TransportOptions) {
    this.connections = o.http2 === false ? 1 : (o.connections ?? 2);
    this.limit = new Slots(o.concurrency);
    // Every stream of every connection the pool may open (the pool opens the second only when the first is full).
    this.streamLimit = new Slots(this.h2InFlight);
    this.limits = o.limits ?? DEFAULT_LIMITS;
    const trust = o.trust;
    if (o.http2 !== false || trust?.hosts.length)
      this.pool = new Http2Pool({
        streams: o.http2 === false ? 1 : (o.streams ?? 100),
        connections: this.connections,
        contextFor: (host) => trust?.contextFor(host) ?? Promise.resolve(undefined),
        http2: o.http2 !== false,
      });
  }

  /** Requests in flight to an HTTP/2 registry at most: streams per connection x connections. */
  get h2InFlight(): number {
    return (this.o.streams ?? 100) * this.connections;
  }

  /**
   * Requests a registry carries at once: its HTTP/2 connections' streams, or over HTTP/1.1 (or before its first answer)
   * the client's concurrency, never more than the streams. More would wait for a slot.
   */
  inFlight(registry: string): number {
    return this.protocolOf(registry) === 'h2' ? this.h2InFlight : Math.min(this.h2InFlight, this.o.concurrency);
  }

  /**
   * Whether the registry wanted credentials: false when it answered without them, true when it asked for them,
   * undefined before its first answer.
   */
  wantsCredentials(registry: string): boolean | undefined {
    const pinged = this.registries.get(registry)?.pinged;
    return pinged === undefined ? undefined : pinged !== null;
  }

  /**
   * Resolves when the registry's first connection is made and its protocol known (at once when it is already), or
   * when `signal` aborts.
   */
  connected(registry: string, signal?: AbortSignal): Promise<void> {
    const s = this.state(registry);
    return this.pool && s.base.startsWith('https:') ? this.pool.connected(s.origin, signal) : Promise.resolve();
  }

  /** The protocol a registry answered on so far: 'h2', 'http/1.1', or undefined before its first answer. */
  protocolOf(registry: string): 'h2' | 'http/1.1' | undefined {
    const s = this.state(registry);
    if (s.base.startsWith('http:')) return 'http/1.1';
    return this.pool?.protocol(s.origin) ?? (this.pool ? undefined : 'http/1.1');
  }

  /** Ends the HTTP/2 connections (idle ones never keep the process alive; this is for long-lived hosts). */
  close(): void {
    this.pool?.close();
  }

  /**
   * Opens a registry's further HTTP/2 connections now rather than once the first is full: for a caller that knows
   * many requests are coming (a tag list longer than a page, with a HEAD per tag). Nothing without HTTP/2.
   */
  widen(registry: string): void {
    const base = this.state(registry).base;
    if (base.startsWith('https:')) this.pool?.widen(new URL(base));
  }

  baseUrl(registry: string): string {
    return this.state(registry).base;
  }

  /** Credentials used for a registry (for hints), if any were found. */
  credentialsFor(registry: string): Promise<Credentials | undefined> {
    const s = this.state(registry);
    return (s.credentials ??= this.o.credentials(registry).catch(() => undefined));
  }

  request(spec: RequestSpec): Promise<BufferedResponse> {
    return (
      this.quickRead(spec) ?? (withOperation(spec, (op, s) => this.exchange(s, true, op)) as Promise<BufferedResponse>)
    );
  }

  /**
   * A HEAD or GET made straight on the registry's connected HTTP/2 session, when everything the usual path would
   * work out first is known already (the registry answered, its token for the scope is held, a stream and a slot are
   * free): no promise layers, controller or header copies between the caller and the stream. A listing makes
   * thousands of HEADs, and behind a 50 ms link at 5,000 tags the client's CPU per request, not the link, set the
   * pace (it spent about 300 µs a HEAD; Node's own HTTP/2 request about 100 of them). A GET's body is read as the
   * usual path reads it (readCapped: the same limits and messages). An answer that needs more than reading (a
   * redirect, a challenge, a refusal, a status worth a retry) and a failure worth a retry carry on in the usual path
   * as its first attempt, so retries, waits and messages are the same; undefined: the usual path from the start.
   */
  private quickRead(spec: RequestSpec): Promise<BufferedResponse> | undefined {
    const method = spec.method;
    if ((method !== 'HEAD' && method !== 'GET') || spec.body || !this.pool) return undefined;
    const s = this.registries.get(spec.registry);
    if (!s || s.pinged === undefined) return undefined;
    const op = operationOf(spec.signal);
    if (!op || op.requests >= this.limits.requestsPerOperation) return undefined;
    // The operation's deadline shapes the request's time and message: the usual path says it.
    if (op.startedAt + this.limits.operationMs - Date.now() <= this.o.timeoutMs) return undefined;
    let auth: string | undefined;
    if (s.pinged) {
      if (s.pinged.scheme !== 'bearer' || !spec.repository) return undefined;
      const scope = repositoryScope(spec.repository, actionsOf(spec));
      const held = s.tokens.get(`${s.pinged.params.service ?? ''} ${scope}`);
      if (!held || held.expires <= Date.now()) return undefined;
      auth = `Bearer ${held.token}`;
    }
    // Parsed as the usual path parses it (dot segments, escapes), and only ever on the registry's own origin.
    const url = new URL(spec.url, s.base);
    if (url.origin !== s.origin || spec.signal?.aborted || !this.streamLimit.tryTake(spec.priority)) return undefined;
    const headers: http2.OutgoingHttpHeaders = { ':method': method, ':path': url.pathname + url.search };
    for (const k in spec.headers) headers[k.toLowerCase()] = spec.headers[k];
    if (auth) headers.authorization = auth;
    const stream = this.pool.openNow(s.origin, headers);
    if (!stream) {
      this.streamLimit.release();
      return undefined;
    }
    op.requests++;
    const href = url.href;
    return new Promise<BufferedResponse>((resolve, reject) => {
      let answered = false;
      let timedOut = false;
      let failure: unknown;
      const ms = this.o.timeoutMs;
      // Destroyed with an error (not closed): a body being read fails rather than waiting for an end.
      const stop = () => stream.destroy(new DOMException('This operation was aborted', 'AbortError'));
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, ms);
      const unlink = spec.signal ? onAbort(spec.signal, stop) : undefined;
      const settle = () => {
        clearTimeout(timer);
        unlink?.();
        this.streamLimit.release();
      };
      // The usual path, with what this attempt brought as its first.
      const carryOn = (first: FirstAttempt) =>
        this.exchange(spec, true, op, { ...first, auth }) as Promise<BufferedResponse>;
      const failed = (e: unknown, phase: Phase) => {
        const error = networkError(
          e,
          { user: spec.signal, timedOut, byDeadline: false, ms, phase },
          spec.registry,
          href,
          this.limits,
        );
        if (error instanceof TransientError) resolve(carryOn({ error }));
        else reject(error);
      };
      const answer = (status: number, h: http2.IncomingHttpHeaders, body: Buffer) => {
        const res: BufferedResponse = { status, headers: new HeaderMap(h), url: href, body };
        if (status === 401 || status === 403 || RETRYABLE.has(status)) resolve(carryOn({ res }));
        else resolve(res);
      };
      stream.once('response', (h) => {
        answered = true;
        const status = Number(h[':status']);
        this.o.logger.debug(`${method} ${href} -> ${status}`);
        if (REDIRECTS.has(status) && h.location) {
          // Followed by the usual path, which keeps Authorization from other origins.
          settle();
          stream.close(http2.constants.NGHTTP2_CANCEL);
          return resolve(carryOn({}));
        }
        if (method === 'HEAD' || status === 204 || status === 304) {
          settle();
          stream.resume();
          return answer(status, h, EMPTY);
        }
        readAnswer(new StreamResponse(status, new HeaderMap(h), stream), spec, spec.registry, href).then(
          (body) => {
            settle();
            answer(status, h, body);
          },
          (e: unknown) => {
            settle();
            failed(e, 'body');
          },
        );
      });
      stream.once('error', (e: Error) => {
        failure = e;
      });
      stream.once('close', () => {
        if (answered) return;
        settle();
        failed(
          failure ?? new TypeError('fetch failed', { cause: new Error('the HTTP/2 stream closed without an answer') }),
          'connect',
        );
      });
    });
  }

  /** Like request(), but the body is left unread (for big blobs); the timeout covers only the headers. */
  async stream(spec: RequestSpec): Promise<StreamingResponse> {
    return (await withOperation(spec, (op, s) => this.exchange(s, false, op))) as StreamingResponse;
  }

  private state(registry: string): RegistryState {
    let s = this.registries.get(registry);
    if (!s) {
      // A registry with a CA of its own speaks TLS, loopback or not (Docker's certs.d does the same).
      const base = this.o.trust?.hosts.includes(registry)
        ? `https://${registry}`
        : registryBaseUrl(registry, this.o.insecureRegistries);
      s = { base, origin: new URL(base).origin, tokens: new Map(), tokenFetches: new Map() };
      this.registries.set(registry, s);
    }
    return s;
  }

  /** Auth, then send; on 401 with a Bearer challenge, fetch a token for the scope it names and try once more. */
  private async exchange(
    spec: RequestSpec,
    buffer: boolean,
    op: Operation,
    first?: FirstAttempt & { auth?: string },
  ): Promise<BufferedResponse | StreamingResponse> {
    const s = this.state(spec.registry);
    const url = new URL(spec.url, s.base);
    const scope = spec.repository ? repositoryScope(spec.repository, actionsOf(spec)) : undefined;
    let auth: string | undefined;
    let res: BufferedResponse | StreamingResponse;
    if (first) {
      // A quick attempt's (quickRead): its answer or failure is this request's first.
      auth = first.auth;
      res = await this.send(spec, url, auth, buffer, op, first.res || first.error ? first : undefined);
    } else if (s.pinged === undefined && !s.ping && (spec.method === 'GET' || spec.method === 'HEAD')) {
      ({ res, auth } = await this.probe(s, spec, url, scope, buffer, op));
    } else if (s.pinged === undefined && spec.presumeOpen && (spec.method === 'GET' || spec.method === 'HEAD')) {
      res = await this.send(spec, url, undefined, buffer, op);
    } else {
      const challenge = s.pinged !== undefined ? s.pinged : await this.ping(spec.registry, op, spec.signal);
      auth = challenge ? await this.authorization(spec.registry, challenge, scope, false, op, spec.signal) : undefined;
      res = await this.send(spec, url, auth, buffer, op);
    }
    if (res.status === 401) {
      const fresh = parseChallenge(res.headers.get('www-authenticate'));
      // Sent without credentials, presumed open (a listing's hint, the registry's first answer still to come): the
      // registry wants them now, and the requests after this one ask with them from the start.
      if (fresh && !auth && s.pinged === undefined && spec.presumeOpen) s.pinged = fresh;
      // A new token only when the one sent was refused; a request sent without one takes the token held, if any.
      const again = fresh
        ? await this.authorization(spec.registry, fresh, fresh.params.scope ?? scope, Boolean(auth), op, spec.signal)
        : undefined;
      if (again && again !== auth) {
        await drain(res);
        auth = again;
        res = await this.send(spec, url, auth, buffer, op);
      }
    }
    if (res.status === 401 || res.status === 403) {
      await drain(res);
      const creds = await this.credentialsFor(spec.registry);
      throw environmentError(
        `The registry ${spec.registry} refused ${spec.method} ${url.pathname} (HTTP ${res.status} ` +
          `${res.status === 401 ? 'unauthorized' : 'forbidden'})${creds ? ' with the credentials given' : ' without credentials'}.`,
        credentialHint(spec.registry, creds),
      );
    }
    return res;
  }

  /**
   * The first request to a registry, when it only reads (GET, HEAD), is made without asking GET /v2/ first: asked
   * without credentials, its answer says what the ping would (a 401 names the challenge; an answer says none is
   * needed), a round trip sooner. Requests made meanwhile wait for it as they would for the ping. An answer that says
   * neither (403, 404, 5xx after retries) asks the ping after all: it says whether this is a registry at all, and a
   * challenge there is met and the request made again with it. Writes always ping first (a body is not sent twice).
   */
  private async probe(
    s: RegistryState,
    spec: RequestSpec,
    url: URL,
    scope: string | undefined,
    buffer: boolean,
    op: Operation,
  ): Promise<{ res: BufferedResponse | StreamingResponse; auth?: string }> {
    let settle!: (c: Challenge | null | Promise<Challenge | null>) => void;
    let fail!: (e: Error) => void;
    const probing = new Promise<Challenge | null>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    s.ping = probing;
    // A failed probe (registry down) must not stick, as a failed ping does not.
    probing.catch(() => s.ping === probing && (s.ping = undefined));
    let res: BufferedResponse | StreamingResponse;
    try {
      res = await this.send(spec, url, undefined, buffer, op);
    } catch (e) {
      // Those waiting fail as a failed ping fails them (the send's errors are the product's own).
      fail(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    if (res.status === 401) {
      settle((s.pinged = parseChallenge(res.headers.get('www-authenticate')) ?? null));
      return { res };
    }
    if (res.status >= 200 && res.status < 400) {
      settle((s.pinged = null));
      return { res };
    }
    s.ping = undefined;
    const pinged = this.ping(spec.registry, op, spec.signal);
    settle(pinged);
    let challenge: Challenge | null;
    try {
      challenge = await pinged;
    } catch (e) {
      await drain(res);
      throw e;
    }
    if (!challenge) return { res };
    await drain(res);
    const auth = await this.authorization(spec.registry, challenge, scope, false, op, spec.signal);
    return { res: await this.send(spec, url, auth, buffer, op), auth };
  }

  /** GET /v2/ once per registry: null when no auth is needed, else the challenge. */
  private ping(registry: string, op: Operation, signal?: AbortSignal): Promise<Challenge | null> {
    const s = this.state(registry);
    if (!s.ping) {
      s.ping = (async () => {
        const res = await this.send(
          { registry, method: 'GET', url: '/v2/', signal, maxBytes: PING_MAX_BYTES },
          new URL('/v2/', s.base),
          undefined,
          true,
          op,
        );
        if (res.status === 401) return (s.pinged = parseChallenge(res.headers.get('www-authenticate')) ?? null);
        if (res.status >= 200 && res.status < 300) return (s.pinged = null);
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
    op: Operation,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const creds = await this.credentialsFor(registry);
    if (c.scheme === 'basic') return creds ? basic(creds) : undefined;
    if (c.scheme !== 'bearer' || !c.params.realm) return undefined;
    const s = this.state(registry);
    const key = `${c.params.service ?? ''} ${scope ?? ''}`;
    const cached = s.tokens.get(key);
    if (cached && !force && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    // Requests refused together (a listing's first requests, sent before the registry said it wants a token) share
    // one fetch of the token rather than each asking the token service.
    const fetching = s.tokenFetches.get(key);
    if (fetching && !force) return fetching;
    const p = this.fetchToken(registry, c, scope, key, creds, op, signal);
    s.tokenFetches.set(key, p);
    const done = () => s.tokenFetches.get(key) === p && s.tokenFetches.delete(key);
    void p.then(done, done);
    return p;
  }

  private async fetchToken(
    registry: string,
    c: Challenge,
    scope: string | undefined,
    key: string,
    creds: Credentials | undefined,
    op: Operation,
    signal?: AbortSignal,
  ): Promise<string> {
    const s = this.state(registry);
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
      realm,
      { method: 'GET', headers: creds ? { authorization: basic(creds) } : {}, maxBytes: TOKEN_MAX_BYTES },
      signal,
      true,
      registry,
      op,
    ).catch((e: unknown) => {
      throw e instanceof TransientError
        ? environmentError(
            `The token service of ${registry} ${e.phase === 'connect' ? 'could not be reached' : 'answered too slowly'}: ${e.message}.`,
            'Check the network and the registry status, then try again.',
          )
        : e;
    });
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

  /**
   * One logical request: retries on 408/429/5xx and transient network errors, honouring Retry-After, within the
   * total retry wait and the operation's time. A wait of a few seconds or more is told to the operation's listener.
   */
  private async send(
    spec: RequestSpec,
    url: URL,
    auth: string | undefined,
    buffer: boolean,
    op: Operation,
    first?: FirstAttempt,
  ): Promise<BufferedResponse | StreamingResponse> {
    const headers: Record<string, string> = { ...spec.headers };
    if (auth) headers.authorization = auth;
    const path = url.pathname;
    const failures: TransientError[] = [];
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      let res: BufferedResponse | StreamingResponse | undefined;
      if (attempt === 0 && first) {
        res = first.res;
        if (first.error) failures.push(first.error);
      } else
        try {
          res = await this.fetchOnce(
            url,
            {
              method: spec.method,
              headers,
              body: spec.body,
              maxBytes: spec.maxBytes,
              limit: spec.limit,
              priority: spec.priority,
            },
            spec.signal,
            buffer,
            spec.registry,
            op,
          );
        } catch (e) {
          if (!(e instanceof TransientError)) throw e;
          failures.push(e);
        }
      const retryable = res ? RETRYABLE.has(res.status) : true;
      if (!retryable) return res!;
      // Out of retries: a retryable status is the caller's to report ("kept answering 503"), a failure is ours.
      if (attempt >= this.o.retries) {
        if (res) return res;
        throw unreachable(spec, path, failures);
      }
      const asked = res ? retryAfterMs(res.headers.get('retry-after')) : undefined;
      const wait = asked ?? this.o.retryBaseMs * 2 ** attempt;
      const why = res ? `answered HTTP ${res.status}` : `failed: ${failures.at(-1)!.message}`;
      if (waited + wait > this.limits.retryWaitMs) {
        // A server that asks for a longer wait than allowed fails now, saying what it asked for.
        if (asked !== undefined) {
          await drain(res!);
          throw limitError(
            'retryWaitSeconds',
            this.limits.retryWaitMs,
            `The registry ${spec.registry} asked to wait ${Math.ceil(asked / 1000)} s before retrying ${spec.method} ${path} (it ${why})`,
          );
        }
        if (res) return res;
        throw unreachable(spec, path, failures);
      }
      this.checkDeadline(op, wait, `${spec.method} ${path} on ${spec.registry}`);
      this.o.logger.debug(
        `${spec.method} ${redactUrl(url.href)}: ${why}; retry ${attempt + 1}/${this.o.retries} in ${wait} ms`,
      );
      noticeWait(op, {
        source: `the registry ${spec.registry}`,
        reason: why,
        what: `${spec.method} ${path}`,
        waitMs: wait,
        attempt: attempt + 1,
        retries: this.o.retries,
      });
      if (res) await drain(res);
      await sleep(wait, spec.signal);
      waited += wait;
    }
  }

  /** Milliseconds left of the operation's time; a limit error when `need` more would pass it. */
  private checkDeadline(op: Operation, need: number, what: string | (() => string)): number {
    const left = op.startedAt + this.limits.operationMs - Date.now();
    if (left - need <= 0)
      throw limitError(
        'operationSeconds',
        this.limits.operationMs,
        `${typeof what === 'string' ? what : what()} would end after the operation's time`,
      );
    return left;
  }

  /**
   * One fetch with redirects followed by hand: the Authorization header goes only to the registry's own
   * origin, never to blob storage on another host.
   */
  private fetchOnce(
    url: URL,
    init: {
      method: string;
      headers: Record<string, string>;
      body?: Buffer;
      maxBytes?: number;
      limit?: RequestSpec['limit'];
      priority?: boolean;
    },
    signal: AbortSignal | undefined,
    buffer: boolean,
    registry: string,
    op: Operation,
  ): Promise<BufferedResponse | StreamingResponse> {
    const origin = url.origin;
    const limit = this.pool?.protocol(origin) === 'h2' ? this.streamLimit : this.limit;
    return limit.run(async () => {
      let current = url;
      let method = init.method;
      for (let hop = 0; ; hop++) {
        if (++op.requests > this.limits.requestsPerOperation)
          throw limitError(
            'requestsPerOperation',
            this.limits.requestsPerOperation,
            `${method} ${current.pathname} on ${registry}`,
          );
        // The request's own timeout, or what is left of the operation's time when that is shorter.
        const left = this.checkDeadline(op, 0, () => `${method} ${current.pathname} on ${registry}`);
        const ms = Math.min(this.o.timeoutMs, left);
        const byDeadline = ms < this.o.timeoutMs;
        // One controller for the timeout and the caller's cancel (AbortSignal.any per request costs memory at
        // thousands of requests); a streamed body stays linked to the caller's signal after the headers.
        const abort = new AbortController();
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, ms);
        // One fan-out listener per caller signal (see on-abort.ts), not one listener per request.
        const unlink = signal ? onAbort(signal, () => abort.abort()) : undefined;
        let linked = false;
        const signals = abort.signal;
        const headers = { ...init.headers };
        if (current.origin !== origin) delete headers.authorization;
        const failed = (e: unknown, phase: Phase) =>
          networkError(e, { user: signal, timedOut, byDeadline, ms, phase }, registry, current.href, this.limits);
        try {
          let res: WireResponse;
          try {
            res = await this.fetchAny(current, {
              method,
              headers,
              body: method === 'GET' || method === 'HEAD' ? undefined : init.body,
              signal: signals,
            });
          } catch (e) {
            throw failed(e, 'connect');
          }
          this.o.logger.debug(`${method} ${redactUrl(current.href)} -> ${res.status}`);
          const location = res.headers.get('location');
          if (REDIRECTS.has(res.status) && location) {
            await res.body?.cancel().catch(() => undefined);
            if (hop >= MAX_REDIRECTS)
              throw environmentError(
                `Too many redirects from ${registry} for ${redactUrl(url.href)}.`,
                'Check the registry status.',
              );
            current = new URL(location, current);
            if (res.status === 303) method = method === 'HEAD' ? 'HEAD' : 'GET';
            continue;
          }
          if (!buffer) {
            linked = true;
            return { status: res.status, headers: res.headers, url: current.href, body: res.body };
          }
          let body: Buffer;
          try {
            // A HEAD answer has no body: no read to wait for.
            body = method === 'HEAD' ? EMPTY : await readAnswer(res, init, registry, current.href);
          } catch (e) {
            throw failed(e, 'body');
          }
          return { status: res.status, headers: res.headers, url: current.href, body };
        } finally {
          clearTimeout(timer);
          if (!linked) unlink?.();
        }
      }
    }, init.priority);
  }

  /** HTTPS through the HTTP/2 pool (which also serves registries with a CA of their own), the rest through fetch. */
  private fetchAny(url: URL, init: SendInit): Promise<WireResponse> {
    if (!this.pool || url.protocol !== 'https:') return this.o.fetch(url.href, { ...init, redirect: 'manual' });
    return (
      this.pool.onLiveSession(url, init) ??
      this.pool
        .request(url, init)
        .then(
          (res): WireResponse | Promise<WireResponse> => res ?? this.o.fetch(url.href, { ...init, redirect: 'manual' }),
        )
    );
  }
}

/** The token scope's actions a request needs. */
function actionsOf(spec: RequestSpec): string {
  return spec.actions ?? (spec.push ? 'pull,push' : 'pull');
}

type Phase = 'connect' | 'body';

/** What a quick attempt brought (quickRead), for the usual path to take as its first attempt. */
interface FirstAttempt {
  res?: BufferedResponse;
  error?: TransientError;
}

export interface SendInit {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  signal: AbortSignal;
}

/** Network failures: cancel stays cancel, refused/unknown host is the environment, the rest is worth a retry. */
class TransientError extends Error {
  constructor(
    message: string,
    /** 'connect': nothing answered (no status line); 'body': the registry answered and the body broke off. */
    readonly phase: Phase,
    /** The request's time ran out (as opposed to a reset connection). */
    readonly timedOut = false,
  ) {
    super(message);
  }
}

/**
 * The error after the last retry: "could not be reached" only when nothing ever answered; a registry that answered
 * and then was too slow or broke off is said to have answered.
 */
function unreachable(spec: RequestSpec, path: string, failures: TransientError[]) {
  const answered = failures.filter((f) => f.phase === 'body');
  const tries = `${failures.length} attempt${failures.length === 1 ? '' : 's'}`;
  if (answered.length)
    return environmentError(
      `The registry ${spec.registry} answered ${spec.method} ${path}, but ${answered.at(-1)!.message} (${tries}).`,
      'The registry or the network to it is slow or overloaded; try again later, or raise registry.timeoutSeconds.',
    );
  // It took the connection and said nothing: reached, not answering.
  if (failures.length && failures.every((f) => f.timedOut))
    return environmentError(
      `The registry ${spec.registry} did not answer ${spec.method} ${path}: ${failures.at(-1)!.message} (${tries}).`,
      'The registry is slow or overloaded; try again later, or raise registry.timeoutSeconds.',
    );
  return environmentError(
    `The registry ${spec.registry} could not be reached: ${failures.at(-1)?.message ?? 'no answer'} (${tries}).`,
    'Check the network and that the registry is up, then try again.',
  );
}

function networkError(
  e: unknown,
  how: { user?: AbortSignal; timedOut: boolean; byDeadline: boolean; ms: number; phase: Phase },
  registry: string,
  url: string,
  limits: Pick<Limits, 'operationMs'>,
): Error {
  if (how.user?.aborted) return new CancelledError();
  if (e instanceof ReleaseOperatorError) return e;
  if (how.timedOut) {
    if (how.byDeadline)
      return limitError(
        'operationSeconds',
        limits.operationMs,
        `${redactUrl(url)} on ${registry} did not finish in time`,
      );
    const s = Math.round(how.ms / 1000);
    return new TransientError(
      how.phase === 'connect'
        ? `no answer from ${redactUrl(url)} within ${s} s`
        : `the body did not arrive within ${s} s`,
      how.phase,
      true,
    );
  }
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as NodeJS.ErrnoException).code;
  if (how.phase === 'body')
    return new TransientError(`the body was cut short (${code ?? cause?.message ?? (e as Error).message})`, 'body');
  if (code && TRANSIENT_CODES.has(code)) return new TransientError(`${code} from ${redactUrl(url)}`, how.phase);
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
    return environmentError(
      `The registry ${registry} presented a TLS certificate this machine does not trust (${code}).`,
      'Give the CA that signed it in "registry.certificates" ({"host:port": "ca.pem"} in release-operator.json) or in NODE_EXTRA_CA_CERTS.',
      e,
    );
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
  // Most URLs have no query: nothing to parse (this runs for every request's debug line).
  if (!url.includes('?')) return url;
  const u = new URL(url);
  return u.search && !u.pathname.startsWith('/v2/') ? `${u.origin}${u.pathname}?…` : url;
}

/**
 * An answer's body as a buffered request reads it: error answers for their message only (a few KiB, whatever the
 * caller allows), the rest within the caller's limit.
 */
function readAnswer(
  res: WireResponse,
  o: Pick<RequestSpec, 'maxBytes' | 'limit'>,
  registry: string,
  url: string,
): Promise<Buffer> {
  const error = res.status >= 400;
  const max = error ? Math.min(o.maxBytes ?? ERROR_MAX_BYTES, ERROR_MAX_BYTES) : o.maxBytes;
  return readCapped(res, max, registry, url, error ? undefined : o.limit, error);
}

/** The whole body, or an environment error as soon as it is known to exceed `max` bytes. */
async function readCapped(
  res: WireResponse,
  max: number | undefined,
  registry: string,
  url: string,
  limit: RequestSpec['limit'],
  clip = false,
): Promise<Buffer> {
  const tooBig = () => {
    const what = `The registry ${registry} sent more than ${max} bytes for ${redactUrl(url)}; refusing to read it`;
    return limit
      ? limitError(limit, max ?? 0, what)
      : environmentError(`${what}.`, 'An answer that large is broken or hostile; check the registry.');
  };
  if (max !== undefined && !clip && Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (res.read) {
    // The pool's answers are read straight from their Node stream (no web stream per request).
    const { bytes, over } = await res.read(max);
    if (over && !clip) throw tooBig();
    return bytes;
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (max !== undefined && total + chunk.length > max) {
      await res.body.cancel().catch(() => undefined);
      // An error answer's message is all that is wanted of it: keep its start.
      if (clip) return Buffer.concat([...chunks, Buffer.from(chunk).subarray(0, max - total)]);
      throw tooBig();
    }
    total += chunk.length;
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

async function drain(res: BufferedResponse | StreamingResponse): Promise<void> {
  const body = res.body;
  if (body && !Buffer.isBuffer(body)) await body.cancel().catch(() => undefined);
}
