/**
 * Tags that exist for another manifest rather than as names of their own: cosign's `sha256-<hex>.sig|.att|.sbom`
 * and the OCI referrers tag-schema fallback `sha256-<hex>` (an index of the referrers of that digest). Prune
 * decides them by their subject: kept with a kept manifest, deleted with a deleted one.
 */
export type ArtifactTagKind = 'signature' | 'attestation' | 'sbom' | 'referrers-index';

/** The digest an artifact tag belongs to, and what kind of tag it is; undefined for an ordinary tag. */
export function artifactTagSubject(tag: string): { subject: string; kind: ArtifactTagKind } | undefined {
  const m = /^(sha256|sha512)-([a-f0-9]{64}|[a-f0-9]{128})(?:\.(sig|att|sbom))?$/.exec(tag);
  if (!m || (m[1] === 'sha256') !== (m[2].length === 64)) return undefined;
  const kind =
    m[3] === 'sig' ? 'signature' : m[3] === 'att' ? 'attestation' : m[3] === 'sbom' ? 'sbom' : 'referrers-index';
  return { subject: `${m[1]}:${m[2]}`, kind };
}
