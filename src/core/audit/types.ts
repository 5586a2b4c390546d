import type { ReadinessReport } from '../report';

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
  | 'mixed-prefix'
  | 'half-release'
  | 'image-without-release'
  | 'missing-platform'
  | 'moving-tag'
  | 'revision-mismatch'
  | 'version-mismatch'
  | 'latest-release';

export interface Finding {
  kind: FindingKind;
  /** error (the default) blocks; warning is said and does not (a clear majority of tags follows one prefix). */
  severity?: 'error' | 'warning';
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

/**
 * The audit as a readiness report (its checks: release consistency, platforms, labels, tag scheme), with the
 * fields `audit --json` always had.
 */
export interface AuditReport extends ReadinessReport {
  image: string;
  /** Versions seen anywhere (git tags, Releases, image tags), newest first. */
  versions: string[];
  findings: Finding[];
  /** Sources that could not be read, and why (e.g. the Packages API without read:packages). */
  notes: string[];
  /** Things examined by all checks together; 0: nothing was checked. */
  checked: number;
}
