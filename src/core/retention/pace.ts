import { noticeWait, operationOf } from '../operation';
import type { Sleep } from '../sleep';

/**
 * At most `perMinute` calls in any 60 s window. GitHub's Packages API allows about 180 deletions a minute before
 * its secondary rate limit answers 403/429 for a while; staying under it is faster than backing off from it.
 */
export class Pacer {
  private readonly times: number[] = [];

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
    private readonly sleep: Sleep,
  ) {}

  /** Waits until one more call fits in the window, then counts it. Returns how long it waited (ms). */
  async take(signal?: AbortSignal): Promise<number> {
    let waited = 0;
    for (;;) {
      const t = this.now();
      while (this.times.length && this.times[0] <= t - 60_000) this.times.shift();
      if (this.times.length < this.perMinute) {
        this.times.push(t);
        return waited;
      }
      const ms = this.times[0] + 60_000 - t;
      noticeWait(operationOf(signal), {
        source: 'GitHub',
        reason: `allows about ${this.perMinute} package deletions a minute`,
        waitMs: ms,
      });
      await this.sleep(ms, signal);
      waited += ms;
    }
  }
}
