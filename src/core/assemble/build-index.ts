import { digestOf, MediaType, platformMatches } from '../registry';
import type { AssemblePlan, IndexEntry } from './types';

/**
 * The OCI index of the release: the platforms in the order the required platforms are listed (others after them,
 * by name), then every attestation manifest, each still naming the platform manifest it describes, as BuildKit
 * writes them. Deterministic: the same sources give the same bytes, so the same digest.
 */
export function buildIndex(entries: IndexEntry[], required: readonly string[]): AssemblePlan['index'] {
  const rank = (e: IndexEntry) => {
    const i = required.findIndex((r) => e.descriptor.platform && platformMatches(e.descriptor.platform, r));
    return i < 0 ? required.length : i;
  };
  const ordered = [...entries].sort((a, b) => rank(a) - rank(b) || a.platform.localeCompare(b.platform));
  const manifests = [...ordered.map((e) => e.descriptor), ...ordered.flatMap((e) => e.attestations)].map(
    ({ mediaType, digest, size, platform, annotations, artifactType }) => ({
      mediaType,
      digest,
      size,
      ...(platform ? { platform } : {}),
      ...(annotations ? { annotations } : {}),
      ...(artifactType ? { artifactType } : {}),
    }),
  );
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
  return { digest: digestOf(bytes), mediaType: MediaType.ociIndex, size: bytes.length, bytes };
}
