/**
 * Runs `fn` when `signal` aborts; returns a function that forgets it. One listener of ours per signal, whatever the
 * number of callers: thousands of requests wait on one caller's signal at once (a listing of 5,000 tags), and an
 * AbortSignal's own addEventListener and removeEventListener walk every listener already there (each duplicate check
 * was a walk over the requests in flight).
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return noop;
  }
  let waiting = fanOut.get(signal);
  if (!waiting) {
    const set = new Set<() => void>();
    waiting = set;
    fanOut.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        fanOut.delete(signal);
        for (const f of set) f();
      },
      { once: true },
    );
  }
  const set = waiting;
  set.add(fn);
  return () => void set.delete(fn);
}

const fanOut = new WeakMap<AbortSignal, Set<() => void>>();
const noop = () => undefined;
