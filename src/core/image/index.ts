/** An image's filesystem without running it: layers (from `docker save` or a registry) merged with whiteouts. */
export { ImageFs, normalizePath, type FsEntry } from './fs';
export { applyLayer, applyLayerOps, decompress, readLayer, MAX_ELF_BYTES, type Compression, type LayerOp } from './layer';
export { readLayers, LAYER_CONCURRENCY, type LayerSource, type PlatformImage, type ReadImage } from './source';
export { archiveName, imageFromArchive, readSavedArchive, MAX_JSON_BYTES, type ArchivePart, type SavedArchive } from './saved';
export { localDockerImage } from './docker';
export { registryPlatformImages } from './registry';
