import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * An operation is what a person asked for at once: a CLI command, an action in the editor. The registry and GitHub
 * clients count its requests and time against the limits (src/core/limits.ts), share what they fetch by digest
 * while it runs (ten thousand copies of one child cost one request), and tell its listener when they wait. The
 * faces open one around each command; a client call made outside any runs in one of its own.
 *
 * It rides on AsyncLocalStorage, so nothing has to pass it through the engine's layers: every await, timer and
 * fetch callback started inside sees it.
 */
export interface WaitNotice {
  /** Who asked for the wait, or why it is made: "the registry ghcr.io", "GitHub". */
  source: string;
  /** Why: "HTTP 429", "no answer within 30 s", "rate limit exhausted". */
  reason: string;
  /** What was being done: "GET /v2/o/n/tags/list". */
  what?: string;
  waitMs: number;
  /** The retry about to be made, and of how many. */
  attempt?: number;
  retries?: number;
}

export interface Operation {
  readonly startedAt: number;
  /** Registry requests made so far. */
  requests: number;
  /** In-flight and finished fetches by a key naming their content (digest): shared while the operation runs. */
  readonly shared: Map<string, Promise<unknown>>;
  readonly onWait?: (n: WaitNotice) => void;
}

const store = new AsyncLocalStorage<Operation>();

/** Waits at least this long are told to the operation's listener (shorter ones are not worth a line). */
const NOTICE_WAIT_MS = 2000;

/** Runs `fn` as one operation (a new one, even inside another). */
export function runOperation<T>(fn: () => Promise<T>, options: { onWait?: (n: WaitNotice) => void } = {}): Promise<T> {
  return store.run({ startedAt: Date.now(), requests: 0, shared: new Map(), onWait: options.onWait }, fn);
}

/** `fn` inside the operation in progress, or inside one of its own when there is none. */
export function withOperation<T>(fn: (op: Operation) => Promise<T>): Promise<T> {
  const op = store.getStore();
  return op ? fn(op) : runOperation(() => fn(store.getStore()!));
}

/** `fn` inside a given operation (work an event of its own carries on, e.g. a stream's answer). */
export function inOperation<T>(op: Operation, fn: () => T): T {
  return store.run(op, fn);
}

export function currentOperation(): Operation | undefined {
  return store.getStore();
}

/**
 * The operation's shared answer for `key`, made by `make` the first time: concurrent and later callers of the same
 * key get the same promise. A failure is forgotten once it settles, so a later call may try again.
 */
export function shared<T>(op: Operation, key: string, make: () => Promise<T>): Promise<T> {
  const hit = op.shared.get(key) as Promise<T> | undefined;
  if (hit) return hit;
  const p = make();
  op.shared.set(key, p);
  p.catch(() => op.shared.delete(key));
  return p;
}

/** Tells the operation's listener (if any) about a wait that is about to start. */
export function noticeWait(n: WaitNotice): void {
  if (n.waitMs < NOTICE_WAIT_MS) return;
  try {
    store.getStore()?.onWait?.(n);
  } catch {
    // A listener that fails must not fail the request it was told about.
  }
}

/** A wait in words: "waiting 20 s: the registry ghcr.io answered HTTP 429 to GET /v2/... (retry 1 of 3)". */
export function describeWait(n: WaitNotice): string {
  const retry =
    n.attempt !== undefined ? ` (retry ${n.attempt}${n.retries !== undefined ? ` of ${n.retries}` : ''})` : '';
  return `waiting ${Math.ceil(n.waitMs / 1000)} s: ${n.source} ${n.reason}${n.what ? ` (${n.what})` : ''}${retry}`;
}
