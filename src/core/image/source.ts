import type { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { throwIfAborted } from '../errors';
import { linkSignal } from '../operation';
import type { ImageConfig } from '../registry';
import { ImageFs } from './fs';
import { applyLayerOps, decompress, entryBudget, readLayer, type Compression, type LayerOp } from './layer';

/** One layer of an image, opened on demand (a blob from a registry). */
export interface LayerSource {
  /** For messages: the digest. */
  what: string;
  compression: Compression;
  open(signal?: AbortSignal): Promise<Readable>;
}

/** An image's config and merged filesystem, read without running it. */
export interface ReadImage {
  config: ImageConfig;
  fs: ImageFs;
  /** How a local image's files were read (see localDockerImage); not set for a registry image. */
  via?: LocalImageVia;
}

/** The ways of reading a local Docker image's files (see localDockerImage). */
export type LocalImageVia = 'storage' | 'export' | 'save';

/**
 * One platform's image, known before its layers are read: a local Docker image (`docker export` of a created
 * container, or `docker save`; streamed) or a registry image (layer blobs). read() reads every layer once and
 * applies them bottom first, with whiteouts (an export is one layer, already merged by the engine).
 */
export interface PlatformImage {
  platform: string;
  /** The image reference, for reports. */
  source: string;
  /** How many layers the image has (for logs). */
  layerCount: number;
  read(signal?: AbortSignal, options?: ReadOptions): Promise<ReadImage>;
}

export interface ReadOptions {
  /** Most files of the image, all layers together (limits.files). */
  maxFiles?: number;
}

/** Layers read this many at a time (each a stream of its own); their ops are applied in the image's order. */
const LAYER_CONCURRENCY = 3;

/**
 * The merged filesystem of layers read concurrently (at most LAYER_CONCURRENCY at once) and applied in order.
 * The first layer that fails stops the others.
 */
export async function readLayers(
  source: string,
  layers: readonly LayerSource[],
  signal?: AbortSignal,
  concurrency = LAYER_CONCURRENCY,
  maxFiles?: number,
): Promise<ImageFs> {
  const budget = entryBudget(source, maxFiles);
  const stop = new AbortController();
  const both = linkSignal(signal, stop.signal);
  const limit = pLimit(Math.max(1, concurrency));
  const read = (layer: LayerSource, i: number) =>
    limit(async (): Promise<LayerOp[]> => {
      throwIfAborted(both);
      const raw = await layer.open(both);
      return readLayer(decompress(raw, layer.compression), `${source} layer ${i + 1} (${layer.what})`, both, budget);
    });
  const all = await Promise.all(
    layers.map((l, i) =>
      read(l, i).catch((e: unknown) => {
        stop.abort();
        throw e;
      }),
    ),
  );
  throwIfAborted(signal);
  const fs = new ImageFs();
  for (const [i, ops] of all.entries()) applyLayerOps(fs, ops, i);
  return fs;
}
