/**
 * Runs `fn` when `signal` aborts; returns a function that forgets it. One listener of ours per signal, whatever the
 * number of callers: thousands of requests wait on one caller's signal at once (a listing of 5,000 tags), and an
 * AbortSignal's own addEventListener and removeEventListener walk every listener already there (each duplicate check
 * was a walk over the requests in flight). The listener goes when its last caller forgets it: Node holds a combined
 * signal (AbortSignal.any, an operation's) that has a listener until it aborts, and with it whatever is keyed by it
 * (the operation and the fetches it shares).
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return noop;
  }
  let entry = fanOut.get(signal);
  if (!entry) {
    const set = new Set<() => void>();
    const listener = () => {
      fanOut.delete(signal);
      for (const f of set) f();
    };
    entry = { set, listener };
    fanOut.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { set, listener } = entry;
  set.add(fn);
  return () => {
    if (!set.delete(fn) || set.size > 0 || fanOut.get(signal)?.set !== set) return;
    fanOut.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}

const fanOut = new WeakMap<AbortSignal, { set: Set<() => void>; listener: () => void }>();
const noop = () => undefined;
