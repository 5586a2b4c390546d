import type { ArchiveLimits } from '../archive';
import type { GitHubClient, Release, RepoRef } from '../github';
import type { ArchiveResult, PlatformResult } from '../glibc';
import type { Logger } from '../log';
import type { CheckResult } from '../report';
import type { AssetPolicy, AssetPolicySources } from './policy';

export interface ReleaseAssetsRequest {
  repo: RepoRef;
  tag: string;
  /** Only assets whose names match one of these globs (CLI --asset); the others are listed as not selected. */
  select?: readonly string[];
  policies: AssetPolicySources;
}

export interface ReleaseAssetsDeps {
  github: GitHubClient;
  limits?: ArchiveLimits;
  signal?: AbortSignal;
  logger?: Logger;
}

/** What became of one asset. */
export interface AssetResult {
  name: string;
  size: number;
  status: 'checked' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  reason?: string;
  archive?: ArchiveResult;
  platforms?: PlatformResult[];
  policy?: AssetPolicy;
  /** The asset name's architecture, when it names one. */
  arch?: string;
}

export interface ReleaseAssetsOutcome {
  release?: Release;
  assets: AssetResult[];
  /** One row per checked asset, then the Release's row (Linux binaries examined in all; skipped assets as notes). */
  checks: CheckResult[];
}
