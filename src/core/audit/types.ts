/**
 * What the audit needs from the registry: tags of a repository and, per reference, its digest, real platforms
 * (never attestation manifests) and labels. The registry engine's RegistryClient satisfies it (see source.ts);
 * the shape is structural so the audit's logic is testable on its own.
 */
export interface AuditImage {
  digest: string;
  platforms: Array<{ platform: string }>;
  labels: Record<string, string>;
}

export interface ImageSource {
  listTags(repository: string): Promise<string[]>;
  inspect(reference: string): Promise<AuditImage>;
}

export type FindingKind =
  | 'half-release'
  | 'image-without-release'
  | 'missing-platform'
  | 'moving-tag'
  | 'revision-mismatch'
  | 'version-mismatch'
  | 'latest-release';

export interface Finding {
  kind: FindingKind;
  /** One sentence: what is inconsistent. */
  message: string;
  /** What to do about it. */
  action: string;
  version?: string;
  /** The objects involved, named the way their systems name them. */
  objects: {
    gitTag?: { name: string; commit: string };
    release?: { tag: string; url: string; draft: boolean; prerelease: boolean };
    imageTag?: { reference: string; digest?: string };
    [other: string]: unknown;
  };
}

export interface AuditReport {
  image: string;
  /** Versions seen anywhere (git tags, Releases, image tags), newest first. */
  versions: string[];
  findings: Finding[];
  /** Sources that could not be read, and why (e.g. the Packages API without read:packages). */
  notes: string[];
}
