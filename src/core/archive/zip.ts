import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ReleaseOperatorError, checkError, throwIfAborted } from '../errors';
import { limitError } from '../limits';
import { counted, drained, type Meter } from './meter';
import { memberPath, type ArchiveMember, type MemberVisitor } from './member';

/** Compression methods a zip member may use and be read: stored and deflate (wheels and release zips use these). */
const READABLE_METHODS = new Set([0, 8]);
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * A zip (a wheel is one) read through its central directory with yauzl, one member at a time: the entry count is
 * held to the limit before anything is read, each member's declared size and ratio before it is opened, and its
 * bytes as they inflate (yauzl stops a member that inflates past what it declared: the classic bomb that lies).
 */
export async function walkZip(
  file: string,
  name: string,
  meter: Meter,
  visit: MemberVisitor,
  signal?: AbortSignal,
): Promise<Array<{ path: string; reason: string }>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (e) {
    throw broken(name, e);
  }
  const unread: Array<{ path: string; reason: string }> = [];
  try {
    if (zip.entryCount > meter.limits.archiveEntries)
      throw limitError(
        'archiveEntries',
        meter.limits.archiveEntries,
        `${name} holds more entries (its directory lists ${zip.entryCount})`,
      );
    for (;;) {
      throwIfAborted(signal);
      const entry = await nextEntry(zip);
      if (!entry) break;
      meter.entry();
      const unixMode = entry.externalFileAttributes >>> 16;
      const isDir = entry.fileName.endsWith('/');
      const isLink = (unixMode & S_IFMT) === S_IFLNK;
      const member: ArchiveMember = {
        path: memberPath(entry.fileName),
        type: isDir ? 'dir' : isLink ? 'symlink' : 'file',
        size: entry.uncompressedSize,
        mode: unixMode & 0o7777,
      };
      if (member.type !== 'file') {
        await visit(member, undefined);
        continue;
      }
      const what = `${name}!${member.path}`;
      if (entry.isEncrypted()) {
        unread.push({ path: member.path, reason: 'encrypted' });
        continue;
      }
      if (!READABLE_METHODS.has(entry.compressionMethod)) {
        unread.push({ path: member.path, reason: `compression method ${entry.compressionMethod} is not read` });
        continue;
      }
      meter.declared(entry.uncompressedSize, entry.compressedSize, what);
      meter.input(entry.compressedSize);
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (e) {
        throw broken(what, e);
      }
      const start = meter.out;
      const body = drained(perMember(counted(stream, meter, 'out'), meter, start, entry.compressedSize, what));
      try {
        await visit(member, body);
        await body.drain();
      } catch (e) {
        throw broken(what, e);
      } finally {
        stream.destroy();
      }
    }
  } finally {
    zip.close();
  }
  return unread;
}

/** A member's own expansion, judged against its own compressed size (the whole archive's is judged by the meter). */
async function* perMember(
  source: AsyncIterable<Buffer>,
  meter: Meter,
  start: number,
  compressed: number,
  what: string,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    meter.ratio(meter.out - start, compressed, what);
    yield chunk;
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry) => (cleanup(), resolve(e));
    const onEnd = () => (cleanup(), resolve(undefined));
    const onError = (e: Error) => (cleanup(), reject(e));
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** yauzl's own words for a broken zip (or a member that inflates past what it declared), naming the archive. */
function broken(what: string, e: unknown): unknown {
  if (e instanceof ReleaseOperatorError || (e as Error)?.name === 'CancelledError') return e;
  const text = e instanceof Error ? e.message : String(e);
  return checkError(
    /too many bytes/.test(text)
      ? `${what}: inflates past the size it declares (${text}): a zip bomb or a corrupted archive`
      : `${what}: not a readable zip (${text})`,
    'The archive is truncated, corrupted or hostile; download or build it again.',
  );
}
