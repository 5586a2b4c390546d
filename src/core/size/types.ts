/** The size of an image per platform, read from manifests and configs only (nothing is pulled). */
export interface LayerSize {
  digest: string;
  /** Compressed bytes, as the manifest declares them (what a pull downloads). */
  size: number;
  mediaType: string;
  /** Position in the image, from the base up. */
  index: number;
  /** The build step that made it (image config history), when history and layers agree. */
  instruction?: string;
}

export interface PlatformSize {
  platform: string;
  /** The platform's image manifest. */
  digest: string;
  /** Sum of the layer sizes. */
  compressed: number;
  layers: LayerSize[];
  /** Why instructions are missing, when they are. */
  historyNote?: string;
}

export interface ImageSize {
  reference: string;
  repository: string;
  tag?: string;
  digest: string;
  platforms: PlatformSize[];
}

export interface PlatformDelta {
  platform: string;
  /** The previous release's size of this platform; absent when the previous release lacks the platform. */
  previous?: number;
  current: number;
  growth?: number;
  /** Layers in this image that the previous release's platform does not have. */
  added: LayerSize[];
  /** Layers of the previous release's platform that this image no longer has. */
  removed: LayerSize[];
}

export interface SizeReport {
  image: ImageSize;
  /** The previous release compared with, and how it was chosen. */
  previous?: { tag: string; version: string; image: ImageSize; why: string };
  /** Why there is no previous release to compare with. */
  noPrevious?: string;
  /** Where the image tag prefix of the versions came from, when the previous release was looked for. */
  scheme?: import('../report').Basis;
  deltas: PlatformDelta[];
}
