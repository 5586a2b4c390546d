/**
 * An image's filesystem without running it: layers (from a registry or `docker save`) merged with whiteouts, or a
 * local image's `docker export`.
 */
export { ImageFs, type FsEntry } from './fs';
export {
  applyLayer,
  applyLayerOps,
  decompress,
  readLayer,
  MAX_ELF_BYTES,
  type Compression,
  type LayerOp,
} from './layer';
export { readLayers, type LayerSource, type PlatformImage, type ReadImage } from './source';
export { imageFromArchive, readSavedArchive, MAX_JSON_BYTES, type ArchivePart, type SavedArchive } from './saved';
export {
  configFromInspect,
  localDockerImage,
  type InspectedImage,
  type LocalImageOptions,
  type LocalImageVia,
} from './docker';
export { registryPlatformImages } from './registry';
