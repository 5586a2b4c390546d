import { MissingBytes, type Piece } from './bytes';
import { parseElfPieces } from './parse';
import type { ElfInfo } from './types';

/** What readElfFile needs of a file: positional reads (a FileHandle). */
export interface PositionalReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** The first read: the ELF header, the program headers and, in most files, the tables the check reads. */
const FIRST_READ = 64 * 1024;
/** Later reads are at least this long, so a walk through a table does not cost a read per entry. */
const MIN_READ = 16 * 1024;
/** Reads before giving up on parts and reading the whole file (a real file needs 1 to 4). */
const MAX_READS = 32;

/**
 * Parses an ELF file on disk reading only the parts the loader would: the header and program headers first,
 * then each table (PT_INTERP, PT_DYNAMIC, DT_STRTAB, the version tables) where the parse finds it. A 100 MiB
 * library costs a few reads of some KiB instead of 100 MiB. Same result and same errors as parseElf over the
 * whole file (a file that changes size while read is read whole and parsed as it is then).
 */
export async function readElfFile(fh: PositionalReader, size: number, file: string): Promise<ElfInfo> {
  const pieces: Piece[] = [];
  const read = async (offset: number, length: number): Promise<Piece> => {
    const bytes = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
    let got = 0;
    while (got < bytes.length) {
      const { bytesRead } = await fh.read(bytes, got, bytes.length - got, offset + got);
      if (!bytesRead) break;
      got += bytesRead;
    }
    return { offset, bytes: bytes.subarray(0, got) };
  };
  pieces.push(await read(0, FIRST_READ));
  for (let reads = 1; reads < MAX_READS; reads++) {
    try {
      return parseElfPieces(pieces, size, file);
    } catch (e) {
      if (!(e instanceof MissingBytes)) throw e;
      const piece = await read(e.offset, Math.max(e.size, MIN_READ));
      // Shorter than asked: the file shrank since its size was taken. Parse what is there now.
      if (piece.bytes.length < Math.min(e.size, size - e.offset)) break;
      pieces.push(piece);
    }
  }
  const whole = await read(0, size);
  return parseElfPieces([whole], whole.bytes.length, file);
}

/**
 * Parses an ELF file held as the chunks it arrived in (a stream: a layer tar, docker export), without copying it
 * into one buffer: a read that falls across two chunks joins just the chunks it needs. `chunks` are in file
 * order and cover the file from 0 (fewer bytes than `size` is a truncated file, as parseElf reports it).
 */
export function parseElfChunks(given: readonly Piece[], size: number, file: string): ElfInfo {
  const chunks = coalesce(given);
  const have = chunks.length ? chunks[chunks.length - 1].offset + chunks[chunks.length - 1].bytes.length : 0;
  const pieces: Piece[] = [...chunks];
  for (let joins = 0; joins < MAX_READS; joins++) {
    try {
      return parseElfPieces(pieces, Math.min(size, have), file);
    } catch (e) {
      if (!(e instanceof MissingBytes)) throw e;
      const end = e.offset + Math.max(e.size, 1);
      const across = chunks.filter((c) => c.offset < end && c.offset + c.bytes.length > e.offset);
      if (!across.length) break;
      pieces.push({ offset: across[0].offset, bytes: Buffer.concat(across.map((c) => c.bytes)) });
    }
  }
  return parseElfPieces([{ offset: 0, bytes: Buffer.concat(chunks.map((c) => c.bytes)) }], have, file);
}

/** Chunks at least this long are kept as they are; runs of smaller ones are joined up to it (few pieces to search). */
const CHUNK_FLOOR = 64 * 1024;

/** Joins runs of small consecutive chunks into pieces of about CHUNK_FLOOR bytes; big chunks are not copied. */
function coalesce(chunks: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  let run: Piece[] = [];
  let runBytes = 0;
  const flush = () => {
    if (run.length === 1) out.push(run[0]);
    else if (run.length) out.push({ offset: run[0].offset, bytes: Buffer.concat(run.map((c) => c.bytes)) });
    run = [];
    runBytes = 0;
  };
  for (const c of chunks) {
    if (c.bytes.length >= CHUNK_FLOOR) {
      flush();
      out.push(c);
      continue;
    }
    run.push(c);
    runBytes += c.bytes.length;
    if (runBytes >= CHUNK_FLOOR) flush();
  }
  flush();
  return out;
}
