import { Octokit } from '@octokit/rest';
import { CancelledError, ReleaseOperatorError, environmentError } from '../errors';
import { DEFAULT_LIMITS, raiseHint, type Limits } from '../limits';
import { nullLogger, type Logger } from '../log';
import { noticeWait, operationOf } from '../operation';
import { boundedFetch } from './bounded-fetch';
import { isHttpError, toUserError, type HttpErrorLike } from './errors';
import { nodeFetch } from './node-fetch';
import { requireToken, type TokenSource } from './token';
import { sleep, type Sleep } from '../sleep';

/** The repository a GitHub call is about. */
export interface RepoRef {
  owner: string;
  name: string;
}

export type { Sleep } from '../sleep';
/** The real clock's sleep; tests inject their own. */
export const realSleep: Sleep = sleep;

export interface GitHubClientOptions {
  apiUrl: string;
  token: TokenSource;
  logger?: Logger;
  /**
   * The fetch for every request (tests pass their own). Default: Octokit's requests go over node:http(s)
   * (node-fetch.ts: no undici to load on a fresh process's first request), log and asset downloads, streamed, over
   * the global fetch.
   */
  fetch?: typeof fetch;
  sleep?: Sleep;
  now?: () => number;
  /**
   * Per request, per operation, total retry wait, answer size (src/core/limits.ts). A rate limit that resets later
   * than the retry wait allows fails at once, as the registry client does with a long Retry-After.
   */
  limits?: Partial<Pick<Limits, 'githubRequestMs' | 'operationMs' | 'retryWaitMs' | 'documentBytes' | 'logBytes'>>;
  /** Retries of a rate-limited request. Default 3. */
  rateLimitRetries?: number;
  /** Retries of a 5xx answer or a network failure. Default 2. */
  serverRetries?: number;
}

/** What the last response said about the rate limit; pollers read it to slow down before hitting the wall. */
export interface RateLimitState {
  remaining?: number;
  /** Epoch milliseconds. */
  resetAt?: number;
}

/**
 * Octokit with the product's manners: the token registered as a secret, rate limits honoured (retry-after,
 * x-ratelimit-reset) with bounded waits, 5xx retried a little, and every failure turned into a message that says
 * what to do (including which token scope is missing).
 */
export class GitHubClient {
  readonly rateLimit: RateLimitState = {};
  readonly sleep: Sleep;
  readonly now: () => number;
  readonly limits: Pick<Limits, 'githubRequestMs' | 'operationMs' | 'retryWaitMs' | 'documentBytes' | 'logBytes'>;

  private constructor(
    readonly octokit: Octokit,
    readonly apiUrl: string,
    readonly logger: Logger,
    opts: GitHubClientOptions,
    /** The fetch for log and asset downloads (streamed, redirects by hand): the global one unless a test passes one. */
    readonly fetchImpl: typeof globalThis.fetch,
    /** Authorization for GitHub's own origin (never sent to where it redirects logs). */
    readonly authorization: string,
  ) {
    this.sleep = opts.sleep ?? realSleep;
    this.now = opts.now ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const rlRetries = opts.rateLimitRetries ?? 3;
    const srvRetries = opts.serverRetries ?? 2;
    octokit.hook.wrap('request', async (request, options) => {
      let rl = 0;
      let srv = 0;
      let waited = 0;
      for (;;) {
        try {
          const res = await request(options);
          this.record(res.headers);
          return res;
        } catch (caught) {
          // A limit hit or a slow body inside the fetch comes wrapped by Octokit: it is ours, said as it was.
          const e = unwrap(caught);
          if (!isHttpError(e)) throw e;
          const signal = (options.request as { signal?: AbortSignal } | undefined)?.signal;
          if (signal?.aborted) throw new CancelledError();
          if (e.response) this.record(e.response.headers);
          const wait = this.rateLimitWait(e);
          if (wait !== undefined) {
            if (rl++ >= rlRetries || waited + wait > this.limits.retryWaitMs) {
              const at = new Date(this.now() + wait).toISOString();
              throw environmentError(
                `GitHub's rate limit is exhausted (${e.status}); it resets at ${at}, in ` +
                  `${Math.ceil(wait / 1000)} s: longer than the wait allowed (limits.retryWaitSeconds, ` +
                  `${Math.round(this.limits.retryWaitMs / 1000)} s).`,
                `Wait until then, or use a token with a higher limit (an authenticated token gets 5000 requests an hour). ${raiseHint('retryWaitSeconds')}`,
              );
            }
            await this.pause(wait, signal, {
              reason: `rate limit exhausted (HTTP ${e.status})`,
              attempt: rl,
              retries: rlRetries,
            });
            waited += wait;
            continue;
          }
          const network = !e.response;
          // A name that does not resolve will not resolve a second later either.
          const permanent =
            network && /ENOTFOUND|EAI_AGAIN/.test(`${e.message} ${causeText((e as { cause?: unknown }).cause)}`);
          if (
            (network || e.status >= 500) &&
            !permanent &&
            srv++ < srvRetries &&
            waited + 1000 * srv <= this.limits.retryWaitMs
          ) {
            this.logger.debug(`GitHub ${network ? 'unreachable' : `answered ${e.status}`}; retrying`);
            await this.pause(1000 * srv, signal, {
              reason: network ? 'could not be reached' : `answered HTTP ${e.status}`,
              attempt: srv,
              retries: srvRetries,
            });
            waited += 1000 * srv;
            continue;
          }
          if (network) {
            throw environmentError(
              `Cannot reach GitHub at ${apiUrl}: ${e.message}.`,
              'Check the network, or set github.apiUrl (GITHUB_API_URL) for GitHub Enterprise.',
            );
          }
          throw e;
        }
      }
    });
  }

  /** A wait between retries: within the operation's time, told to its listener when it is long. */
  private async pause(
    ms: number,
    signal: AbortSignal | undefined,
    why: { reason: string; attempt: number; retries: number },
  ): Promise<void> {
    const op = operationOf(signal);
    if (op && Date.now() + ms > op.startedAt + this.limits.operationMs)
      throw environmentError(
        `GitHub ${why.reason}; waiting ${Math.ceil(ms / 1000)} s more would pass the operation's time ` +
          `(limits.operationSeconds, ${Math.round(this.limits.operationMs / 1000)} s).`,
        raiseHint('operationSeconds'),
      );
    this.logger.debug(`GitHub ${why.reason}; waiting ${Math.ceil(ms / 1000)} s`);
    noticeWait(op, { source: 'GitHub', reason: why.reason, waitMs: ms, attempt: why.attempt, retries: why.retries });
    await this.sleep(ms, signal);
  }

  static async create(opts: GitHubClientOptions): Promise<GitHubClient> {
    const token = await requireToken(opts.token);
    const logger = opts.logger ?? nullLogger;
    const limits = { ...DEFAULT_LIMITS, ...opts.limits };
    // Every answer is read whole here, bounded in bytes and time, before Octokit parses it.
    const bounded = boundedFetch(opts.fetch ?? nodeFetch, limits, opts.apiUrl);
    const octokit = new Octokit({
      auth: token,
      baseUrl: opts.apiUrl.replace(/\/+$/, ''),
      userAgent: 'release-operator',
      request: { fetch: bounded },
      // Octokit logs each failed request as an error; the product reports failures itself, with a hint.
      log: {
        debug: (m) => logger.trace(m),
        info: (m) => logger.debug(m),
        warn: (m) => logger.warn(m),
        error: (m) => logger.debug(m),
      },
    });
    return new GitHubClient(octokit, opts.apiUrl, logger, opts, opts.fetch ?? fetch, `token ${token}`);
  }

  /**
   * One REST call, by route ("GET /repos/{owner}/{repo}/actions/runs"). `what` finishes the sentence "trying to
   * ..." in errors; `scope` names the classic-token scope the call needs.
   */
  async call<T = unknown>(
    route: string,
    params: Record<string, unknown>,
    what: string,
    scope = 'repo',
    signal?: AbortSignal,
  ): Promise<{ status: number; data: T; headers: Record<string, unknown> }> {
    try {
      const res = await this.octokit.request(route, { ...params, request: { signal } });
      return { status: res.status, data: res.data as T, headers: res.headers };
    } catch (e) {
      if (signal?.aborted) throw new CancelledError();
      throw toUserError(e, what, scope);
    }
  }

  /** Milliseconds to wait before retrying a rate-limited answer, or undefined when it is not one. */
  private rateLimitWait(e: HttpErrorLike): number | undefined {
    if (e.status !== 403 && e.status !== 429) return undefined;
    const h = e.response?.headers ?? {};
    const retryAfter = Number(h['retry-after']);
    if (Number.isFinite(retryAfter) && retryAfter >= 0 && h['retry-after'] !== undefined) return retryAfter * 1000;
    if (String(h['x-ratelimit-remaining']) === '0' && h['x-ratelimit-reset'] !== undefined) {
      return Math.max(0, Number(h['x-ratelimit-reset']) * 1000 - this.now()) + 1000;
    }
    // A 429 without headers is still a rate limit (secondary limits): GitHub asks for at least a minute.
    return e.status === 429 ? 60_000 : undefined;
  }

  private record(headers: Record<string, string | number | undefined>): void {
    const remaining = headers['x-ratelimit-remaining'];
    const reset = headers['x-ratelimit-reset'];
    if (remaining !== undefined) this.rateLimit.remaining = Number(remaining);
    if (reset !== undefined) this.rateLimit.resetAt = Number(reset) * 1000;
  }
}

/** Octokit wraps what its fetch throws in a RequestError (status 500): our own errors come out as they were. */
function unwrap(e: unknown): Error {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  return (cause instanceof ReleaseOperatorError || cause instanceof CancelledError ? cause : e) as Error;
}

/** The text of an error's cause (fetch, and nodeFetch like it, put the DNS error there). */
function causeText(cause: unknown): string {
  if (cause instanceof Error) return `${cause.message} ${(cause as { code?: string }).code ?? ''}`;
  return typeof cause === 'string' ? cause : '';
}
