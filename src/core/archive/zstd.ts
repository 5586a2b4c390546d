import { Decompress } from 'fzstd';
import { checkError } from '../errors';
import { LIMITS, limitError } from '../limits';

/**
 * zstd decompression as it streams, with fzstd (Node 20's zlib has no zstd). fzstd allocates each frame's window
 * as its header asks, up to 2 GiB, so every frame header is read here first (frames are walked by their block
 * headers, without decoding) and a window over the fixed limit is refused before fzstd sees the frame.
 */
export async function* zstdDecompress(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const d = new Decompress((chunk) => void out.push(chunk));
  const guard = new FrameWalker(what);
  for await (const chunk of source) {
    guard.push(chunk);
    try {
      d.push(chunk);
    } catch (e) {
      throw notZstd(what, e);
    }
    while (out.length) yield out.shift()!;
  }
  guard.end();
  try {
    d.push(new Uint8Array(0), true);
  } catch (e) {
    throw notZstd(what, e);
  }
  while (out.length) yield out.shift()!;
}

const notZstd = (what: string, e: unknown) =>
  checkError(
    `${what}: not a readable zstd stream (${e instanceof Error ? e.message : String(e)})`,
    'The file is truncated or corrupted; download or build it again.',
  );

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Walks zstd frames (RFC 8878 section 3.1) across chunk boundaries: frame header (window size checked), then block
 * headers (3 bytes: last flag, type, size) whose content is skipped, then the optional checksum; skippable frames
 * are skipped whole.
 */
class FrameWalker {
  private state: 'magic' | 'descriptor' | 'header' | 'block' | 'skippable-size' = 'magic';
  /** Bytes of the field being gathered, and how many it needs. */
  private field: number[] = [];
  private need = 4;
  /** Bytes to pass over before the next field. */
  private skip = 0;
  private descriptor = 0;
  private checksum = false;
  private frames = 0;

  constructor(
    private readonly what: string,
    private readonly maxWindow: number = LIMITS.zstdWindowBytes.default,
  ) {}

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.field.push(chunk[i++]);
      if (this.field.length === this.need) this.take(this.field);
    }
  }

  /** At the end of the stream: a frame cut short is said by fzstd; nothing to add here. */
  end(): void {}

  private next(state: FrameWalker['state'], need: number): void {
    this.state = state;
    this.need = need;
    this.field = [];
  }

  private take(b: number[]): void {
    const le = (from: number, n: number) => b.slice(from, from + n).reduce((v, x, k) => v + x * 2 ** (8 * k), 0);
    switch (this.state) {
      case 'magic': {
        const magic = le(0, 4);
        if (magic === ZSTD_MAGIC) return this.next('descriptor', 1);
        if (magic >>> 4 === 0x184d2a5) return this.next('skippable-size', 4);
        throw checkError(
          `${this.what}: not a zstd stream (frame ${this.frames + 1} starts with 0x${magic.toString(16)})`,
          'The file is truncated or corrupted; download or build it again.',
        );
      }
      case 'skippable-size':
        this.skip = le(0, 4);
        return this.next('magic', 4);
      case 'descriptor': {
        const d = b[0];
        this.descriptor = d;
        this.checksum = ((d >> 2) & 1) === 1;
        const single = (d >> 5) & 1;
        const fcsFlag = d >> 6;
        const dictBytes = [0, 1, 2, 4][d & 3];
        const fcsBytes = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag];
        return this.next('header', (single ? 0 : 1) + dictBytes + fcsBytes);
      }
      case 'header': {
        const d = this.descriptor;
        const single = (d >> 5) & 1;
        let window: number;
        if (!single) {
          const exponent = b[0] >> 3;
          const base = 2 ** (10 + exponent);
          window = base + (base / 8) * (b[0] & 7);
        } else {
          const dictBytes = [0, 1, 2, 4][d & 3];
          const fcsBytes = d >> 6 === 0 ? 1 : [0, 2, 4, 8][d >> 6];
          window = le(dictBytes, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
        }
        this.frames++;
        if (window > this.maxWindow)
          throw limitError(
            'zstdWindowBytes',
            this.maxWindow,
            `${this.what}: zstd frame ${this.frames} asks for a window of ${window} bytes`,
          );
        return this.next('block', 3);
      }
      case 'block': {
        const h = le(0, 3);
        const last = h & 1;
        const type = (h >> 1) & 3;
        const size = h >>> 3;
        if (type === 3) throw notZstd(this.what, new Error('reserved block type'));
        this.skip = type === 1 ? 1 : size;
        if (!last) return this.next('block', 3);
        this.skip += this.checksum ? 4 : 0;
        return this.next('magic', 4);
      }
    }
  }
}
