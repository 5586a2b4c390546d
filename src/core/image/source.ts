import type { Readable } from 'node:stream';
import type { ImageConfig } from '../registry/types';
import { ImageFs } from './fs';
import { applyLayer, decompress, type Compression } from './layer';

/** One layer of an image, opened on demand (a file from `docker save`, a blob from a registry). */
export interface LayerSource {
  /** For messages: the digest or the file in the saved image. */
  what: string;
  compression: Compression;
  open(): Promise<Readable>;
}

/** One platform's image: its config and its layers, bottom first. Both the Docker and registry sources give this. */
export interface PlatformImage {
  platform: string;
  /** The image reference, for reports. */
  source: string;
  config: ImageConfig;
  layers: LayerSource[];
}

/** The merged filesystem of a platform image, layers applied in order with whiteouts, without running it. */
export async function readImageFs(image: PlatformImage, signal?: AbortSignal): Promise<ImageFs> {
  const fs = new ImageFs();
  for (const [i, layer] of image.layers.entries()) {
    const raw = await layer.open();
    await applyLayer(fs, decompress(raw, layer.compression), i, `${image.source} layer ${i + 1} (${layer.what})`, signal);
  }
  return fs;
}
