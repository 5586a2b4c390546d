import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CancelledError, ReleaseOperatorError } from '../errors';
import { slicer, syncReader } from '../slices';
import { ElfFormatError, readElfFile } from '../elf';
import { ImageFs, normalizePath, type FsEntry } from './fs';
import {
  MAX_ELF_BYTES,
  MAX_TEXT_BYTES,
  applyLayerOps,
  entryBudget,
  fileKind,
  shebangOf,
  spendEntry,
  whiteoutOp,
  type EntryBudget,
  type LayerOp,
} from './layer';

/**
 * Reading a local image straight from the Docker engine's own storage (overlay2), when this process may: the
 * engine runs on this machine and its data root is readable (root, as CI runners in containers and the test
 * bed are). Each layer is a folder of plain files (`overlay2/<cache-id>/diff`), so an ELF file is read only
 * where the loader looks (readElfFile), not streamed whole through `docker export`. Nothing is started or
 * created. Which folder holds which layer comes from the engine's layer database, checked against the image:
 * layer i's chain id (OCI: sha256 of "<chain id below> <diff id>") names a folder that holds the layer's diff id
 * and its cache id, and the top one must be the folder `docker image inspect` names. The whiteouts of a layer
 * (`.wh.NAME`, `.wh..wh..opq`) are read from the tar-split record the engine keeps of each layer's tar, since
 * overlay2 stores an opaque folder only as an extended attribute, which Node cannot read.
 *
 * Anything unexpected (another storage driver, no access, a missing or disagreeing record, the image removed
 * meanwhile) is `{ unusable }` with the reason, and the caller reads the image through docker export instead.
 */

/** What reading through the storage needs of `docker image inspect`. */
export interface StorageInspect {
  RootFS?: { Layers?: unknown[] };
  GraphDriver?: { Name?: string; Data?: Record<string, string> | null } | null;
}

interface StoredLayer {
  diffId: string;
  /** The layer's files: `<data root>/overlay2/<cache id>/diff`. */
  dir: string;
  /** `<data root>/image/overlay2/layerdb/sha256/<chain id>/tar-split.json.gz`. */
  tarSplit: string;
}

/** The image's layers in the engine's storage, bottom first, or why they cannot be used. */
export async function storedLayers(info: StorageInspect): Promise<StoredLayer[] | { unusable: string }> {
  const driver = info.GraphDriver?.Name;
  if (driver !== 'overlay2')
    return { unusable: `the engine's storage driver is ${driver || 'not said'}, not overlay2` };
  const upper = info.GraphDriver?.Data?.UpperDir ?? '';
  const m = /^(\/.*)\/overlay2\/[^/]+\/diff$/.exec(upper);
  if (!m) return { unusable: `the image's top layer folder (${upper || 'none'}) is not an overlay2 folder` };
  const root = m[1];
  const diffIds = Array.isArray(info.RootFS?.Layers)
    ? info.RootFS.Layers.filter((l): l is string => typeof l === 'string')
    : [];
  if (!diffIds.length) return { unusable: 'the image lists no layers' };
  const layers: StoredLayer[] = [];
  let chain = '';
  for (const diffId of diffIds) {
    chain = chain ? `sha256:${createHash('sha256').update(`${chain} ${diffId}`).digest('hex')}` : diffId;
    const db = path.join(root, 'image/overlay2/layerdb', chain.replace(':', '/'));
    let cacheId: string;
    let recorded: string;
    try {
      [cacheId, recorded] = await Promise.all([
        readFile(path.join(db, 'cache-id'), 'utf8'),
        readFile(path.join(db, 'diff'), 'utf8'),
      ]);
    } catch (e) {
      return {
        unusable: `the engine's layer record ${db} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      };
    }
    if (recorded.trim() !== diffId)
      return { unusable: `the engine's layer record ${db} is of ${recorded.trim()}, not ${diffId}` };
    if (!/^[A-Za-z0-9_-]+$/.test(cacheId.trim()))
      return { unusable: `the engine's layer record ${db} has an unexpected cache id` };
    layers.push({
      diffId,
      dir: path.join(root, 'overlay2', cacheId.trim(), 'diff'),
      tarSplit: path.join(db, 'tar-split.json.gz'),
    });
  }
  if (layers.at(-1)!.dir !== upper)
    return { unusable: `the engine's layer records lead to ${layers.at(-1)!.dir}, not the image's ${upper}` };
  return layers;
}

/** Reads the image's layers from the engine's storage and merges them; `{ unusable }` when it cannot. */
export async function readStoredImage(
  info: StorageInspect,
  signal?: AbortSignal,
  maxFiles?: number,
): Promise<ImageFs | { unusable: string }> {
  const layers = await storedLayers(info);
  if (!Array.isArray(layers)) return layers;
  const all: LayerOp[][] = [];
  const budget = entryBudget("the image's layer folders", maxFiles);
  try {
    const slice = slicer(signal);
    for (const layer of layers) all.push(await readStoredLayer(layer, slice, budget));
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    // A limit reached is the image's size, not the storage's: reading it another way would reach it too.
    if (e instanceof ReleaseOperatorError && e.kind === 'environment') throw e;
    // The image (or a layer) went away meanwhile, a folder is not readable after all, a record is damaged.
    return { unusable: `reading the engine's layer folders failed (${e instanceof Error ? e.message : String(e)})` };
  }
  const fs = new ImageFs();
  for (const [i, ops] of all.entries()) applyLayerOps(fs, ops, i);
  return fs;
}

interface StoredFile {
  abs: string;
  path: string;
  size: number;
  mode: number;
}

/**
 * Layer folders are read with synchronous file calls in slices (see slices.ts): an image of 20,000 small files
 * costs about 80,000 calls (lstat, open, read, close), 0.2 s this way and 1 to 2 s as promises.
 *
 * One layer's ops: its whiteouts from the tar-split record, its files from its folder (whiteout devices skipped).
 * Paths that are one file (hard links: same device and inode, more than one link) are read once; the first in
 * the order a layer tar lists them (depth first, names sorted) is the file and the others are links to it, as in
 * the tar.
 */
async function readStoredLayer(
  layer: StoredLayer,
  slice: () => Promise<void>,
  budget: EntryBudget,
): Promise<LayerOp[]> {
  const ops: LayerOp[] = whiteoutsOf(gunzipSync(await readFile(layer.tarSplit)).toString('utf8'));
  const linked = new Map<string, StoredFile[]>();
  const files: StoredFile[][] = [];
  const folders: Array<[string, string]> = [[layer.dir, '/']];
  for (let next = folders.pop(); next; next = folders.pop()) {
    const [abs, p] = next;
    for (const name of readdirSync(abs)) {
      await slice();
      spendEntry(budget);
      const childAbs = path.join(abs, name);
      const child = p === '/' ? `/${name}` : `${p}/${name}`;
      // bigint: inode numbers may not fit a double.
      const st = lstatSync(childAbs, { bigint: true });
      // As a layer tar's header has it (type bits included), so every way of reading gives the same entries.
      const mode = Number(st.mode);
      if (st.isDirectory()) {
        ops.push({ op: 'dir', path: child, mode });
        folders.push([childAbs, child]);
      } else if (st.isCharacterDevice() && st.rdev === 0n) {
        // overlay2's whiteout: the tar-split record holds it as `.wh.NAME` (read above).
      } else if (st.isSymbolicLink()) {
        ops.push({ op: 'set', path: child, entry: { type: 'symlink', mode, size: 0, target: readlinkSync(childAbs) } });
      } else if (st.isFile()) {
        const file = { abs: childAbs, path: child, size: Number(st.size), mode };
        if (st.nlink > 1n) {
          const key = `${st.dev}:${st.ino}`;
          const same = linked.get(key);
          if (same) same.push(file);
          else linked.set(key, [file]);
        } else files.push([file]);
      } else {
        ops.push({ op: 'set', path: child, entry: { type: 'other', mode, size: 0 } });
      }
    }
  }
  const links: LayerOp[] = [];
  for (const paths of [...files, ...linked.values()]) {
    await slice();
    const [first, ...others] = paths.sort((a, b) => tarOrder(a.path, b.path));
    ops.push({ op: 'set', path: first.path, entry: await storedFile(first) });
    for (const o of others) links.push({ op: 'link', path: o.path, target: first.path });
  }
  // A link copies what its target is when applied: after every file of the layer.
  return [...ops, ...links];
}

/** The order of a tar written by walking folders depth first with names sorted: component by component. */
function tarOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}

/** The whiteout entries of a layer's tar, from the engine's tar-split record (JSON lines, one per tar entry). */
export function whiteoutsOf(tarSplit: string): LayerOp[] {
  const ops: LayerOp[] = [];
  for (const line of tarSplit.split('\n')) {
    // Only entry lines can name a whiteout; a name that is not UTF-8 comes as base64 in name_raw.
    if (!line.includes('.wh.') && !line.includes('"name_raw"')) continue;
    const j = JSON.parse(line) as { type?: number; name?: string; name_raw?: string };
    if (j.type !== 1) continue;
    const name =
      typeof j.name === 'string'
        ? j.name
        : j.name_raw
          ? Buffer.from(j.name_raw, 'base64').toString('latin1')
          : undefined;
    const op = name === undefined ? undefined : whiteoutOp(normalizePath(name));
    if (op) ops.push(op);
  }
  return ops;
}

/** A regular file of a layer folder, read as far as the checks need (the same rules as a file in a layer tar). */
async function storedFile(f: StoredFile): Promise<Omit<FsEntry, 'layer'>> {
  const { abs, path: p, size, mode } = f;
  const entry: Omit<FsEntry, 'layer'> = { type: 'file', mode, size };
  if (size === 0) return entry;
  // O_NOFOLLOW: a path that turned into a symlink since the walk saw it is an error, never followed off the layer.
  const fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const head = Buffer.allocUnsafe(Math.min(size, 256));
    const first = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    const kind = fileKind(first, p, size);
    if (kind === 'elf') {
      if (size > MAX_ELF_BYTES)
        entry.elfError = new ElfFormatError(p, `is larger than ${MAX_ELF_BYTES} bytes; not read`);
      else {
        try {
          entry.elf = await readElfFile(syncReader(fd, readSync), size, p);
        } catch (e) {
          if (!(e instanceof ElfFormatError)) throw e;
          entry.elfError = e;
        }
      }
    } else if (kind === 'script') entry.shebang = shebangOf(first);
    else if (kind === 'text' && size <= MAX_TEXT_BYTES) {
      const text = Buffer.allocUnsafe(size);
      entry.text = text.subarray(0, readSync(fd, text, 0, size, 0)).toString('utf8');
    }
    return entry;
  } finally {
    closeSync(fd);
  }
}
