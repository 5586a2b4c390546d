/** An image's filesystem without running it: layers (from `docker save` or a registry) merged with whiteouts. */
export { ImageFs, normalizePath, type FsEntry } from './fs';
export { applyLayer, decompress, MAX_ELF_BYTES, type Compression } from './layer';
export { readImageFs, type LayerSource, type PlatformImage } from './source';
export { saveDockerImage } from './docker';
export { registryPlatformImages } from './registry';
