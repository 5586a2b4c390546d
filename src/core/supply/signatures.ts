/**
 * From what was found (referrers, cosign tags, GitHub's attestations API) to signature items with verdicts: each
 * blob is read, verified (supply/verify.ts), and its signed payload must name the manifest it was found for
 * (a signature copied from another image, or a payload whose digest was changed, is invalid). Unsigned artifacts
 * (a bare SBOM referrer) are listed apart: they are not signatures.
 */
import type { CallOptions, RegistryClient } from '../registry';
import type { Referrer, ReferrerDiscovery } from '../registry';
import type { ImageReference } from '../registry';
import type { GitHubAttestation } from './github-attestations';
import { IN_TOTO_PAYLOAD, parseStatement, str } from './intoto';
import { isProvenance, summarizeProvenance } from './provenance';
import { isSbom } from './sbom';
import type { SignatureItem, SignatureSummary, SubjectRef } from './types';
import { verifyCandidate, type Candidate, type VerifyContext, type VerifyOutcome } from './verify';

const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';
const BUNDLE_TYPE = /^application\/vnd\.dev\.sigstore\.bundle(\.v\d+\.\d+)?\+json/;
/** cosign v3 signs images as an in-toto statement of this type inside a bundle. */
const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

/** What a digest is in the image being checked. */
export interface DigestMap {
  index?: string;
  platforms: Array<{ platform: string; digest: string }>;
}

function subjectRef(digest: string, map: DigestMap): SubjectRef {
  if (digest === map.index) return { digest, is: 'index' };
  const p = map.platforms.find((x) => x.digest === digest);
  return p ? { digest, is: 'platform', platform: p.platform } : { digest, is: 'other' };
}

/** An artifact that refers to the image but carries no signature (a bare SBOM, an unsigned statement). */
export interface UnsignedArtifact {
  digest: string;
  artifactType: string;
  attachedTo: SubjectRef;
  where: string;
  sbom: boolean;
}

export async function referrerItems(
  client: RegistryClient,
  repo: Pick<ImageReference, 'registry' | 'repository'>,
  found: ReferrerDiscovery,
  map: DigestMap,
  ctx: VerifyContext,
  options: CallOptions = {},
): Promise<{ items: SignatureItem[]; unsigned: UnsignedArtifact[] }> {
  const attachedTo = subjectRef(found.subject, map);
  const items: SignatureItem[] = [];
  const unsigned: UnsignedArtifact[] = [];
  for (const r of found.referrers) {
    const where = whereOf(r);
    const layers = r.manifest.json.layers;
    let signed = false;
    for (const layer of layers) {
      let candidate: Candidate | undefined;
      let kind: SignatureItem['kind'] | undefined;
      if (r.cosign === 'sig' && layer.mediaType === SIMPLE_SIGNING) {
        candidate = {
          form: 'cosign-sig',
          payload: await client.getBlob(repo, layer.digest, options),
          annotations: layer.annotations ?? {},
        };
        kind = 'cosign-signature';
      } else if (layer.mediaType === DSSE_ENVELOPE) {
        candidate = {
          form: 'cosign-att',
          envelope: json(await client.getBlob(repo, layer.digest, options)),
          annotations: layer.annotations ?? {},
        };
        kind = 'cosign-attestation';
      } else if (BUNDLE_TYPE.test(layer.mediaType) || BUNDLE_TYPE.test(r.artifactType)) {
        candidate = { form: 'bundle', json: json(await client.getBlob(repo, layer.digest, options)) };
        kind = 'sigstore-bundle';
      }
      if (!candidate || !kind) continue;
      signed = true;
      items.push(
        toItem(kind, where, r.digest, attachedTo, verifyCandidate(candidate, ctx), map, ctx.policy.predicateType),
      );
    }
    if (!signed)
      unsigned.push({
        digest: r.digest,
        artifactType: r.artifactType || layers.map((l) => l.mediaType).join(', '),
        attachedTo,
        where,
        sbom:
          r.cosign === 'sbom' || layers.some((l) => isSbomMediaType(l.mediaType)) || isSbomMediaType(r.artifactType),
      });
  }
  return { items, unsigned };
}

export function githubItems(
  found: GitHubAttestation[],
  digest: string,
  map: DigestMap,
  ctx: VerifyContext,
): SignatureItem[] {
  const attachedTo = subjectRef(digest, map);
  return found.map((a) =>
    a.bundle === undefined
      ? {
          kind: 'github-attestation' as const,
          where: 'GitHub attestations API',
          attachedTo,
          subjects: [],
          verdict: 'unverified' as const,
          reason: a.problem ?? 'no bundle',
          countsForPolicy: false,
        }
      : toItem(
          'github-attestation',
          'GitHub attestations API',
          undefined,
          attachedTo,
          verifyCandidate({ form: 'bundle', json: a.bundle }, ctx),
          map,
          ctx.policy.predicateType,
        ),
  );
}

/** The item, with the signed payload checked against the digest it was found for. */
function toItem(
  kind: SignatureItem['kind'],
  where: string,
  digest: string | undefined,
  attachedTo: SubjectRef,
  o: VerifyOutcome,
  map: DigestMap,
  predicateType: string,
): SignatureItem {
  const item: SignatureItem = {
    kind,
    where,
    digest,
    attachedTo,
    subjects: [],
    verdict: o.verdict,
    reason: o.reason,
    signer: o.signer,
    countsForPolicy: false,
  };
  if (!o.payload) return item;
  if (o.payloadType && o.payloadType !== IN_TOTO_PAYLOAD) {
    return { ...item, verdict: 'invalid', reason: `the envelope carries ${o.payloadType}, not an in-toto statement` };
  }
  if (o.payloadType) {
    const st = parseStatement(o.payload);
    if (typeof st === 'string') return downgrade(item, `the signed payload is ${st}`);
    item.subjects = st.subjects.map((d) => subjectRef(d, map));
    item.predicateType = st.predicateType;
    item.countsForPolicy = st.predicateType === COSIGN_SIGN_PREDICATE || st.predicateType === predicateType;
    if (isProvenance(st.predicateType)) item.provenance = summarizeProvenance(st.predicateType, st.predicate);
    if (!st.subjects.includes(attachedTo.digest))
      return downgrade(
        item,
        `the signed statement is about ${st.subjects.map(short).join(', ') || 'nothing'}, not ${short(attachedTo.digest)} it is attached to`,
      );
    return item;
  }
  // cosign's simple signing: critical.image.docker-manifest-digest names what was signed.
  const signedDigest = str(json(o.payload), 'critical', 'image', 'docker-manifest-digest');
  item.countsForPolicy = true;
  item.subjects = signedDigest ? [subjectRef(signedDigest, map)] : [];
  if (signedDigest !== attachedTo.digest)
    return downgrade(
      item,
      `the signed payload names ${signedDigest ? short(signedDigest) : 'no digest'}, not ` +
        `${short(attachedTo.digest)} it is attached to (a copied signature or a tampered digest)`,
    );
  return item;
}

/** A subject mismatch makes even a good signature invalid: it vouches for something else. */
function downgrade(item: SignatureItem, why: string): SignatureItem {
  return {
    ...item,
    verdict: item.verdict === 'unverified' ? 'unverified' : 'invalid',
    reason: item.verdict === 'unverified' ? `${item.reason}; and ${why}` : why,
  };
}

/**
 * One verdict for a subject: a verified signature (or attestation of the policy's type) wins; otherwise the most
 * telling failure: identity mismatch, then invalid, then unverified; nothing at all is absent.
 */
export function summarize(items: SignatureItem[], predicateType: string): SignatureSummary {
  const counting = items.filter((i) => i.countsForPolicy || i.verdict !== 'verified');
  const first = (v: SignatureItem['verdict']) => counting.find((i) => i.verdict === v);
  const decided = first('verified') ?? first('identity-mismatch') ?? first('invalid') ?? first('unverified');
  if (decided)
    return {
      verdict: decided.verdict,
      reason: `${decided.kind} (${decided.where}): ${decided.reason}`,
      decidedBy: decided,
    };
  const others = items.filter((i) => i.verdict === 'verified').map((i) => i.predicateType ?? i.kind);
  return {
    verdict: 'absent',
    reason: others.length
      ? `no signature and no ${predicateType} attestation; only verified ${others.join(', ')}`
      : 'no signature or attestation found',
  };
}

function whereOf(r: Referrer): string {
  if (r.source === 'referrers-api') return 'referrers API';
  return `tag ${r.tag}`;
}

function isSbomMediaType(t: string): boolean {
  return /spdx|cyclonedx/i.test(t) || isSbom(t);
}

function json(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function short(d: string): string {
  return d.slice(0, 19);
}
