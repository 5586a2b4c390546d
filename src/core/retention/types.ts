import type { EdgeRole } from './graph';

/** Why a tag stays. */
export type KeepKind =
  'release' | 'moving' | 'protected' | 'no-rule' | 'rule' | 'age-unknown' | 'artifact' | 'artifact-of-untagged';

export interface KeptTag {
  tag: string;
  digest: string;
  kind: KeepKind;
  reason: string;
}

export interface DeletedTag {
  tag: string;
  digest: string;
  reason: string;
  /** The rule that let it go (absent for artifact tags, which follow their subject). */
  rule?: string;
}

/**
 * One step of the plan. 'delete-manifest': the manifest goes, with every tag on it (all of them deleted tags);
 * 'untag': only the tags go, because the manifest is kept (another tag or a kept index still needs it).
 */
export interface PlannedDeletion {
  action: 'delete-manifest' | 'untag';
  digest: string;
  tags: string[];
  /** 'image' for a manifest a deleted tag pointed at; else how it hangs off its parent. */
  role: 'image' | EdgeRole;
  reason: string;
  /** The deleted manifest whose deletion orphans this one (children, attestations, signatures, referrers). */
  parent?: string;
  platform?: string;
  /** 0 for what tags point at; children one deeper: a parent always goes before its children. */
  depth: number;
  /** GitHub Packages: the package version of the manifest. */
  versionId?: number;
}

export type PruneBackend = 'registry' | 'github-packages';

/** The GitHub package behind a ghcr.io image (packages backend only). */
export interface PlannedPackage {
  owner: { kind: 'org'; org: string } | { kind: 'user'; login?: string };
  name: string;
  visibility?: string;
}

export interface PrunePlan {
  repository: string;
  backend: PruneBackend;
  package?: PlannedPackage;
  /** ISO time of the injected clock when planned: ages are counted from it. */
  plannedAt: string;
  /** The rules in words, then what is always kept. */
  policy: string[];
  /** Where the image tag prefix of the releases came from (configured, inferred from the tags, or the default). */
  basis: import('../report').Basis[];
  counts: {
    tags: number;
    keptTags: number;
    deletedTags: number;
    manifests: number;
    deletedManifests: number;
    untaggedOnly: number;
  };
  kept: KeptTag[];
  deletedTags: DeletedTag[];
  /** In the order they are applied: untags, then manifests parents first. */
  deletions: PlannedDeletion[];
  notes: string[];
  /** Every tag with the digest it pointed at when planned: applying refuses when the repository has moved on. */
  snapshot: Record<string, string>;
  /** Digests of every kept manifest (what kept tags reach): none of them is ever deleted. */
  keptDigests: string[];
}

export interface DeletionOutcome {
  deletion: PlannedDeletion;
  /** 'skipped': not tried, because the manifest it hangs off could not be deleted (or the run stopped). */
  status: 'deleted' | 'already-gone' | 'failed' | 'skipped';
  /** How: DELETE by tag, a unique empty manifest pushed to the tag and deleted, DELETE by digest, or a package version. */
  method?: 'tag-delete' | 'empty-manifest' | 'digest-delete' | 'package-version';
  detail?: string;
}

/** What the GitHub Packages backend adds: how to undo, and what GitHub did not allow. */
export interface PackagesApplyInfo {
  /** `gh api -X POST .../versions/ID/restore` per deleted version: GitHub keeps them 30 days. */
  restore: string[];
  /** Milliseconds spent waiting to stay under GitHub's deletion rate. */
  pacedMs: number;
}

export interface PruneResult {
  plan: PrunePlan;
  outcomes: DeletionOutcome[];
  counts: { deleted: number; alreadyGone: number; failed: number; skipped: number };
  /** Every kept tag resolved again with all its platforms (the readiness report's shape). */
  verification: import('../report').CheckResult;
  /** GitHub Packages: how to restore each deleted version within 30 days. */
  restore?: string[];
  notes: string[];
}
