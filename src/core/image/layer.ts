import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { ReleaseOperatorError, checkError, throwIfAborted } from '../errors';
import { ElfFormatError, isElf, parseElf } from '../elf';
import { ImageFs, normalizePath, type FsEntry } from './fs';

/** ELF files larger than this are reported, not read (no real program needs it; it keeps memory bounded). */
export const MAX_ELF_BYTES = 1024 * 1024 * 1024;
const MAX_TEXT_BYTES = 64 * 1024;
const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Config files the library search reads. */
const wantsText = (p: string) => p === '/etc/ld.so.conf' || p.startsWith('/etc/ld.so.conf.d/');

export type Compression = 'gzip' | 'none' | 'auto';

/** A layer's tar bytes, decompressed: gzip by media type or, with 'auto', by its magic bytes. */
export function decompress(source: Readable, compression: Compression): Readable {
  if (compression === 'none') return source;
  if (compression === 'gzip') return source.pipe(createGunzip());
  return Readable.from(sniffGzip(source));
}

async function* sniffGzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head: Buffer = first.value;
  const rest = async function* () {
    yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value as Buffer;
    }
  };
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) yield* Readable.from(rest()).pipe(createGunzip());
  else yield* rest();
}

/**
 * Applies one layer (an uncompressed tar stream) on top of the filesystem, with the OCI whiteout rules:
 * `.wh.NAME` hides NAME of lower layers, `.wh..wh..opq` hides a folder's lower contents. ELF files are parsed
 * as they stream by, so no file content is kept.
 */
export async function applyLayer(fs: ImageFs, tar: Readable, layer: number, what: string, signal?: AbortSignal): Promise<void> {
  const ex = tarExtract();
  tar.on('error', (e) => ex.destroy(e));
  tar.pipe(ex);
  try {
    for await (const entry of ex) {
      throwIfAborted(signal);
      const h = entry.header;
      const p = normalizePath(h.name);
      const base = p.slice(p.lastIndexOf('/') + 1);
      if (base === OPAQUE) {
        fs.removeBelow(p.slice(0, p.length - OPAQUE.length - 1) || '/', layer, true);
        entry.resume();
        continue;
      }
      if (base.startsWith(WHITEOUT)) {
        fs.removeBelow(p.slice(0, p.length - base.length) + base.slice(WHITEOUT.length), layer);
        entry.resume();
        continue;
      }
      const mode = h.mode ?? 0;
      if (h.type === 'directory') {
        const prev = fs.entries.get(p);
        if (prev && prev.type !== 'dir') fs.entries.delete(p);
        fs.entries.set(p, { type: 'dir', mode, size: 0, layer });
        entry.resume();
      } else if (h.type === 'symlink') {
        fs.removeBelow(p, layer);
        fs.entries.set(p, { type: 'symlink', mode, size: 0, target: h.linkname ?? '', layer });
        entry.resume();
      } else if (h.type === 'link') {
        const target = fs.entries.get(normalizePath(h.linkname ?? ''));
        fs.removeBelow(p, layer);
        if (target) fs.entries.set(p, { ...target, layer });
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        fs.removeBelow(p, layer);
        fs.entries.set(p, await readFile(entry as unknown as AsyncIterable<Buffer>, p, h.size ?? 0, mode, layer));
      } else {
        fs.removeBelow(p, layer);
        fs.entries.set(p, { type: 'other', mode, size: 0, layer });
        entry.resume();
      }
    }
  } catch (e) {
    if (e instanceof ReleaseOperatorError || (e as Error)?.name === 'CancelledError') throw e;
    throw checkError(`${what}: not a readable layer (${e instanceof Error ? e.message : String(e)})`, 'The layer is truncated or not a tar archive; push or build the image again.');
  }
}

/** Reads a regular file's content just far enough to know what it is; parses ELF files whole. */
async function readFile(stream: AsyncIterable<Buffer>, p: string, size: number, mode: number, layer: number): Promise<FsEntry> {
  const entry: FsEntry = { type: 'file', mode, size, layer };
  let chunks: Buffer[] = [];
  let got = 0;
  let kind: 'unknown' | 'elf' | 'script' | 'text' | 'skip' = 'unknown';
  const shebang = (b: Buffer) => b.subarray(0, 256).toString('utf8').split('\n')[0];
  for await (const chunk of stream) {
    if (kind === 'skip') continue;
    chunks.push(chunk);
    got += chunk.length;
    if (kind === 'unknown' && (got >= 4 || got >= size)) {
      const head = Buffer.concat(chunks);
      if (isElf(head)) kind = 'elf';
      else if (head[0] === 0x23 && head[1] === 0x21) kind = 'script';
      else kind = wantsText(p) && size <= MAX_TEXT_BYTES ? 'text' : 'skip';
      if (kind === 'elf' && size > MAX_ELF_BYTES) {
        entry.elfError = new ElfFormatError(p, `is larger than ${MAX_ELF_BYTES} bytes; not read`);
        kind = 'skip';
      }
    }
    if (kind === 'script' && got >= 256) {
      entry.shebang = shebang(Buffer.concat(chunks));
      kind = 'skip';
    }
    if (kind === 'skip') chunks = [];
  }
  const data = Buffer.concat(chunks);
  if (kind === 'elf') {
    try {
      entry.elf = parseElf(data, p);
    } catch (e) {
      entry.elfError = e as ElfFormatError;
    }
  } else if (kind === 'script') entry.shebang = shebang(data);
  else if (kind === 'text') entry.text = data.toString('utf8');
  return entry;
}
