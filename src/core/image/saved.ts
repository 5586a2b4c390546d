import path from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { ReleaseOperatorError, checkError, environmentError, throwIfAborted } from '../errors';
import { platformMatches, type ImageConfig } from '../registry';
import { ImageFs } from './fs';
import { applyLayerOps, entryBudget, readLayer, type EntryBudget, type LayerOp } from './layer';
import type { ReadImage } from './source';

/** A JSON entry larger than this is not kept (manifest.json, index.json and image configs are a few KiB). */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;
/** All JSON entries kept together: an archive of many JSON files cannot fill memory. */
const MAX_JSON_TOTAL = 64 * 1024 * 1024;
const MAX_LINK_HOPS = 16;
const MAX_INDEX_DEPTH = 4;

/** What the reader kept of one entry of a saved image archive. */
export type ArchivePart =
  /** A tar (or gzip'd tar) entry, read as a layer. */
  | { kind: 'layer'; ops: LayerOp[] }
  /** Looked like a layer, did not read as one. */
  | { kind: 'broken'; why: string }
  | { kind: 'json'; bytes: Buffer }
  | { kind: 'zstd' }
  /** Anything else (VERSION, oversized JSON, unknown data): skipped unread. */
  | { kind: 'other'; size: number; why?: string }
  /** A symlink or hard link to another entry (docker save links a layer that two images share). */
  | { kind: 'link'; target: string };

/** A saved image archive read in one pass: every entry by its name (names are only keys, never host paths). */
export interface SavedArchive {
  /** For messages: "docker save of IMAGE". */
  what: string;
  parts: Map<string, ArchivePart>;
}

/** An archive entry name as a key: relative, normalized, `..` clamped at the archive root. */
function archiveName(name: string): string {
  const n = path.posix.normalize('/' + name).slice(1);
  return n.endsWith('/') ? n.slice(0, -1) : n;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const isCancel = (e: unknown): e is Error => (e as Error)?.name === 'CancelledError';

/**
 * Reads a saved image archive as it streams (the output of `docker save`, either layout: Docker's legacy
 * `<id>/layer.tar` + `<config>.json` + `manifest.json`, or the OCI layout of Docker 25+ with `blobs/sha256/...`,
 * `index.json` and `manifest.json`). The layer order is in manifest.json, which may come after the layers, so
 * each entry is recognised by its first bytes: a tar or gzip'd tar is read as a layer into its ops right away (ELF
 * files parsed as they pass, no content kept), small JSON is kept, anything else is skipped unread. The image is
 * put together afterwards by imageFromArchive.
 */
export async function readSavedArchive(
  stream: Readable,
  what: string,
  signal?: AbortSignal,
  maxFiles?: number,
): Promise<SavedArchive> {
  const entries = entryBudget(what, maxFiles);
  const parts = new Map<string, ArchivePart>();
  const budget = { json: MAX_JSON_TOTAL };
  const ex = tarExtract();
  stream.on('error', (e) => ex.destroy(e));
  stream.pipe(ex);
  try {
    for await (const entry of ex) {
      throwIfAborted(signal);
      const h = entry.header;
      const name = archiveName(h.name);
      if (h.type === 'file' || h.type === 'contiguous-file') {
        parts.set(
          name,
          await readPart(
            entry as unknown as AsyncIterable<Buffer>,
            `${what}: ${name}`,
            h.size ?? 0,
            budget,
            signal,
            entries,
          ),
        );
        continue;
      }
      if (h.type === 'symlink')
        parts.set(name, {
          kind: 'link',
          target: archiveName(path.posix.join(path.posix.dirname(name), h.linkname ?? '')),
        });
      else if (h.type === 'link') parts.set(name, { kind: 'link', target: archiveName(h.linkname ?? '') });
      entry.resume();
    }
  } catch (e) {
    if (e instanceof ReleaseOperatorError || isCancel(e)) throw e;
    throw environmentError(
      `The ${what} is cut short or not a tar archive (${errorText(e)}).`,
      'The Docker engine sent a broken archive; check `docker info` and the disk, then try again.',
    );
  }
  return { what, parts };
}

const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const isZstd = (b: Buffer) => b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528;
const looksLikeJson = (b: Buffer) => /^\s*[[{]/.test(b.subarray(0, 64).toString('latin1'));

/**
 * A tar header block: the ustar magic, a valid header checksum (old tar), or an all-zero end block (an empty layer).
 */
function looksLikeTar(b: Buffer): boolean {
  if (b.length < 512) return false;
  if (b.subarray(257, 262).toString('latin1') === 'ustar') return true;
  let sum = 0;
  let zero = true;
  for (let i = 0; i < 512; i++) {
    sum += i >= 148 && i < 156 ? 0x20 : b[i];
    if (b[i]) zero = false;
  }
  if (zero) return true;
  const stored = parseInt(
    b
      .subarray(148, 156)
      .toString('latin1')
      .replace(/[\0 ]+$/, '')
      .trim(),
    8,
  );
  return stored === sum;
}

/** Writes a chunk to a layer reader, waiting while it is busy; a reader that gave up (destroyed) gets nothing. */
async function feed(into: Writable, chunk: Buffer): Promise<void> {
  if (into.destroyed || into.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      into.off('drain', done);
      into.off('close', done);
      resolve();
    };
    into.on('drain', done);
    into.on('close', done);
  });
}

/**
 * One file entry of the archive, by its first bytes. The entry is read to its end (destroying it would end the whole
 * archive), except on cancel.
 */
async function readPart(
  entry: AsyncIterable<Buffer>,
  what: string,
  size: number,
  budget: { json: number },
  signal: AbortSignal | undefined,
  entries: EntryBudget,
): Promise<ArchivePart> {
  type Mode = 'head' | 'json' | 'layer' | 'skip';
  let mode = 'head' as Mode;
  let kept: Buffer[] = [];
  let got = 0;
  let skipped: ArchivePart = { kind: 'other', size };
  let inner: (Writable & Readable) | undefined;
  let reading: Promise<ArchivePart> | undefined;
  let cancelled: Error | undefined;

  const decide = async () => {
    const head = Buffer.concat(kept);
    if (isGzip(head) || looksLikeTar(head)) {
      mode = 'layer';
      const layer = isGzip(head) ? createGunzip() : new PassThrough();
      inner = layer;
      reading = readLayer(layer, what, signal, entries).then(
        (ops): ArchivePart => ({ kind: 'layer', ops }),
        (e: unknown): ArchivePart => {
          layer.destroy();
          // A cancel, or a limit reached, ends the whole read (it is not one broken layer).
          if (isCancel(e) || (e instanceof ReleaseOperatorError && e.kind === 'environment')) cancelled = e;
          return { kind: 'broken', why: /not a readable layer \((.*)\)$/s.exec(errorText(e))?.[1] ?? errorText(e) };
        },
      );
      for (const k of kept) await feed(layer, k);
      kept = [];
    } else if (looksLikeJson(head) && size <= MAX_JSON_BYTES && size <= budget.json) {
      mode = 'json';
      budget.json -= size;
    } else {
      mode = 'skip';
      kept = [];
      if (looksLikeJson(head))
        skipped = {
          kind: 'other',
          size,
          why: size > MAX_JSON_BYTES ? `JSON larger than ${MAX_JSON_BYTES} bytes` : 'too much JSON in the archive',
        };
      else if (isZstd(head)) skipped = { kind: 'zstd' };
    }
  };

  try {
    for await (const chunk of entry) {
      if (mode === 'head') {
        kept.push(chunk);
        got += chunk.length;
        if (got >= 512 || got >= size) await decide();
      } else if (mode === 'layer') {
        throwIfAborted(signal);
        await feed(inner!, chunk);
      } else if (mode === 'json') kept.push(chunk);
    }
    if (mode === 'head') await decide();
    if (mode === 'json') return { kind: 'json', bytes: Buffer.concat(kept) };
    if (mode === 'skip') return skipped;
    if (!inner!.destroyed) inner!.end();
    const part = await reading!;
    if (cancelled) throw cancelled;
    return part;
  } finally {
    // The archive broke off mid-layer (or was cancelled): stop that layer's reader too.
    if (inner && !inner.writableEnded) inner.destroy();
  }
}

interface Descriptor {
  digest?: string;
  mediaType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/**
 * The image in a saved archive: its config and its layers applied in the order its manifest gives. Docker's
 * manifest.json is used when present (both layouts have it; the entry whose Config is `imageId` when given),
 * else the OCI index.json (the manifest for `platform` when the index has several).
 */
export function imageFromArchive(
  archive: SavedArchive,
  options: { imageId?: string; platform?: string } = {},
): ReadImage {
  const { what, parts } = archive;
  const find = (name: string): { name: string; part?: ArchivePart } => {
    let n = archiveName(name);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const part = parts.get(n);
      if (part?.kind !== 'link') return { name: n, part };
      n = part.target;
    }
    throw checkError(`The ${what}: ${name} is a loop of links.`);
  };
  const json = (name: string): unknown => {
    const { part } = find(name);
    if (!part)
      throw checkError(`The ${what} has no ${name}.`, 'The Docker engine wrote an archive this version cannot read.');
    if (part.kind !== 'json')
      throw checkError(
        `The ${what}: ${name} is not a JSON document${part.kind === 'other' && part.why ? ` (${part.why})` : ''}.`,
      );
    try {
      return JSON.parse(part.bytes.toString('utf8'));
    } catch {
      throw checkError(`The ${what}: ${name} is not valid JSON.`);
    }
  };

  let configName: string;
  let layerNames: string[];
  if (parts.has('manifest.json')) {
    const manifest = json('manifest.json') as Array<{ Config?: unknown; Layers?: unknown }>;
    const hex = options.imageId?.replace(/^[a-z0-9]+:/, '');
    const entry = Array.isArray(manifest)
      ? (hex && manifest.find((m) => typeof m?.Config === 'string' && m.Config.includes(hex))) || manifest[0]
      : undefined;
    if (
      !entry ||
      typeof entry.Config !== 'string' ||
      !Array.isArray(entry.Layers) ||
      !entry.Layers.every((l) => typeof l === 'string')
    ) {
      throw checkError(
        `The ${what}: manifest.json is not understood.`,
        'The Docker engine wrote an archive this version cannot read.',
      );
    }
    configName = entry.Config;
    layerNames = entry.Layers;
  } else if (parts.has('index.json')) {
    ({ configName, layerNames } = fromIndex(what, json, options.platform));
  } else {
    throw checkError(
      `The ${what} has neither manifest.json nor index.json.`,
      'The Docker engine wrote an archive this version cannot read.',
    );
  }

  const config = json(configName) as ImageConfig;
  if (!config || typeof config !== 'object')
    throw checkError(`The ${what}: the image config ${configName} is not an object.`);
  const fs = new ImageFs();
  for (const [i, name] of layerNames.entries()) {
    const at = `The ${what}: layer ${i + 1} of ${layerNames.length} (${name})`;
    const { part } = find(name);
    if (!part)
      throw checkError(
        `${at} is missing from the archive.`,
        'The Docker engine wrote an archive this version cannot read.',
      );
    if (part.kind === 'zstd')
      throw checkError(
        `${at} is zstd-compressed, which the glibc check cannot read yet.`,
        'Check the pushed image instead, or rebuild with gzip layers.',
      );
    if (part.kind === 'broken')
      throw checkError(
        `${at} is not a readable layer (${part.why}).`,
        'The image in the engine is damaged or the archive is cut short; pull or build it again.',
      );
    if (part.kind === 'other' && part.size === 0) continue; // an empty file: a layer without entries
    if (part.kind !== 'layer')
      throw checkError(`${at} is not a layer archive.`, 'The Docker engine wrote an archive this version cannot read.');
    applyLayerOps(fs, part.ops, i);
  }
  return { config, fs };
}

/** The OCI layout without Docker's manifest.json: index.json -> (nested indexes) -> one image manifest. */
function fromIndex(
  what: string,
  json: (name: string) => unknown,
  platform?: string,
): { configName: string; layerNames: string[] } {
  const blob = (d: Descriptor | undefined, role: string): string => {
    const m = /^([a-z0-9]+):([a-f0-9]+)$/.exec(typeof d?.digest === 'string' ? d.digest : '');
    if (!m) throw checkError(`The ${what}: the ${role} has no valid digest.`);
    return `blobs/${m[1]}/${m[2]}`;
  };
  let node = json('index.json') as { manifests?: Descriptor[] };
  for (let depth = 0; depth < MAX_INDEX_DEPTH; depth++) {
    const images = (Array.isArray(node?.manifests) ? node.manifests : []).filter(
      (d) => d?.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' && d?.platform?.os !== 'unknown',
    );
    const pick =
      (platform &&
        images.find(
          (d) =>
            d.platform &&
            platformMatches(
              { os: d.platform.os ?? '', architecture: d.platform.architecture ?? '', variant: d.platform.variant },
              platform,
            ),
        )) ||
      images[0];
    if (!pick) throw checkError(`The ${what}: index.json names no image manifest.`);
    const doc = json(blob(pick, 'manifest')) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    if (Array.isArray(doc?.manifests)) {
      node = doc;
      continue;
    }
    if (!doc?.config || !Array.isArray(doc.layers))
      throw checkError(`The ${what}: ${blob(pick, 'manifest')} is not an image manifest.`);
    return { configName: blob(doc.config, 'config'), layerNames: doc.layers.map((l) => blob(l, 'layer')) };
  }
  throw checkError(`The ${what}: index.json nests indexes more than ${MAX_INDEX_DEPTH} deep.`);
}
