import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { pack } from 'tar-stream';
import { deflateRawSync, gzipSync } from 'node:zlib';

/**
 * Archives made at test time from real files, with real writers: tar-stream for tar, gzip (zlib), xz and zstd
 * (Debian's xz-utils and zstd, installed by the test bed), fflate for zip. Hostile zips are written byte by byte
 * (helpers below), since no writer makes them on purpose.
 */
export interface TarEntry {
  name: string;
  /** A host file whose bytes the entry carries. */
  file?: string;
  data?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
  mode?: number;
}

export async function tarOf(entries: readonly TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c) => void chunks.push(c as Buffer));
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? (e.file ? readFileSync(e.file) : Buffer.from(e.data ?? '')) : Buffer.alloc(0);
    p.entry({ name: e.name, type, linkname: e.linkname, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644) }, data);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function compress(bytes: Buffer, how: 'gzip' | 'xz' | 'zstd'): Buffer {
  if (how === 'gzip') return gzipSync(bytes);
  if (how === 'xz') return execFileSync('xz', ['-c', '-6'], { input: bytes, maxBuffer: 1 << 30 });
  return execFileSync('zstd', ['-c', '-q', '-3'], { input: bytes, maxBuffer: 1 << 30 });
}

export function zipOf(entries: readonly TarEntry[]): Buffer {
  const files: Record<string, Uint8Array> = {};
  for (const e of entries) files[e.name] = e.file ? readFileSync(e.file) : Buffer.from(e.data ?? '');
  return Buffer.from(zipSync(files, { level: 6 }));
}

/** One zip member as written by hand: its real deflated bytes, and sizes it may lie about. */
export interface RawZipMember {
  name: string;
  deflated: Buffer;
  /** The size it declares (the truth, or a lie). */
  declaredSize: number;
}

/**
 * A zip written byte by byte: local headers, data, central directory, end record. `overlap` makes every central
 * directory entry point at the first member's data (the overlapping-files bomb: one kernel, many entries).
 */
export function rawZip(members: readonly RawZipMember[], opts: { overlap?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  const written = opts.overlap ? members.slice(0, 1) : members;
  for (const m of written) {
    const name = Buffer.from(m.name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0, 6);
    h.writeUInt16LE(8, 8); // deflate
    h.writeUInt32LE(0, 14); // crc (yauzl does not check it)
    h.writeUInt32LE(m.deflated.length, 18);
    h.writeUInt32LE(m.declaredSize, 22);
    h.writeUInt16LE(name.length, 26);
    offsets.push(at);
    parts.push(h, name, m.deflated);
    at += h.length + name.length + m.deflated.length;
  }
  const cdStart = at;
  for (const [i, m] of members.entries()) {
    const name = Buffer.from(m.name);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(0x031e, 4); // made by unix
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(0, 16);
    c.writeUInt32LE((opts.overlap ? members[0] : m).deflated.length, 20);
    c.writeUInt32LE(m.declaredSize, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    c.writeUInt32LE(opts.overlap ? offsets[0] : offsets[i], 42);
    parts.push(c, name);
    at += c.length + name.length;
  }
  const cdSize = at - cdStart;
  const many = members.length > 0xffff;
  if (many) {
    // More entries than the end record's 16 bits hold: the zip64 end record and its locator carry the count.
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE(45, 12);
    z.writeUInt16LE(45, 14);
    z.writeBigUInt64LE(BigInt(members.length), 24);
    z.writeBigUInt64LE(BigInt(members.length), 32);
    z.writeBigUInt64LE(BigInt(cdSize), 40);
    z.writeBigUInt64LE(BigInt(cdStart), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(at), 8);
    loc.writeUInt32LE(1, 16);
    parts.push(z, loc);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(many ? 0xffff : members.length, 8);
  end.writeUInt16LE(many ? 0xffff : members.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdStart, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

/** `n` bytes of zeros, deflated (raw): a bomb's kernel. */
export const deflatedZeros = (n: number) => deflateRawSync(Buffer.alloc(n), { level: 9 });

/** Peak resident memory while `work` runs, sampled every 5 ms, over what it was before. */
export async function peakRssGrowth<T>(
  work: () => Promise<T>,
): Promise<{ result?: T; error?: unknown; growth: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const result = await work();
    return { result, growth: Math.max(peak, process.memoryUsage().rss) - before };
  } catch (error) {
    return { error, growth: Math.max(peak, process.memoryUsage().rss) - before };
  } finally {
    clearInterval(timer);
  }
}

/** A ustar header for a regular file of `size` bytes (the body is the caller's): for bombs no writer would make. */
export function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}
