/**
 * Everything that refers to one manifest (signatures, attestations, SBOMs), wherever a registry keeps it, in the
 * order the OCI 1.1 distribution spec and cosign define:
 *   1. the referrers API, GET /v2/<name>/referrers/<digest>;
 *   2. on 404, its tag-schema fallback: the tag `sha256-<hex>` holding an index of referrers (ghcr.io's only way);
 *   3. cosign v2's own tags `sha256-<hex>.sig`, `.att` and `.sbom`.
 * Each child manifest is read: an index entry is the writer's word only (cosign writes some without
 * artifactType, cosign #4641), and a child whose `subject` names another manifest is left out with a warning.
 * Shared by the supply-chain check and by prune (what refers to a kept image must be kept too).
 */
import type { CallOptions, RegistryClient, RepoInput } from './client';
import { isImageManifest } from './manifest';
import { parseRepository } from './reference';
import type { Descriptor, ImageManifestJson, ManifestResult } from './types';

export type ReferrerSource = 'referrers-api' | 'referrers-tag' | 'cosign-tag';
export type CosignSuffix = 'sig' | 'att' | 'sbom';

/** The config media type of an artifact without a config (OCI 1.1). */
export const EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';

export interface Referrer {
  digest: string;
  mediaType: string;
  /** The child manifest's own artifactType, else its config media type (the spec's rule), never the index entry's.
   * An artifact without a config says EMPTY_CONFIG here unless it sets artifactType. */
  artifactType: string;
  /** Media types of its layers: what the blobs are (a Sigstore bundle, a DSSE envelope, a simple signing payload). */
  layerTypes: string[];
  annotations: Record<string, string>;
  /** The digest the child's `subject` names (absent for cosign's tag-scheme manifests, which have none). */
  subject?: string;
  source: ReferrerSource;
  /** The tag it was found under (fallback and cosign tags). */
  tag?: string;
  /** Which cosign tag, for source 'cosign-tag'. */
  cosign?: CosignSuffix;
  manifest: ManifestResult & { json: ImageManifestJson };
}

export interface ReferrerDiscovery {
  /** The digest whose referrers were looked for. */
  subject: string;
  /** Whether the registry answered the referrers API (false: it has none, the fallback tag was read). */
  api: boolean;
  referrers: Referrer[];
  /**
   * What was odd on the way: a fallback entry that disagrees with its manifest, a foreign subject, an unreadable
   * child.
   */
  warnings: string[];
}

/** The referrers tag-schema fallback tag of a digest: `<algorithm>-<hex>` (the hex cut to 64 characters). */
export function referrersTag(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `${algorithm}-${hex.slice(0, 64)}`;
}

/** cosign v2's tag for a digest's signatures, attestations or SBOM: `sha256-<hex>.sig`. */
export function cosignTag(digest: string, suffix: CosignSuffix): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

/** Every referrer of `digest` in `repo`: referrers API (or its fallback tag), then cosign's tags. */
export async function discoverReferrers(
  client: RegistryClient,
  repo: RepoInput,
  digest: string,
  options: CallOptions = {},
): Promise<ReferrerDiscovery> {
  const r = typeof repo === 'string' ? parseRepository(repo) : repo;
  const warnings: string[] = [];
  const referrers: Referrer[] = [];
  const fromApi = await client.referrersIndex(r, digest, options);
  let entries: Descriptor[] = fromApi ?? [];
  let source: ReferrerSource = 'referrers-api';
  const fallback = referrersTag(digest);
  if (!fromApi) {
    source = 'referrers-tag';
    const head = await client.headManifest({ ...r, tag: fallback }, options);
    if (head) {
      const m = await client.getManifest({ ...r, tag: fallback }, options);
      if ('manifests' in m.json) entries = m.json.manifests;
      else
        warnings.push(`The tag ${fallback} holds an image manifest, not the referrers index the OCI spec puts there.`);
    }
  }
  const children = await Promise.all(
    entries.map(async (entry) => ({ entry, child: await readChild(client, r, entry.digest, options, warnings) })),
  );
  for (const { entry, child } of children) {
    if (!child) continue;
    const ref = toReferrer(child, source, source === 'referrers-tag' ? fallback : undefined);
    if (ref.subject !== digest) {
      warnings.push(
        `${short(ref.digest)} is listed as a referrer of ${short(digest)} but its subject is ${ref.subject ? short(ref.subject) : 'missing'}; left out.`,
      );
      continue;
    }
    if ((entry.artifactType ?? '') !== ref.artifactType)
      warnings.push(
        `The ${source === 'referrers-api' ? 'referrers API' : `tag ${fallback}`} lists ${short(ref.digest)} ` +
          `as ${entry.artifactType ? `"${entry.artifactType}"` : 'without an artifactType'}; the manifest ` +
          `itself says "${ref.artifactType}".`,
      );
    referrers.push(ref);
  }
  for (const suffix of ['sig', 'att', 'sbom'] as const) {
    const tag = cosignTag(digest, suffix);
    const head = await client.headManifest({ ...r, tag }, options);
    if (!head) continue;
    const m = await client.getManifest({ ...r, tag }, options);
    if (!isImageManifest(m.json)) {
      warnings.push(`The cosign tag ${tag} holds an index, not an image manifest; left out.`);
      continue;
    }
    referrers.push({ ...toReferrer(m as Referrer['manifest'], 'cosign-tag', tag), cosign: suffix });
  }
  return { subject: digest, api: fromApi !== null, referrers, warnings };
}

async function readChild(
  client: RegistryClient,
  r: { registry: string; repository: string },
  digest: string,
  options: CallOptions,
  warnings: string[],
): Promise<Referrer['manifest'] | undefined> {
  try {
    const m = await client.getManifest({ ...r, digest }, options);
    if (isImageManifest(m.json)) return m as Referrer['manifest'];
    warnings.push(`The referrer ${short(digest)} is an index, not an artifact manifest; left out.`);
  } catch (e) {
    // A referrer that cannot be read is reported, never silently trusted or dropped.
    warnings.push(`The referrer ${short(digest)} could not be read: ${(e as Error).message}`);
  }
  return undefined;
}

function toReferrer(m: Referrer['manifest'], source: ReferrerSource, tag?: string): Referrer {
  const json = m.json;
  return {
    digest: m.digest,
    mediaType: m.mediaType,
    artifactType: json.artifactType || json.config?.mediaType || '',
    layerTypes: json.layers.map((l) => l.mediaType),
    annotations: json.annotations ?? {},
    subject: json.subject?.digest,
    source,
    tag,
    manifest: m,
  };
}

function short(digest: string): string {
  return digest.slice(0, 19);
}
