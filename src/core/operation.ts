/**
 * An operation is what a person asked for at once: a CLI command, an action in the editor. The registry and GitHub
 * clients count its requests and time against the limits (src/core/limits.ts), share what they fetch by digest
 * while it runs (ten thousand copies of one child cost one request), and tell its listener when they wait. The
 * faces open one around each command; a client call made outside any runs in one of its own.
 *
 * It rides on the AbortSignal every call of the engine carries already (the faces' cancel): a call made with the
 * operation's signal, or with a signal linked to it (linkSignal), belongs to it. In a process that runs one operation
 * at a time (the CLI), calls that carry no signal belong to it too. Not AsyncLocalStorage: on Node 20 it runs hooks
 * on every promise and async resource of the process (of every extension, in the editor's extension host) once
 * used, and a registry listing spent 17-29% more CPU under it (2026-12-07).
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

/** Operations by the signal their calls carry (a signal linked to one belongs to its operation). */
const bySignal = new WeakMap<AbortSignal, Operation>();
/**
 * The operation of a process that runs one at a time (the CLI): calls that carry no signal belong to it. Kept as a
 * list of those running, the latest last, so two that overlap (in-process tests) and end in any order leave none
 * that ended behind.
 */
const ambient: Operation[] = [];

/** Waits at least this long are told to the operation's listener (shorter ones are not worth a line). */
const NOTICE_WAIT_MS = 2000;

export interface OperationOptions {
  onWait?: (n: WaitNotice) => void;
  /** The caller's cancel: the operation's own signal follows it. */
  signal?: AbortSignal;
  /** Calls that carry no signal belong to this operation while it runs (a process that runs one at a time). */
  ambient?: boolean;
}

/**
 * Runs `fn` as one operation (a new one, even inside another). `fn` is given the operation's signal, which follows
 * `options.signal`: the calls made with it, or with a signal linked to it, count against this operation.
 */
export async function runOperation<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  options: OperationOptions = {},
): Promise<T> {
  const signal = begin(options.signal, options.onWait);
  const op = bySignal.get(signal)!;
  if (options.ambient) ambient.push(op);
  try {
    return await fn(signal);
  } finally {
    if (options.ambient) ambient.splice(ambient.indexOf(op), 1);
  }
}

/** A new operation, and its own signal (which follows `caller`'s). */
function begin(caller: AbortSignal | undefined, onWait?: (n: WaitNotice) => void): AbortSignal {
  const signal = caller ? AbortSignal.any([caller]) : new AbortController().signal;
  bySignal.set(signal, { startedAt: Date.now(), requests: 0, shared: new Map(), onWait });
  return signal;
}

/** The operation a call carrying `signal` belongs to: its signal's, else the process's (CLI), else none. */
export function operationOf(signal: AbortSignal | undefined): Operation | undefined {
  return (signal && bySignal.get(signal)) || ambient.at(-1);
}

/**
 * The signal a call is to carry on with: `signal` itself when the call belongs to an operation already, else the
 * signal of a new operation of its own (which follows `signal`), so the calls it makes in turn belong to one.
 */
export function operationSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  return operationOf(signal) ? signal : begin(signal);
}

/**
 * `fn` inside the operation the call belongs to (by `options.signal`), or one of its own; given the options to carry
 * on with: the same object when the call belongs to one already (a listing's thousands of HEADs copy nothing), else
 * with the new operation's signal.
 */
export function withOperation<O extends { signal?: AbortSignal }, T>(
  options: O,
  fn: (op: Operation, options: O) => Promise<T>,
): Promise<T> {
  const own = operationSignal(options.signal);
  return fn(operationOf(own)!, own === options.signal ? options : { ...options, signal: own });
}

/**
 * A signal that fires when `parent` or `other` does, and belongs to `parent`'s operation (AbortSignal.any loses it).
 */
export function linkSignal(parent: AbortSignal | undefined, other: AbortSignal): AbortSignal {
  if (!parent) return other;
  const linked = AbortSignal.any([parent, other]);
  const op = bySignal.get(parent);
  if (op) bySignal.set(linked, op);
  return linked;
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
export function noticeWait(op: Operation | undefined, n: WaitNotice): void {
  if (n.waitMs < NOTICE_WAIT_MS) return;
  try {
    op?.onWait?.(n);
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
