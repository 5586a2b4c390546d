/**
 * At most `size` tasks at once, in the order they asked. Unlike p-limit, a waiting task costs one promise and no
 * AsyncResource: the task resumes after its own `await`, so it keeps the async context (the operation) it started
 * in. At 5,000 requests p-limit's per-task binding was a tenth of the memory the listing allocated.
 */
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  /** `first`: ahead of every waiting task (a request others depend on, such as the next tag page). */
  async run<T>(task: () => Promise<T>, first = false): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => (first ? this.waiting.unshift(r) : this.waiting.push(r)));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
