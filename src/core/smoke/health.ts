import http from 'node:http';
import { CancelledError } from '../errors';
import { sleep } from '../sleep';

/** One HTTP GET without redirects: status and body (the body cut at maxBody bytes). */
export type HttpGet = (
  url: string,
  options: { timeoutMs: number; signal?: AbortSignal },
) => Promise<{ status: number; body: string }>;

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The probe's GET, on node:http with a new connection per attempt. Not fetch(): Node 20's fetch, asked first
 * through Docker's port proxy while nothing listens in the container yet, neither fails nor answers until its
 * timeout, and its socket does not keep the process alive meanwhile, so a CLI run could end mid-probe.
 * node:http sees the proxy's reset at once, and its timer keeps the process alive.
 */
const httpGet: HttpGet = (url, { timeoutMs, signal }) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(c.subarray(0, MAX_BODY_BYTES - size));
        size += c.length;
      });
      res.on('end', () =>
        finish(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })),
      );
      res.on('error', (e) => finish(() => reject(e)));
    });
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    const onAbort = () => req.destroy(new CancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    req.on('error', (e) => finish(() => reject(e)));
  });

export interface HealthProbe {
  url: string;
  expectStatus: number;
  expectBody: string;
  /** Epoch milliseconds after which the probe gives up. */
  deadline: number;
  pollIntervalMs: number;
  signal?: AbortSignal;
  get?: HttpGet;
  now?: () => number;
  /** Asked between attempts: a reason to stop early (the container exited), or undefined to go on. */
  stopReason(): Promise<string | undefined>;
}

/** The first waits between probes, doubling up to pollIntervalMs: a service that is up at once is seen at once. */
const FIRST_WAIT_MS = 50;

export type HealthOutcome =
  | { passed: true; attempts: number; detail: string }
  | { passed: false; attempts: number; detail: string; stoppedEarly: boolean };

/**
 * Polls an HTTP endpoint (soon after the start, then every pollIntervalMs) until it answers as expected, the deadline
 * passes, or stopReason() says stop.
 */
export async function pollHealth(p: HealthProbe): Promise<HealthOutcome> {
  const now = p.now ?? Date.now;
  let attempts = 0;
  let last = 'no answer yet';
  for (;;) {
    if (p.signal?.aborted) throw new CancelledError();
    attempts++;
    const remaining = p.deadline - now();
    const perRequest = Math.max(250, Math.min(5_000, remaining));
    try {
      const res = await (p.get ?? httpGet)(p.url, { timeoutMs: perRequest, signal: p.signal });
      const body = res.body;
      const statusOk = res.status === p.expectStatus;
      const bodyOk = !p.expectBody || body.includes(p.expectBody);
      if (statusOk && bodyOk) return { passed: true, attempts, detail: `${res.status} ${snippet(body)}` };
      last = statusOk
        ? `${res.status} but the body does not contain '${p.expectBody}': ${snippet(body)}`
        : `${res.status} instead of ${p.expectStatus}: ${snippet(body)}`;
    } catch (e) {
      if (p.signal?.aborted) throw new CancelledError();
      last = `no answer (${describeFetchError(e)})`;
    }
    const stop = await p.stopReason();
    if (stop) return { passed: false, attempts, detail: `${stop}; last probe: ${last}`, stoppedEarly: true };
    const wait = Math.min(p.pollIntervalMs, FIRST_WAIT_MS * 2 ** (attempts - 1));
    if (now() + wait >= p.deadline)
      return {
        passed: false,
        attempts,
        detail: `not healthy by the deadline after ${attempts} attempts; last probe: ${last}`,
        stoppedEarly: false,
      };
    await sleep(wait, p.signal);
  }
}

function snippet(body: string): string {
  const one = body.trim().replace(/\s+/g, ' ');
  return one.length > 80 ? `${one.slice(0, 80)}...` : one || '(empty body)';
}

function describeFetchError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err?.code === 'ETIMEDOUT') return 'timed out';
  return err?.code ?? err?.message ?? String(e);
}
