import { createHash } from 'node:crypto';
import { checkError, environmentError } from '../errors';
import { neutralize } from '../neutralize';
import {
  INDEX_TYPES,
  MANIFEST_TYPES,
  type AttestationInfo,
  type Descriptor,
  type ImageManifestJson,
  type IndexJson,
  type ManifestJson,
  type ManifestKind,
  type PlatformInfo,
} from './types';

/** The digest of exact bytes, in the algorithm the expected digest names (sha256 by default). */
export function digestOf(bytes: Buffer | Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/**
 * The hash algorithm of a digest the registry named (a person's digests are checked when parsed). One this tool
 * cannot verify (md5:...) is the registry's fault, an environment error: its content cannot be trusted here.
 */
export function algorithmOf(digest: string, registry = 'in use'): string {
  const a = digest.slice(0, Math.max(0, digest.indexOf(':')));
  if (a !== 'sha256' && a !== 'sha512')
    throw environmentError(
      `The registry ${registry} named the digest ${neutralize(digest, 100)}, whose algorithm cannot be verified.`,
      'Only sha256 and sha512 digests can be verified; use a registry that serves those.',
    );
  return a;
}

/**
 * Parses manifest bytes and decides the kind: the Content-Type first, then the body's mediaType, then its
 * shape (manifests[] = index, config+layers = image manifest). Anything else is a malformed manifest.
 */
export function parseManifest(
  bytes: Buffer,
  contentType: string | null,
  what: string,
): { json: ManifestJson; mediaType: string; kind: ManifestKind } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed(what, 'the body is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw malformed(what, 'the body is not a JSON object');
  const body = json as Record<string, unknown>;
  if (body.schemaVersion !== 2)
    throw malformed(
      what,
      `schemaVersion is ${JSON.stringify(body.schemaVersion)}, expected 2 (schema 1 manifests are not supported)`,
    );
  const ct = contentType?.split(';')[0].trim();
  const declared = [ct, typeof body.mediaType === 'string' ? body.mediaType : undefined].find(
    (t) => t && (INDEX_TYPES.includes(t) || MANIFEST_TYPES.includes(t)),
  );
  let kind: ManifestKind | undefined = declared ? (INDEX_TYPES.includes(declared) ? 'index' : 'manifest') : undefined;
  kind ??= Array.isArray(body.manifests) ? 'index' : body.config && Array.isArray(body.layers) ? 'manifest' : undefined;
  if (!kind) throw malformed(what, 'it is neither an image index nor an image manifest');
  if (kind === 'index') {
    if (!Array.isArray(body.manifests)) throw malformed(what, 'an index without a "manifests" list');
    body.manifests.forEach((d, i) => checkDescriptor(d, `manifests[${i}]`, what));
  } else {
    checkDescriptor(body.config, 'config', what);
    if (!Array.isArray(body.layers)) throw malformed(what, 'a manifest without a "layers" list');
    body.layers.forEach((d, i) => checkDescriptor(d, `layers[${i}]`, what));
  }
  const mediaType = declared ?? (kind === 'index' ? INDEX_TYPES[0] : MANIFEST_TYPES[0]);
  return { json: json as ManifestJson, mediaType, kind };
}

function checkDescriptor(d: unknown, where: string, what: string): void {
  const o = d as Partial<Descriptor> | null;
  if (
    !o ||
    typeof o !== 'object' ||
    typeof o.digest !== 'string' ||
    !/^[a-z0-9]+:[a-zA-Z0-9=_-]+$/.test(o.digest) ||
    typeof o.mediaType !== 'string'
  )
    throw malformed(what, `${where} is not a descriptor with mediaType and digest`);
}

function malformed(what: string, why: string) {
  return checkError(
    `The registry served a malformed manifest for ${what}: ${why}.`,
    'Re-push the image; the stored manifest is not usable by docker either.',
  );
}

export function platformString(p: { os: string; architecture: string; variant?: string }): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

const ATTESTATION_ANNOTATION = 'vnd.docker.reference.type';
const REFERS_TO_ANNOTATION = 'vnd.docker.reference.digest';

/** True for attestation manifests and artifacts: they are never platforms. */
export function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.[ATTESTATION_ANNOTATION] === 'attestation-manifest' ||
    Boolean(d.artifactType) ||
    (d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown')
  );
}

/**
 * Splits an index into its real platforms and its attestations; each attestation is attached to the platform
 * whose digest it names, the rest come back unattached.
 */
export function splitIndex(index: IndexJson): { platforms: PlatformInfo[]; unattached: AttestationInfo[] } {
  const platforms: PlatformInfo[] = [];
  const attestations: AttestationInfo[] = [];
  for (const d of index.manifests) {
    if (isAttestation(d)) {
      attestations.push({
        digest: d.digest,
        mediaType: d.mediaType,
        type: d.annotations?.[ATTESTATION_ANNOTATION] ?? d.artifactType ?? 'unknown/unknown',
        refersTo: d.annotations?.[REFERS_TO_ANNOTATION],
      });
      continue;
    }
    const os = d.platform?.os ?? 'unknown';
    const architecture = d.platform?.architecture ?? 'unknown';
    const variant = d.platform?.variant || undefined;
    platforms.push({
      os,
      architecture,
      variant,
      platform: platformString({ os, architecture, variant }),
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
      attestations: [],
    });
  }
  const unattached: AttestationInfo[] = [];
  for (const a of attestations) {
    const owner = a.refersTo ? platforms.find((p) => p.digest === a.refersTo) : undefined;
    if (owner) owner.attestations.push(a);
    else unattached.push(a);
  }
  return { platforms, unattached };
}

export function isIndex(json: ManifestJson): json is IndexJson {
  return Array.isArray((json as IndexJson).manifests);
}

export function isImageManifest(json: ManifestJson): json is ImageManifestJson {
  return Array.isArray((json as ImageManifestJson).layers);
}

/** Does a platform match a wanted os/arch[/variant]? A wanted platform without a variant matches any variant. */
export function platformMatches(p: { os: string; architecture: string; variant?: string }, wanted: string): boolean {
  const [os, architecture, variant] = wanted.split('/');
  if (p.os !== os || p.architecture !== architecture) return false;
  if (!variant) return true;
  // arm64 images usually leave out the implied v8.
  return (p.variant ?? (architecture === 'arm64' ? 'v8' : undefined)) === variant;
}
