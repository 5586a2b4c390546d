import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { readUpTo } from '../read-stream';
import { AnswerHeaders } from './answer';

/**
 * The fetch under Octokit, over `node:http` and `node:https` rather than Node's global `fetch`. Node 20's `fetch`,
 * `Headers` and `Response` are undici, which Node loads on first use: measured here, a fresh CLI's first GitHub
 * request spent ~45 ms of CPU loading it, about half the round trip the Packages API listing is measured against.
 * This does what fetch's defaults do for the requests Octokit makes: keep-alive connections (see `send`), redirects
 * followed (at most `MAX_REDIRECTS`; `Authorization` never leaves the origin; `redirect: 'manual'` hands the 3xx back), compressed answers decoded, network failures rejected as a TypeError
 * whose `cause` is Node's own error (ECONNREFUSED, ENOTFOUND) as fetch does, an abort as an AbortError.
 *
 * A body that is not a string or bytes (a stream, a form), or an input that is a Request, goes to the global fetch:
 * nothing in the product sends one today.
 */
export async function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<NodeAnswer | Response> {
  const body = bodyBytes(init.body);
  if ((typeof input !== 'string' && !(input instanceof URL)) || body === undefined) return fetch(input, init);
  let url = new URL(input);
  let method = (init.method ?? 'GET').toUpperCase();
  let headers = headerRecord(init.headers);
  let payload = body;
  const signal = init.signal ?? undefined;
  for (let hop = 0; ; hop++) {
    const answer = await once({ url, method, headers, body: payload, signal });
    const location = answer.headers.get('location');
    if (!REDIRECTS.has(answer.status) || location === null || init.redirect === 'manual') return answer;
    answer.cancel();
    if (init.redirect === 'error')
      throw new TypeError('fetch failed', {
        cause: new Error(`a redirect (${answer.status}) refused: redirect 'error'`),
      });
    if (hop >= MAX_REDIRECTS)
      throw new TypeError('fetch failed', { cause: new Error(`more than ${MAX_REDIRECTS} redirects`) });
    // Where it points is not said: a signed storage URL carries its credential.
    const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
    if (next?.protocol !== 'http:' && next?.protocol !== 'https:')
      throw new TypeError('fetch failed', { cause: new Error(`a redirect (${answer.status}) to no http(s) URL`) });
    // As fetch does: a 303 (and a 301/302 after a POST) becomes a GET without its body.
    if (
      answer.status === 303 ? method !== 'HEAD' : (answer.status === 301 || answer.status === 302) && method === 'POST'
    ) {
      method = 'GET';
      payload = null;
      headers = without(headers, BODY_HEADERS);
    }
    // Credentials stay with the origin they were given for.
    if (next.origin !== url.origin) headers = without(headers, CREDENTIAL_HEADERS);
    url = next;
  }
}

/** An answer as nodeFetch gives it: the parts a fetch Response has that boundedFetch reads, and a cheaper read. */
export interface NodeAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: AnswerHeaders;
  /** The whole (decoded) body, at most `max` bytes: past that, `over` is set and the rest is not read. */
  read(max: number): Promise<{ bytes: Buffer; over: boolean }>;
  /** Drops the body unread (its connection is closed rather than reused). */
  cancel(): void;
}

/** Hops a request may take: GitHub redirects a renamed or moved repository once. */
export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** A request that may be sent again when a kept-alive connection turns out closed (as undici does). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** One hop of a request: where, how, and what it sends. */
interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  signal: AbortSignal | undefined;
}

/** One request, one answer; a connection kept alive that the server had closed is retried once on a new one. */
async function once(hop: Hop): Promise<NodeAnswer> {
  try {
    return await send(hop);
  } catch (e) {
    if (!(e as { stale?: boolean }).stale || !IDEMPOTENT.has(hop.method)) throw e;
    return send(hop);
  }
}

function send({ url, method, headers, body, signal }: Hop): Promise<NodeAnswer> {
  if (signal?.aborted) return Promise.reject(abortError());
  const out: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...headers };
  // A POST, PUT or PATCH with no body says so (as fetch does) rather than going chunked.
  if (body || ['POST', 'PUT', 'PATCH'].includes(method)) out['content-length'] = String(body?.length ?? 0);
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!transport)
    return Promise.reject(
      new TypeError('fetch failed', { cause: new Error(`unsupported URL scheme ${url.protocol}`) }),
    );
  return new Promise<NodeAnswer>((resolve, reject) => {
    let answered = false;
    // No agent of our own: Node's global agents keep connections alive (since Node 19; idle ones closed after 5 s,
    // never keeping the process alive), and an editor's proxy support (VS Code's `http.proxySupport` "fallback",
    // code-server's HTTP_PROXY) reaches only requests that bring none.
    const req = transport.request(url, { method, headers: out });
    let res: http.IncomingMessage | undefined;
    // One listener of our own for the whole exchange (headers and body).
    const onAbort = () => {
      const err = abortError();
      req.destroy(err);
      res?.destroy(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const release = () => signal?.removeEventListener('abort', onAbort);
    // `on`, not `once`: a socket can fail more than once, and an error after the answer is the body's (read()).
    req.on('error', (e: Error & { code?: string }) => {
      if (answered) return;
      release();
      if (isAbort(e)) return reject(e);
      const failed = new TypeError('fetch failed', { cause: e }) as TypeError & { stale?: boolean };
      failed.stale = req.reusedSocket && ['ECONNRESET', 'EPIPE', 'ECONNABORTED'].includes(e.code ?? '');
      reject(failed);
    });
    req.once('response', (r) => {
      answered = true;
      res = r;
      r.once('close', release);
      // The body's errors reach read(); one that comes when nobody reads (cancelled, aborted) is not a crash.
      r.on('error', () => undefined);
      const status = r.statusCode ?? 0;
      const empty = method === 'HEAD' || status === 204 || status === 205 || status === 304;
      if (empty) r.resume();
      resolve(new Answer(status, r.statusMessage ?? '', url.href, AnswerHeaders.of(r.headers), empty ? null : r));
    });
    req.end(body ?? undefined);
  });
}

/** A Node response read whole on demand, decoded as fetch decodes it (gzip, deflate, br). */
class Answer implements NodeAnswer {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    readonly headers: AnswerHeaders,
    private readonly res: http.IncomingMessage | null,
  ) {}

  cancel(): void {
    this.res?.destroy();
  }

  read(max: number): Promise<{ bytes: Buffer; over: boolean }> {
    const res = this.res;
    if (!res) return Promise.resolve({ bytes: Buffer.alloc(0), over: false });
    const stream = decoded(res, this.headers.get('content-encoding'));
    // A decoder does not hear of its source's failure: it is passed on.
    if (stream !== res) res.once('error', (e) => stream.destroy(e));
    return readUpTo(stream, max).then(
      (r) => {
        // The connection is closed rather than read to its end.
        if (r.over) res.destroy();
        return r;
      },
      (e: Error) => {
        throw isAbort(e) ? e : new TypeError('terminated', { cause: e });
      },
    );
  }
}

function decoded(res: http.IncomingMessage, encoding: string | null): Readable {
  const coding = encoding?.trim().toLowerCase();
  const decoder =
    coding === 'gzip' || coding === 'x-gzip'
      ? zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH })
      : coding === 'deflate'
        ? zlib.createInflate()
        : coding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  return decoder ? res.pipe(decoder) : res;
}

/** The request body as bytes: undefined for a kind this fetch does not send (streams, forms: global fetch). */
function bodyBytes(body: RequestInit['body']): Buffer | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** Request headers as a record with lower-case names, from any of the forms fetch takes. */
function headerRecord(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  const pairs: Iterable<[string, string]> = Array.isArray(h)
    ? (h as Array<[string, string]>)
    : typeof (h as { entries?: unknown }).entries === 'function' && typeof (h as { get?: unknown }).get === 'function'
      ? (h as unknown as Iterable<[string, string]>)
      : Object.entries(h as Record<string, string>);
  for (const [k, v] of pairs) out[k.toLowerCase()] = String(v);
  return out;
}

function without(h: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(h).filter(([k]) => !names.includes(k)));
}

function abortError(): Error {
  return new DOMException('This operation was aborted', 'AbortError');
}

function isAbort(e: unknown): boolean {
  return (e as { name?: string })?.name === 'AbortError';
}
