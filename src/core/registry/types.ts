/** Shapes of the OCI distribution and image specs the client reads, and of what it hands back. */

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const INDEX_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerList];
export const MANIFEST_TYPES: readonly string[] = [MediaType.ociManifest, MediaType.dockerManifest];
/** Sent on every manifest GET and HEAD, so a registry never down-converts an index to one platform. */
export const MANIFEST_ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: PlatformSpec;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
}

export interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifestJson {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type ManifestJson = IndexJson | ImageManifestJson;
export type ManifestKind = 'index' | 'manifest';

/** The image config blob (the parts the product reads). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: {
    Labels?: Record<string, string> | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    User?: string;
    WorkingDir?: string;
    ExposedPorts?: Record<string, unknown> | null;
  };
  rootfs?: { type: string; diff_ids: string[] };
  /** One entry per build step; those without `empty_layer` made the layers, in order. */
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>;
}

/** A manifest exactly as the registry served it. */
export interface ManifestResult {
  /** sha256 of `bytes`: the manifest's identity. */
  digest: string;
  mediaType: string;
  kind: ManifestKind;
  /** The exact bytes received: PUT these to retag without changing the digest. */
  bytes: Buffer;
  json: ManifestJson;
}

/** What HEAD tells without a body. */
export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

/** An attestation (BuildKit provenance/SBOM manifest or an OCI artifact) found in an index. */
export interface AttestationInfo {
  digest: string;
  mediaType: string;
  /** 'attestation-manifest' (BuildKit annotation), or the artifactType, or 'unknown/unknown'. */
  type: string;
  /** Digest of the platform manifest it describes, when the index says so. */
  refersTo?: string;
}

export interface PlatformInfo {
  os: string;
  architecture: string;
  variant?: string;
  /** os/architecture[/variant], the form users write. */
  platform: string;
  digest: string;
  mediaType: string;
  size?: number;
  /** Sum of the layer sizes in its manifest: the compressed bytes a pull downloads (when its manifest was read). */
  compressedSize?: number;
  /** Labels of this platform's image config (present when labels were read). */
  labels?: Record<string, string>;
  attestations: AttestationInfo[];
}

/** Everything a person wants to know about one reference, without pulling layers. */
export interface ImageInfo {
  /** The canonical reference that was inspected (registry/repository[:tag][@digest]). */
  reference: string;
  /** registry/repository. */
  repository: string;
  tag?: string;
  digest: string;
  mediaType: string;
  kind: ManifestKind;
  /** Real platforms only; never attestation manifests. A single manifest has one, from its config. */
  platforms: PlatformInfo[];
  /** Attestations whose platform could not be found in the index. */
  attestations: AttestationInfo[];
  /** Labels of a single-platform image; for an index, the labels of the platforms when they all agree. */
  labels: Record<string, string>;
  /** The image config of a single-platform image. */
  config?: ImageConfig;
}

/** A tag with the digest it points at. */
export interface TagDigest {
  tag: string;
  digest: string;
  /** From the registry's HEAD answer; the GitHub Packages API does not say it. */
  mediaType?: string;
}
