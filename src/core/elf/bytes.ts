import { ElfFormatError } from './errors';

/** Bytes of a file at an offset: the whole file in memory is one piece at 0; a file read in parts is several. */
export interface Piece {
  offset: number;
  bytes: Uint8Array;
}

/**
 * Thrown by a ByteView over a file read in parts when a read falls inside the file but outside every piece read
 * so far: the caller reads that range and parses again (see readElfFile). Never reaches a user.
 */
export class MissingBytes extends Error {
  constructor(
    readonly offset: number,
    readonly size: number,
  ) {
    super(`bytes ${offset}+${size} not read yet`);
    this.name = 'MissingBytes';
  }
}

/**
 * A bounds-checked, endian-aware view over a file's bytes. Every read checks its range first, so a truncated
 * or hostile file becomes an ElfFormatError naming the file and the field, never a RangeError. The view covers
 * a file of `length` bytes of which only the pieces given are in memory; a read elsewhere inside the file is a
 * MissingBytes (for a file wholly in memory, never).
 */
export class ByteView {
  private readonly pieces: Array<Piece & { dv: DataView }>;
  readonly length: number;
  constructor(
    readonly file: string,
    pieces: Uint8Array | readonly Piece[],
    readonly littleEndian: boolean,
    length?: number,
  ) {
    const list = pieces instanceof Uint8Array ? [{ offset: 0, bytes: pieces }] : pieces;
    // By offset, so a read finds its piece by binary search (a file streamed in may be thousands of chunks).
    this.pieces = list
      .map((p) => ({ ...p, dv: new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength) }))
      .sort((a, b) => a.offset - b.offset);
    this.length =
      length ??
      (pieces instanceof Uint8Array ? pieces.length : Math.max(0, ...list.map((p) => p.offset + p.bytes.length)));
  }

  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || size < 0 || offset + size > this.length) {
      throw new ElfFormatError(
        this.file,
        `${what} at offset ${offset} (${size} bytes) lies outside the file (${this.length} bytes): truncated or malformed`,
      );
    }
    this.piece(offset, size);
  }
  /** The piece holding [offset, offset + size), which check() has found inside the file. */
  private piece(offset: number, size: number): Piece & { dv: DataView } {
    const ps = this.pieces;
    // The last piece that starts at or before offset; pieces may overlap (a joined one), so look further back too.
    let lo = 0;
    let hi = ps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ps[mid].offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    for (let i = lo; i >= 0; i--) {
      const p = ps[i];
      if (offset >= p.offset && offset + size <= p.offset + p.bytes.length) return p;
    }
    throw new MissingBytes(offset, size);
  }
  private at(o: number, n: number, what: string): [DataView, number] {
    this.check(o, n, what);
    const p = this.piece(o, n);
    return [p.dv, o - p.offset];
  }
  u8(o: number, what: string): number {
    const [dv, i] = this.at(o, 1, what);
    return dv.getUint8(i);
  }
  u16(o: number, what: string): number {
    const [dv, i] = this.at(o, 2, what);
    return dv.getUint16(i, this.littleEndian);
  }
  u32(o: number, what: string): number {
    const [dv, i] = this.at(o, 4, what);
    return dv.getUint32(i, this.littleEndian);
  }
  /** A 64-bit unsigned value that must fit a JS number (offsets and sizes in any real file do). */
  u64(o: number, what: string): number {
    const [dv, i] = this.at(o, 8, what);
    const v = dv.getBigUint64(i, this.littleEndian);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfFormatError(this.file, `${what} is too large (${v})`);
    return Number(v);
  }
  /** A 64-bit dynamic tag or value that may be any word; large values stay large (they fail later bounds checks). */
  u64Loose(o: number): number {
    const [dv, i] = this.at(o, 8, 'a dynamic entry');
    return Number(dv.getBigUint64(i, this.littleEndian));
  }
  u64Tag(o: number): number {
    return this.u64Loose(o);
  }
  /** A word of the file's class: 4 bytes for ELF32, 8 for ELF64. */
  word(o: number, is64: boolean, what: string): number {
    return is64 ? this.u64(o, what) : this.u32(o, what);
  }
  /** A NUL-terminated string starting at o and ending before `end`. */
  cstring(o: number, end: number, maxLength: number, what: string): string {
    this.check(o, 1, what);
    const limit = Math.min(end, this.length, o + maxLength);
    const p = this.piece(o, 1);
    const stop = Math.min(limit, p.offset + p.bytes.length);
    for (let i = o; i < stop; i++) {
      if (p.bytes[i - p.offset] === 0)
        return Buffer.from(p.bytes.buffer, p.bytes.byteOffset + o - p.offset, i - o).toString('latin1');
    }
    if (stop < limit) throw new MissingBytes(o, limit - o);
    throw new ElfFormatError(this.file, `${what} at offset ${o} is not NUL-terminated within its table`);
  }
}
