import { ElfFormatError } from './errors';

/**
 * A bounds-checked, endian-aware view over a file's bytes. Every read checks its range first, so a truncated
 * or hostile file becomes an ElfFormatError naming the file and the field, never a RangeError.
 */
export class ByteView {
  private readonly dv: DataView;
  constructor(
    readonly file: string,
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new ElfFormatError(this.file, `${what} at offset ${offset} (${size} bytes) lies outside the file (${this.bytes.length} bytes): truncated or malformed`);
    }
  }
  u8(o: number, what: string): number {
    this.check(o, 1, what);
    return this.dv.getUint8(o);
  }
  u16(o: number, what: string): number {
    this.check(o, 2, what);
    return this.dv.getUint16(o, this.littleEndian);
  }
  u32(o: number, what: string): number {
    this.check(o, 4, what);
    return this.dv.getUint32(o, this.littleEndian);
  }
  /** A 64-bit unsigned value that must fit a JS number (offsets and sizes in any real file do). */
  u64(o: number, what: string): number {
    this.check(o, 8, what);
    const v = this.dv.getBigUint64(o, this.littleEndian);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfFormatError(this.file, `${what} is too large (${v})`);
    return Number(v);
  }
  /** A 64-bit dynamic tag or value that may be any word; large values stay large (they fail later bounds checks). */
  u64Loose(o: number): number {
    this.check(o, 8, 'a dynamic entry');
    return Number(this.dv.getBigUint64(o, this.littleEndian));
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
    const limit = Math.min(end, this.bytes.length, o + maxLength);
    for (let i = o; i < limit; i++) {
      if (this.bytes[i] === 0) return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + o, i - o).toString('latin1');
    }
    throw new ElfFormatError(this.file, `${what} at offset ${o} is not NUL-terminated within its table`);
  }
}
