import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { CancelledError, ReleaseOperatorError, checkError, throwIfAborted } from '../errors';
import { DEFAULT_LIMITS, limitError } from '../limits';
import { ElfFormatError, isElf, parseElfChunks, type Piece } from '../elf';
import { type ImageFs, normalizePath, type FsEntry } from './fs';

/** ELF files larger than this are reported, not read (no real program needs it; it keeps memory bounded). */
export const MAX_ELF_BYTES = 1024 * 1024 * 1024;
export const MAX_TEXT_BYTES = 64 * 1024;
/** A script's first line is read from this many bytes. */
const SHEBANG_BYTES = 256;
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
      yield n.value;
    }
  };
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) yield* Readable.from(rest()).pipe(createGunzip());
  else yield* rest();
}

/**
 * What one layer does to the filesystem below it, in its tar order: the layer read once, kept as data (no file
 * content, only what the checks read), so layers can be read in any order (concurrently from a registry, or as
 * `docker save` streams them) and applied in the image's order afterwards. The same ops may be applied more
 * than once (an image can list the same layer twice).
 */
export type LayerOp =
  /** `.wh..wh..opq`: the folder's contents from lower layers are hidden. */
  | { op: 'opaque'; dir: string }
  /** `.wh.NAME`: NAME (and what is under it) from lower layers is hidden. */
  | { op: 'whiteout'; path: string }
  | { op: 'dir'; path: string; mode: number }
  /** A hard link: a copy of what `target` is when the link is applied (in this layer or below). */
  | { op: 'link'; path: string; target: string }
  /** A file, symlink or other node, replacing what lower layers had there. */
  | { op: 'set'; path: string; entry: Omit<FsEntry, 'layer'> };

/**
 * The op of a whiteout entry (`.wh.NAME` hides NAME, `.wh..wh..opq` a folder's lower contents); undefined for others.
 */
export function whiteoutOp(p: string): LayerOp | undefined {
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (base === OPAQUE) return { op: 'opaque', dir: p.slice(0, p.length - OPAQUE.length - 1) || '/' };
  if (base.startsWith(WHITEOUT))
    return { op: 'whiteout', path: p.slice(0, p.length - base.length) + base.slice(WHITEOUT.length) };
  return undefined;
}

/**
 * What a regular file is, from its first bytes (at least 4, or all of a shorter file): an ELF file (parsed), a
 * script (its #! line is kept), a loader config (its text is kept) or anything else (nothing kept).
 */
export function fileKind(head: Uint8Array, p: string, size: number): 'elf' | 'script' | 'text' | 'skip' {
  if (isElf(head)) return 'elf';
  if (head[0] === 0x23 && head[1] === 0x21) return 'script';
  return wantsText(p) && size <= MAX_TEXT_BYTES ? 'text' : 'skip';
}

/** The first line of a script, from its first bytes. */
export const shebangOf = (b: Buffer) => b.subarray(0, SHEBANG_BYTES).toString('utf8').split('\n')[0];

/**
 * How many more entries the layers of one image may hold (limits.files), shared by its layers as they are read: a
 * layer of ten million empty entries stops at the limit instead of filling memory.
 */
export interface EntryBudget {
  left: number;
  readonly limit: number;
  readonly source: string;
}

export const entryBudget = (source: string, limit = DEFAULT_LIMITS.files): EntryBudget => ({
  left: limit,
  limit,
  source,
});

/** Counts one entry against the budget; a limit error once it is spent. */
export function spendEntry(budget: EntryBudget | undefined): void {
  if (budget && --budget.left < 0) throw limitError('files', budget.limit, `${budget.source} holds more files`);
}

/**
 * Reads one layer (an uncompressed tar stream) into its ops with the OCI whiteout rules: `.wh.NAME` hides NAME
 * of lower layers, `.wh..wh..opq` hides a folder's lower contents. ELF files are parsed as they stream by, so
 * no file content is kept. Entry names are only ever keys in the image's own namespace (normalized, `..`
 * clamped at its root), never host paths.
 */
export async function readLayer(
  tar: Readable,
  what: string,
  signal?: AbortSignal,
  budget?: EntryBudget,
): Promise<LayerOp[]> {
  const ops: LayerOp[] = [];
  const ex = tarExtract();
  tar.on('error', (e) => ex.destroy(e));
  // Cancel (or another layer's failure) stops a layer mid-stream, even one whose source has gone quiet.
  const onAbort = () => {
    ex.destroy(new CancelledError());
    tar.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  tar.pipe(ex);
  try {
    for await (const entry of ex) {
      throwIfAborted(signal);
      spendEntry(budget);
      const h = entry.header;
      const p = normalizePath(h.name);
      const mode = h.mode ?? 0;
      const hide = whiteoutOp(p);
      if (hide) {
        ops.push(hide);
        entry.resume();
      } else if (h.type === 'directory') {
        ops.push({ op: 'dir', path: p, mode });
        entry.resume();
      } else if (h.type === 'symlink') {
        ops.push({ op: 'set', path: p, entry: { type: 'symlink', mode, size: 0, target: h.linkname ?? '' } });
        entry.resume();
      } else if (h.type === 'link') {
        ops.push({ op: 'link', path: p, target: normalizePath(h.linkname ?? '') });
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        ops.push({
          op: 'set',
          path: p,
          entry: await readFile(entry as unknown as AsyncIterable<Buffer>, p, h.size ?? 0, mode),
        });
      } else {
        ops.push({ op: 'set', path: p, entry: { type: 'other', mode, size: 0 } });
        entry.resume();
      }
    }
  } catch (e) {
    if (e instanceof ReleaseOperatorError || (e as Error)?.name === 'CancelledError') throw e;
    throw checkError(
      `${what}: not a readable layer (${e instanceof Error ? e.message : String(e)})`,
      'The layer is truncated or not a tar archive; push or build the image again.',
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return ops;
}

/** Applies a layer's ops on top of the filesystem as layer number `layer` (0 is the bottom layer). */
export function applyLayerOps(fs: ImageFs, ops: readonly LayerOp[], layer: number): void {
  for (const o of ops) {
    switch (o.op) {
      case 'opaque':
        fs.removeBelow(o.dir, layer, true);
        break;
      case 'whiteout':
        fs.removeBelow(o.path, layer);
        break;
      case 'dir': {
        const prev = fs.entries.get(o.path);
        if (prev && prev.type !== 'dir') fs.remove(o.path);
        fs.set(o.path, { type: 'dir', mode: o.mode, size: 0, layer });
        break;
      }
      case 'link': {
        const target = fs.entries.get(o.target);
        fs.removeBelow(o.path, layer);
        if (target) fs.set(o.path, { ...target, layer });
        break;
      }
      case 'set':
        fs.removeBelow(o.path, layer);
        fs.set(o.path, { ...o.entry, layer });
        break;
    }
  }
}

/** Reads one layer and applies it on top of the filesystem (readLayer + applyLayerOps). */
export async function applyLayer(
  fs: ImageFs,
  tar: Readable,
  layer: number,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  applyLayerOps(fs, await readLayer(tar, what, signal), layer);
}

/**
 * Reads a regular file's content just far enough to know what it is; an ELF file is kept as the chunks it came
 * in (no copy into one buffer) and parsed from them.
 */
async function readFile(
  stream: AsyncIterable<Buffer>,
  p: string,
  size: number,
  mode: number,
): Promise<Omit<FsEntry, 'layer'>> {
  const entry: Omit<FsEntry, 'layer'> = { type: 'file', mode, size };
  let chunks: Buffer[] = [];
  /** An ELF file's chunks at their offsets. */
  let elf: Piece[] | undefined;
  let got = 0;
  let kind: 'unknown' | 'elf' | 'script' | 'text' | 'skip' = 'unknown';
  for await (const chunk of stream) {
    if (kind === 'skip') continue;
    if (elf) {
      elf.push({ offset: got, bytes: chunk });
      got += chunk.length;
      continue;
    }
    chunks.push(chunk);
    got += chunk.length;
    if (kind === 'unknown' && (got >= 4 || got >= size)) {
      const head = Buffer.concat(chunks);
      kind = fileKind(head, p, size);
      if (kind === 'elf' && size > MAX_ELF_BYTES) {
        entry.elfError = new ElfFormatError(p, `is larger than ${MAX_ELF_BYTES} bytes; not read`);
        kind = 'skip';
      } else if (kind === 'elf') {
        elf = [{ offset: 0, bytes: head }];
        chunks = [];
      }
    }
    if (kind === 'script' && got >= SHEBANG_BYTES) {
      entry.shebang = shebangOf(Buffer.concat(chunks));
      kind = 'skip';
    }
    if (kind === 'skip') chunks = [];
  }
  if (kind === 'elf') {
    try {
      // Only the bytes that came: a short entry is a truncated file.
      entry.elf = parseElfChunks(elf!, size, p);
    } catch (e) {
      entry.elfError = e as ElfFormatError;
    }
    return entry;
  }
  const data = Buffer.concat(chunks);
  if (kind === 'script') entry.shebang = shebangOf(data);
  else if (kind === 'text') entry.text = data.toString('utf8');
  return entry;
}
