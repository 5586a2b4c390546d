import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { ReleaseOperatorError, checkError, throwIfAborted, usageError } from '../errors';
import {
  READABLE_ARCHIVES,
  SNIFF_BYTES,
  compressedKind,
  isTarHeader,
  singleMemberName,
  sniffContainer,
  type ArchiveKind,
  type Compression,
} from './kind';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './limits';
import { Meter, counted, drained, peek } from './meter';
import { xzDecompress } from './xz';
import { memberPath, type ArchiveMember, type ArchiveSummary, type MemberVisitor } from './member';
import { walkZip } from './zip';
import { zstdDecompress } from './zstd';

export interface WalkOptions {
  /** The archive's name in reports (default: the file's base name). */
  name?: string;
  limits?: ArchiveLimits;
  signal?: AbortSignal;
  visit: MemberVisitor;
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Streams every member of an archive file to `visit`: tar (plain, gzip, xz, zstd), zip (wheels too), or one
 * gzip/xz/zstd-compressed file (a member named after the archive). Kinds come from the bytes, never the name.
 * Entries, expanded bytes and the expansion ratio are held to the limits as they stream (an environment fault
 * naming the limit); a broken archive is a check error naming it; a file that is no archive is a usage error.
 */
export async function walkArchive(file: string, opts: WalkOptions): Promise<ArchiveSummary> {
  const name = opts.name ?? path.basename(file);
  const limits = opts.limits ?? DEFAULT_ARCHIVE_LIMITS;
  const container = sniffContainer(await readHead(file));
  const meter = new Meter(name, limits, opts.signal);
  const summary = (kind: ArchiveKind, unread: ArchiveSummary['unread'] = []): ArchiveSummary => ({
    name,
    kind,
    entries: meter.entries,
    bytes: meter.out,
    unread,
  });
  switch (container.type) {
    case 'zip': {
      const unread = await walkZip(file, name, meter, opts.visit, opts.signal);
      return summary('zip', unread);
    }
    case 'tar': {
      const raw = createReadStream(file);
      try {
        await walkTar(Readable.from(counted(raw, meter, 'both')), name, meter, opts.visit, opts.signal);
      } finally {
        raw.destroy();
      }
      return summary('tar');
    }
    case 'compressed': {
      const raw = createReadStream(file);
      try {
        const out = decompress(counted(raw, meter, 'in'), container.compression, name);
        const peeked = await peek(counted(out, meter, 'out'), SNIFF_BYTES);
        const { head, rest } = peeked;
        const close = () => peeked.close();
        if (isTarHeader(head)) {
          await walkTar(Readable.from(rest), name, meter, opts.visit, opts.signal);
          return summary(compressedKind(container.compression, true));
        }
        if (head.length >= 4 && sniffContainer(head).type === 'elf') {
          // One compressed file (tool-linux-amd64.gz): a member of its own, named after the archive.
          meter.entry();
          const member: ArchiveMember = { path: singleMemberName(name), type: 'file', mode: 0o755 };
          const body = drained(rest);
          try {
            await opts.visit(member, body);
            await body.drain();
          } finally {
            await close();
          }
          return summary(compressedKind(container.compression, false));
        }
        await close();
        throw usageError(
          `${name} is ${container.compression}-compressed, but holds neither a tar archive nor an ELF file.`,
          `Give an ELF file, a folder, or an archive: ${READABLE_ARCHIVES}.`,
        );
      } catch (e) {
        throw asArchiveError(e, name);
      } finally {
        raw.destroy();
      }
    }
    case 'unsupported':
      throw usageError(
        `${name} is a ${container.name} archive, which is not read.`,
        `Give an archive the reader takes: ${READABLE_ARCHIVES}.`,
      );
    default:
      throw usageError(`${name} is not an archive.`, `Give ${READABLE_ARCHIVES}.`);
  }
}

function decompress(source: AsyncIterable<Buffer>, c: Compression, name: string): AsyncIterable<Uint8Array> {
  if (c === 'gzip') {
    // pipeline, not pipe: when the decoder fails, the file's stream is torn down with a read still pending, and
    // that error had no listener under pipe (an uncaught 'Premature close' that would end the CLI). pipeline
    // handles every side's error; the reader sees the decoder's.
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    pipeline(Readable.from(source), gunzip, () => undefined);
    return gunzip;
  }
  if (c === 'xz') return xzDecompress(source, name);
  return zstdDecompress(source, name);
}

/** Our own errors (limits, cancel) as they are; anything else from a decoder or tar parser names the archive. */
function asArchiveError(e: unknown, name: string): unknown {
  if (e instanceof ReleaseOperatorError || (e as Error)?.name === 'CancelledError') return e;
  return checkError(
    `${name}: not a readable archive (${e instanceof Error ? e.message : String(e)})`,
    'The archive is truncated or corrupted; download or build it again.',
  );
}

const TAR_TYPES: Record<string, ArchiveMember['type']> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'link',
};

async function walkTar(
  stream: Readable,
  name: string,
  meter: Meter,
  visit: MemberVisitor,
  signal?: AbortSignal,
): Promise<void> {
  const ex = tarExtract();
  stream.on('error', (e) => ex.destroy(e));
  stream.pipe(ex);
  try {
    for await (const entry of ex) {
      throwIfAborted(signal);
      meter.entry();
      const h = entry.header;
      const member: ArchiveMember = {
        path: memberPath(h.name),
        type: TAR_TYPES[h.type ?? ''] ?? 'other',
        size: h.size ?? 0,
        mode: h.mode ?? 0,
      };
      if (member.type !== 'file') {
        entry.resume();
        await visit(member, undefined);
        continue;
      }
      const body = drained(entry as unknown as AsyncIterable<Buffer>);
      await visit(member, body);
      await body.drain();
    }
  } catch (e) {
    throw asArchiveError(e, name);
  } finally {
    stream.destroy();
  }
}
