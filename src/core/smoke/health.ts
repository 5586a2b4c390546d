import { CancelledError } from '../errors';
import { sleep } from '../sleep';

export interface HealthProbe {
  url: string;
  expectStatus: number;
  expectBody: string;
  /** Epoch milliseconds after which the probe gives up. */
  deadline: number;
  pollIntervalMs: number;
  signal?: AbortSignal;
  fetch: typeof fetch;
  now?: () => number;
  /** Asked between attempts: a reason to stop early (the container exited), or undefined to go on. */
  stopReason(): Promise<string | undefined>;
}

/** The first waits between probes, doubling up to pollIntervalMs: a service that is up at once is seen at once. */
const FIRST_WAIT_MS = 50;

export type HealthOutcome =
  | { passed: true; attempts: number; detail: string }
  | { passed: false; attempts: number; detail: string; stoppedEarly: boolean };


/** Polls an HTTP endpoint (soon after the start, then every pollIntervalMs) until it answers as expected, the deadline passes, or stopReason() says stop. */
export async function pollHealth(p: HealthProbe): Promise<HealthOutcome> {
  const now = p.now ?? Date.now;
  let attempts = 0;
  let last = 'no answer yet';
  for (;;) {
    if (p.signal?.aborted) throw new CancelledError();
    attempts++;
    const remaining = p.deadline - now();
    const perRequest = Math.max(250, Math.min(5_000, remaining));
    const signals = [AbortSignal.timeout(perRequest), ...(p.signal ? [p.signal] : [])];
    try {
      const res = await p.fetch(p.url, { signal: AbortSignal.any(signals), redirect: 'manual' });
      const body = await res.text();
      const statusOk = res.status === p.expectStatus;
      const bodyOk = !p.expectBody || body.includes(p.expectBody);
      if (statusOk && bodyOk) return { passed: true, attempts, detail: `${res.status} ${snippet(body)}` };
      last = statusOk ? `${res.status} but the body does not contain '${p.expectBody}': ${snippet(body)}` : `${res.status} instead of ${p.expectStatus}: ${snippet(body)}`;
    } catch (e) {
      if (p.signal?.aborted) throw new CancelledError();
      last = `no answer (${describeFetchError(e)})`;
    }
    const stop = await p.stopReason();
    if (stop) return { passed: false, attempts, detail: `${stop}; last probe: ${last}`, stoppedEarly: true };
    const wait = Math.min(p.pollIntervalMs, FIRST_WAIT_MS * 2 ** (attempts - 1));
    if (now() + wait >= p.deadline) return { passed: false, attempts, detail: `not healthy by the deadline after ${attempts} attempts; last probe: ${last}`, stoppedEarly: false };
    await sleep(wait, p.signal);
  }
}

function snippet(body: string): string {
  const one = body.trim().replace(/\s+/g, ' ');
  return one.length > 80 ? `${one.slice(0, 80)}...` : one || '(empty body)';
}

function describeFetchError(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}
