import { CancelledError, environmentError } from '../errors';
import { limitError, raiseHint, type Limits } from '../limits';
import { linkSignal, operationOf } from '../operation';
import { AnswerHeaders, FinishedAnswer } from './answer';
import type { NodeAnswer } from './node-fetch';

/** What boundedFetch reads through: nodeFetch (the default), or a fetch a test passes. */
export type InnerFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response | NodeAnswer>;

/**
 * The fetch under Octokit: each answer is read whole here, within the request's time (headers and body), the
 * operation's time and the answer size limit, and handed to Octokit finished (a FinishedAnswer: what Octokit reads of
 * a Response, without undici's). Octokit itself would read any body of any size for as long as it drips (a 1.5 GB
 * answer became an empty string). A server that answered is never said to be unreachable.
 */
export function boundedFetch(
  inner: InnerFetch,
  limits: Pick<Limits, 'githubRequestMs' | 'operationMs' | 'documentBytes'>,
  apiUrl: string,
): (input: string | URL | Request, init?: RequestInit) => Promise<FinishedAnswer> {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const what = `${init?.method ?? 'GET'} ${url.pathname}`;
    const d = deadline(limits, init?.signal ?? undefined, what);
    const expired = () => d.expired();
    try {
      let res: Response | NodeAnswer;
      try {
        res = await inner(input, { ...init, signal: d.signal });
      } catch (e) {
        if (init?.signal?.aborted) throw new CancelledError();
        const timedOut = expired();
        if (timedOut === 'operation') throw operationLimit(limits, what);
        if (timedOut === 'request')
          throw environmentError(
            `GitHub (${apiUrl}) did not answer ${what} within ${Math.round(limits.githubRequestMs / 1000)} s (github.timeoutSeconds).`,
            `GitHub or the network to it is slow; try again later. ${raiseHint('githubRequestSeconds')}`,
          );
        throw e;
      }
      const body = await readBounded(res, limits.documentBytes, `GitHub's answer to ${what}`).catch((e: unknown) => {
        if (init?.signal?.aborted) throw new CancelledError();
        const timedOut = expired();
        if (timedOut === 'operation') throw operationLimit(limits, what);
        if (timedOut === 'request')
          throw environmentError(
            `GitHub answered ${what}, but the body did not arrive within ${Math.round(limits.githubRequestMs / 1000)} s (github.timeoutSeconds).`,
            `GitHub or the network to it is slow; try again later. ${raiseHint('githubRequestSeconds')}`,
          );
        throw e;
      });
      const nullBody = [101, 204, 205, 304].includes(res.status);
      const headers = isNodeAnswer(res) ? res.headers : AnswerHeaders.from(res.headers);
      return new FinishedAnswer(res.status, res.statusText, res.url, headers, nullBody ? null : body);
    } finally {
      d.done();
    }
  };
}

/** A signal that fires at the request's or the operation's end, whichever comes first, and which one it was. */
export function deadline(
  limits: Pick<Limits, 'githubRequestMs' | 'operationMs'>,
  user: AbortSignal | undefined,
  what: string,
  requestMs = limits.githubRequestMs,
): { signal: AbortSignal; done(): void; expired(): 'request' | 'operation' | undefined } {
  const op = operationOf(user);
  const left = op ? op.startedAt + limits.operationMs - Date.now() : Number.POSITIVE_INFINITY;
  if (left <= 0) throw operationLimit(limits, what);
  const byOperation = left < requestMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.min(requestMs, left));
  return {
    signal: linkSignal(user, controller.signal),
    done: () => clearTimeout(timer),
    expired: () => (controller.signal.aborted ? (byOperation ? 'operation' : 'request') : undefined),
  };
}

function operationLimit(limits: Pick<Limits, 'operationMs'>, what: string) {
  return limitError(
    'operationSeconds',
    limits.operationMs,
    `GitHub ${what} did not finish within the operation's time`,
  );
}

function isNodeAnswer(res: Response | NodeAnswer): res is NodeAnswer {
  return typeof (res as Partial<NodeAnswer>).read === 'function';
}

/** A response body read whole, refused as soon as it is known to pass `max` bytes. */
async function readBounded(res: Response | NodeAnswer, max: number, what: string): Promise<Uint8Array> {
  const tooBig = () => limitError('documentMegabytes', max, `${what} is larger than ${max} bytes`);
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    if (isNodeAnswer(res)) res.cancel();
    else await res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (isNodeAnswer(res)) {
    const { bytes, over } = await res.read(max);
    if (over) throw tooBig();
    return bytes;
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) {
      await res.body.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
