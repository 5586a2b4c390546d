/**
 * OCI 1.1 artifacts written straight through the registry API for the supply-chain tests: artifact manifests
 * with a subject, the referrers tag-schema fallback index (as cosign v3 and oras write it on registries without the
 * referrers API), and cosign v2's tag-scheme manifests (`sha256-<hex>.sig` / `.att` / `.sbom`).
 *
 *   pushArtifact(reg, repo, { artifactType?, subject?, config?, layers, annotations?, tag? }) -> PushedManifest
 *   addToReferrersTag(reg, repo, subjectDigest, pushed, { entryArtifactType? }) -> digest of the new fallback index
 *   pushCosignTag(reg, repo, subjectDigest, 'sig' | 'att' | 'sbom', layers) -> PushedManifest
 */
import { createHash } from 'node:crypto';
import { pushBlob, putManifest, type PushedManifest, type TestRegistry } from '../registry';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';
const EMPTY = Buffer.from('{}');

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface ArtifactLayer {
  mediaType: string;
  bytes: Buffer;
  annotations?: Record<string, string>;
}

export async function pushArtifact(
  reg: TestRegistry,
  repo: string,
  a: {
    artifactType?: string;
    subject?: Pick<PushedManifest, 'digest' | 'mediaType' | 'size'>;
    config?: { mediaType: string; bytes: Buffer };
    layers: ArtifactLayer[];
    annotations?: Record<string, string>;
    tag?: string;
  },
): Promise<PushedManifest> {
  const config = a.config ?? { mediaType: EMPTY_CONFIG, bytes: EMPTY };
  const configDigest = await pushBlob(reg, repo, config.bytes);
  const layers = [];
  for (const l of a.layers) {
    const digest = await pushBlob(reg, repo, l.bytes);
    layers.push({
      mediaType: l.mediaType,
      digest,
      size: l.bytes.length,
      ...(l.annotations ? { annotations: l.annotations } : {}),
    });
  }
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(a.artifactType ? { artifactType: a.artifactType } : {}),
      config: { mediaType: config.mediaType, digest: configDigest, size: config.bytes.length },
      layers,
      ...(a.subject
        ? { subject: { mediaType: a.subject.mediaType, digest: a.subject.digest, size: a.subject.size } }
        : {}),
      ...(a.annotations ? { annotations: a.annotations } : {}),
    }),
  );
  const digest = await putManifest(reg, repo, a.tag ?? sha256(bytes), bytes, OCI_MANIFEST);
  return { digest, mediaType: OCI_MANIFEST, bytes, size: bytes.length, configDigest };
}

/** Appends a referrer to the `sha256-<hex>` fallback index of a subject (created when missing). */
export async function addToReferrersTag(
  reg: TestRegistry,
  repo: string,
  subjectDigest: string,
  pushed: PushedManifest,
  options: { entryArtifactType?: string | null; annotations?: Record<string, string> } = {},
): Promise<string> {
  const tag = subjectDigest.replace(':', '-');
  const current = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
  const manifests: unknown[] =
    current.status === 200 ? ((await current.json()) as { manifests: unknown[] }).manifests : [];
  const json = JSON.parse(pushed.bytes.toString('utf8')) as { artifactType?: string; annotations?: unknown };
  // null: write the entry without artifactType, as cosign does for some (cosign #4641).
  const artifactType = options.entryArtifactType === undefined ? json.artifactType : options.entryArtifactType;
  manifests.push({
    mediaType: pushed.mediaType,
    digest: pushed.digest,
    size: pushed.size,
    ...(artifactType ? { artifactType } : {}),
    ...((options.annotations ?? json.annotations) ? { annotations: options.annotations ?? json.annotations } : {}),
  });
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  return putManifest(reg, repo, tag, bytes, OCI_INDEX);
}

/** A cosign v2 tag-scheme manifest: `sha256-<hex>.<suffix>` with the given layers (no subject, as cosign v2 writes). */
export async function pushCosignTag(
  reg: TestRegistry,
  repo: string,
  subjectDigest: string,
  suffix: 'sig' | 'att' | 'sbom',
  layers: ArtifactLayer[],
): Promise<PushedManifest> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      os: '',
      config: {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l.bytes)) },
    }),
  );
  return pushArtifact(reg, repo, {
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: config },
    layers,
    tag: `${subjectDigest.replace(':', '-')}.${suffix}`,
  });
}
