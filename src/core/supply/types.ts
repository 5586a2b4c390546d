/** Shapes of the supply-chain report: per platform, who built it from what, what is inside, and who signed it. */

export const PREDICATE = {
  slsaV02: 'https://slsa.dev/provenance/v0.2',
  slsaV1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
} as const;

/** What a build's provenance says, reduced to what an operator asks about. */
export interface ProvenanceSummary {
  predicateType: string;
  /** 'buildkit' (BuildKit's own), 'github' (actions/attest-build-provenance), 'other'. */
  flavour: 'buildkit' | 'github' | 'other';
  builder?: string;
  buildType?: string;
  /** The event that started the build (push, release, workflow_dispatch), when the provenance says. */
  trigger?: string;
  /** The workflow that built it: path and ref (GitHub provenance), or the run URL BuildKit was given. */
  workflow?: { repository?: string; path?: string; ref?: string; run?: string };
  /** The source repository and commit the build came from. */
  source: { repository?: string; commit?: string; ref?: string; from?: string };
  /** Build arguments (build-arg:NAME) and the target; labels and internal keys left out. */
  buildArgs: Record<string, string>;
  /** Images the build used (FROM), with the digest they resolved to. */
  baseImages: Array<{ name: string; digest?: string; platform?: string }>;
  invocationId?: string;
  startedOn?: string;
  finishedOn?: string;
}

export interface SbomPackage {
  name: string;
  version?: string;
  purl?: string;
}

export interface SbomSummary {
  format: 'spdx' | 'cyclonedx';
  /** The SBOM's own tool or creator line, when it names one. */
  generator?: string;
  packageCount: number;
  packages: SbomPackage[];
}

/** Where a signature or attestation was found and what it is about. */
export type SignatureKind = 'cosign-signature' | 'cosign-attestation' | 'sigstore-bundle' | 'github-attestation';

/**
 * - verified: the signature was checked cryptographically against the trust material and the policy holds;
 * - unverified: present, but it could not be checked (no trusted root or key, a form this product does not read);
 * - absent: nothing was found;
 * - invalid: checked and wrong (bad signature, tampered payload, a subject that is not this image, an expired
 * certificate);
 * - identity-mismatch: cryptographically sound, but signed by someone the policy does not accept.
 */
export type SignatureVerdict = 'verified' | 'unverified' | 'absent' | 'invalid' | 'identity-mismatch';

export interface SubjectRef {
  digest: string;
  /** What the digest is in this image: the index, one platform's manifest, or something else. */
  is: 'index' | 'platform' | 'other';
  platform?: string;
}

export interface SignerInfo {
  /** Certificate SAN (keyless) or the key's name (keyed). */
  identity?: string;
  issuer?: string;
  sourceRepository?: string;
  sourceRef?: string;
  sourceDigest?: string;
  key?: string;
}

export interface SignatureItem {
  kind: SignatureKind;
  /** Where it was found: "referrers API", "tag sha256-….sig", "GitHub attestations API". */
  where: string;
  /** The manifest (or API entry) that carries it. */
  digest?: string;
  /** The digest it was found for (the referrers' subject, the cosign tag's digest, the API query). */
  attachedTo: SubjectRef;
  /** The digests its signed payload names (statement subjects, cosign's docker-manifest-digest). */
  subjects: SubjectRef[];
  predicateType?: string;
  verdict: SignatureVerdict;
  reason: string;
  signer?: SignerInfo;
  /** True when it counts for the policy (a signature, or an attestation of the policy's predicate type). */
  countsForPolicy: boolean;
  /** The provenance inside a verified GitHub/Sigstore attestation, for the cross-check. */
  provenance?: ProvenanceSummary;
}

export interface SignatureSummary {
  verdict: SignatureVerdict;
  reason: string;
  /** The item that decided the verdict. */
  decidedBy?: SignatureItem;
}

export interface PlatformSupplyChain {
  platform: string;
  digest: string;
  revisionLabel?: string;
  /** BuildKit's provenance attestation for this platform, summarised. */
  provenance?: ProvenanceSummary;
  sbom?: SbomSummary;
  /** What went wrong reading its attestations (unreadable layer, statement about another digest). */
  problems: string[];
  signatures: SignatureItem[];
  signature: SignatureSummary;
}

export type TrustRootState = 'ok' | 'missing' | 'stale' | 'invalid';

export interface TrustStatus {
  state: TrustRootState;
  /** The file the trusted root was read from (the configured one, or its cached copy). */
  path?: string;
  ageDays?: number;
  reason: string;
  /** Public keys configured for keyed verification. */
  keys: string[];
}

export interface PolicyInfo {
  issuer: string;
  /** A regular expression the certificate SAN must match. */
  identity: string;
  identitySource: 'configured' | 'inferred';
  sourceRepository?: string;
  predicateType: string;
}

export interface CrossCheckFinding {
  /** 'commit' | 'repository' | 'same-commit' | 'workflow'. */
  kind: string;
  platform?: string;
  message: string;
  /** Both values, so a reader sees the difference without re-running. */
  expected?: string;
  found?: string;
}

export interface CrossCheck {
  gitTag?: { name: string; commit?: string };
  repository?: string;
  findings: CrossCheckFinding[];
  /** What was compared, e.g. "provenance commit of linux/amd64 = git tag v1.2.3 commit". */
  compared: string[];
}

export interface SupplyChainReport {
  reference: string;
  repository: string;
  digest: string;
  kind: 'index' | 'manifest';
  platforms: PlatformSupplyChain[];
  /** Signatures and attestations attached to the index itself. */
  indexSignatures: SignatureItem[];
  /** Where referrers were looked up, per digest: 'referrers API' or 'fallback tag'. */
  discovery: Array<{ digest: string; api: boolean; warnings: string[] }>;
  github: { read: boolean; reason: string };
  trust: TrustStatus;
  policy: PolicyInfo;
  crossCheck: CrossCheck;
  searches: Array<{ query: string; matches: Record<string, Array<{ name: string; version?: string }>> }>;
  warnings: string[];
}
