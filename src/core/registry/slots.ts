/**
 * At most `size` tasks at once, in the order they asked. Unlike p-limit, a waiting task costs one promise and no
 * AsyncResource: the task resumes after its own `await`, so it keeps the async context (the operation) it started
 * in. At 5,000 requests p-limit's per-task binding was a tenth of the memory the listing allocated.
 *
 * One slot is kept for `first` tasks (requests others depend on, such as the next tag page): ordinary tasks use at
 * most `size - 1`, so a page never waits for a slot that the HEADs of the page before it hold (it used to wait up
 * to a round trip per page, which made the page chain, not the requests, the cost of a long listing).
 */
export class Slots {
  private used = 0;
  private readonly size: number;
  private readonly ordinaryLimit: number;
  private readonly waitingFirst: Array<() => void> = [];
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.size = Math.max(1, size);
    this.ordinaryLimit = this.size > 1 ? this.size - 1 : 1;
  }

  /**
   * `first`: ahead of every waiting task, and may take the kept slot. Without async/await (one promise per task
   * rather than three): the callbacks still run in the caller's async context, as they are attached in its call.
   */
  run<T>(task: () => Promise<T>, first = false): Promise<T> {
    if (this.used < (first ? this.size : this.ordinaryLimit)) {
      this.used++;
      return this.start(task);
    }
    return new Promise<void>((r) => (first ? this.waitingFirst.push(r) : this.waiting.push(r))).then(() =>
      this.start(task),
    );
  }

  /**
   * Takes a slot now if one is free (as `run` would without waiting), for a caller that starts its own work and hands
   * the slot back with `release()`; false when it would have to wait.
   */
  tryTake(first = false): boolean {
    if (this.used >= (first ? this.size : this.ordinaryLimit)) return false;
    this.used++;
    return true;
  }

  /** Runs a task that holds a slot; the slot is handed on when it settles, however it ends. */
  private start<T>(task: () => Promise<T>): Promise<T> {
    let p: Promise<T>;
    try {
      p = task();
    } catch (e) {
      // Tasks are async functions, which reject rather than throw; should one throw, its slot is not lost.
      this.release();
      throw e;
    }
    return p.then(
      (v) => {
        this.release();
        return v;
      },
      (e: unknown) => {
        this.release();
        throw e;
      },
    );
  }

  /** Hands the freed slot to a waiting first task, else to an ordinary one if it may have it, else frees it. */
  release(): void {
    const next = this.waitingFirst.shift() ?? (this.used - 1 < this.ordinaryLimit ? this.waiting.shift() : undefined);
    if (!next) this.used--;
    else next();
  }
}
