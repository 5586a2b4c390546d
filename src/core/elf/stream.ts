import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Piece } from './bytes';
import { ElfFormatError } from './errors';
import { parseElfChunks, readElfFile } from './file';
import { isElf } from './parse';
import type { ElfInfo } from './types';

/** What a streamed file turned out to be. */
export type StreamedFile =
  | { kind: 'elf'; elf: ElfInfo; size: number }
  | { kind: 'elf-error'; error: ElfFormatError; size: number }
  | { kind: 'other' };

/** A folder for files too large to keep in memory, made on first use and removed by the caller. */
export interface SpillArea {
  dir(): Promise<string>;
  remove(): Promise<void>;
}

export function spillArea(prefix = 'release-operator-elf-'): SpillArea {
  let made: Promise<string> | undefined;
  return {
    dir: () => (made ??= mkdtemp(path.join(tmpdir(), prefix))),
    remove: async () => {
      if (made) await rm(await made, { recursive: true, force: true });
    },
  };
}

export interface StreamElfOptions {
  /** The file's name in messages (an archive member: dist.tar.gz!bin/tool). */
  file: string;
  /** The size the container declares, when it does. */
  size?: number;
  /** An ELF file larger than this is reported, not read (its bytes still pass). */
  maxBytes: number;
  /** Bytes kept in memory; past them the file goes to the spill area and is read from there in parts. */
  memoryBytes?: number;
  spill: SpillArea;
}

/** Memory one streamed ELF file may take before it is written out: most programs and libraries stay under it. */
const STREAM_MEMORY_BYTES = 32 * 1024 * 1024;

let spilled = 0;

/**
 * Reads a file as it streams (an archive member) and parses it when it is an ELF file. Small files are parsed from
 * the chunks they came in (parseElfChunks); a large one is written to a temporary file as it streams and parsed from
 * there reading only the parts the loader reads (readElfFile), so memory stays bounded whatever its size. The
 * stream is read to its end only for ELF files; the caller drains the rest of anything else.
 */
export async function readElfStream(body: AsyncIterable<Buffer>, opts: StreamElfOptions): Promise<StreamedFile> {
  const memoryBytes = opts.memoryBytes ?? STREAM_MEMORY_BYTES;
  const it = body[Symbol.asyncIterator]();
  const pieces: Piece[] = [];
  let got = 0;
  while (got < 4) {
    const r = await it.next();
    if (r.done) break;
    pieces.push({ offset: got, bytes: r.value });
    got += r.value.length;
  }
  const head = Buffer.concat(pieces.map((p) => p.bytes)).subarray(0, 4);
  if (!isElf(head)) return { kind: 'other' };
  if (opts.size !== undefined && opts.size > opts.maxBytes)
    return { kind: 'elf-error', error: tooLarge(opts), size: opts.size };

  let fh: FileHandle | undefined;
  let spillPath: string | undefined;
  try {
    for (;;) {
      if (!fh && got > memoryBytes) {
        spillPath = path.join(await opts.spill.dir(), `member-${process.pid}-${++spilled}`);
        fh = await open(spillPath, 'wx+', 0o600);
        for (const p of pieces) await fh.write(p.bytes);
        pieces.length = 0;
      }
      const r = await it.next();
      if (r.done) break;
      got += r.value.length;
      if (got > opts.maxBytes) return { kind: 'elf-error', error: tooLarge(opts), size: got };
      if (fh) await fh.write(r.value);
      else pieces.push({ offset: got - r.value.length, bytes: r.value });
    }
    try {
      // Only the bytes that came: a member shorter than declared is a truncated file.
      const size = Math.min(opts.size ?? got, got);
      const elf = fh ? await readElfFile(fh, size, opts.file) : parseElfChunks(pieces, opts.size ?? got, opts.file);
      return { kind: 'elf', elf, size: got };
    } catch (e) {
      if (e instanceof ElfFormatError) return { kind: 'elf-error', error: e, size: got };
      throw e;
    }
  } finally {
    await fh?.close();
    if (spillPath) await rm(spillPath, { force: true });
  }
}

const tooLarge = (opts: StreamElfOptions) =>
  new ElfFormatError(opts.file, `is larger than ${opts.maxBytes} bytes; not read`);
