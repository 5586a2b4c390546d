import { throwIfAborted } from '../errors';
import { limitError } from '../limits';
import { RATIO_FLOOR_BYTES, type ArchiveLimits } from './limits';

/**
 * What one archive has cost so far: entries, compressed bytes in, expanded bytes out. Each count is checked as it
 * grows, so a bomb is refused within the limits (and within a bounded amount of memory: nothing is kept).
 */
export class Meter {
  entries = 0;
  in = 0;
  out = 0;

  constructor(
    private readonly name: string,
    readonly limits: ArchiveLimits,
    private readonly signal?: AbortSignal,
  ) {}

  entry(): void {
    throwIfAborted(this.signal);
    if (++this.entries > this.limits.archiveEntries)
      throw limitError('archiveEntries', this.limits.archiveEntries, `${this.name} holds more entries`);
  }

  input(n: number): void {
    this.in += n;
  }

  output(n: number): void {
    this.out += n;
    if (this.out > this.limits.archiveBytes)
      throw limitError('archiveMegabytes', this.limits.archiveBytes, `${this.name} expands to more bytes`);
    this.ratio(this.out, this.in, this.name);
  }

  /** The expansion of `out` bytes from `inBytes`, judged once past the floor. */
  ratio(out: number, inBytes: number, what: string): void {
    if (out > RATIO_FLOOR_BYTES && out > inBytes * this.limits.archiveRatio)
      throw limitError(
        'archiveRatio',
        this.limits.archiveRatio,
        `${what} expands ${Math.floor(out / Math.max(1, inBytes))} times (${out} bytes from ${inBytes})`,
      );
  }

  /** Before a member is opened: what it declares may already be past the limits. */
  declared(size: number, compressed: number, what: string): void {
    if (this.out + size > this.limits.archiveBytes)
      throw limitError('archiveMegabytes', this.limits.archiveBytes, `${what} declares ${size} bytes`);
    this.ratio(size, compressed, `${what} (as declared)`);
  }
}

/** Bytes of a stream counted on their way through: as compressed input, expanded output, or both (a plain tar). */
export async function* counted(
  source: AsyncIterable<Uint8Array>,
  meter: Meter,
  as: 'in' | 'out' | 'both',
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (as !== 'out') meter.input(b.length);
    if (as !== 'in') meter.output(b.length);
    yield b;
  }
}

/**
 * A member's body for a visitor that may stop early: breaking out of the loop does not close the archive's stream,
 * and drain() then reads past what is left (the next member follows it).
 */
export function drained(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> & { drain(): Promise<void> } {
  const it = source[Symbol.asyncIterator]();
  let done = false;
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const r = await it.next();
        if (r.done) done = true;
        return r;
      },
      return: async () => ({ done: true, value: undefined }),
    }),
    async drain() {
      while (!done) if ((await it.next()).done) done = true;
    },
  };
}

/** The first `n` bytes of a stream (fewer when it is shorter), and the whole stream again from its start. */
export async function peek(
  source: AsyncIterable<Buffer>,
  n: number,
): Promise<{ head: Buffer; rest: AsyncIterable<Buffer>; close(): Promise<void> }> {
  const it = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let got = 0;
  let ended = false;
  while (got < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    first.push(r.value);
    got += r.value.length;
  }
  const head = Buffer.concat(first);
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      if (head.length) yield head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      // Stopped early: close the source (a decoder holding memory, or xz's one-at-a-time lock).
      if (!ended) await it.return?.();
    }
  }
  // close(): for a caller that will not read `rest` at all (a generator never started never runs its finally).
  return { head: head.subarray(0, n), rest: rest(), close: async () => void (await it.return?.()) };
}
