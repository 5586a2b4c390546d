import type { ReleaseOperatorConfig } from '../config/schema';
import { describeError, isReleaseOperatorError } from '../errors';
import type { GitTag } from '../git/repo';
import { type GitHubClient, type RepoRef, listPackageVersions, listReleases, type Release } from '../github';
import { auditRelease } from './audit';
import type { AuditReport, ImageSource } from './types';

export interface GatherInput {
  image: string;
  gitTags: GitTag[];
  config: ReleaseOperatorConfig;
  source: ImageSource;
  /** GitHub, when a token and a repository are known; otherwise `githubUnavailable` says why. */
  github?: { client: GitHubClient; repo: RepoRef };
  githubUnavailable?: string;
  signal?: AbortSignal;
}

/**
 * Collects the facts the audit compares: Releases from GitHub, image tags from the registry and, for ghcr.io,
 * from the GitHub Packages API too (a tag either source knows counts). A source that cannot be read becomes a
 * note; the registry being unreachable is an error (the audit would be meaningless without it).
 */
export async function gatherAndAudit(input: GatherInput): Promise<AuditReport> {
  const notes: string[] = [];
  let releases: Release[] = [];
  if (input.github) releases = await listReleases(input.github.client, input.github.repo, input.signal);
  else notes.push(`GitHub Releases not read: ${input.githubUnavailable ?? 'no GitHub repository'}`);

  const tags = new Set<string>();
  try {
    for (const t of await input.source.listTags(input.image)) tags.add(t);
  } catch (e) {
    // A repository that does not exist yet has no tags: every release of it is then a half release.
    if (!(isReleaseOperatorError(e) && e.kind === 'check')) throw e;
    notes.push(`registry: ${describeError(e).split('\n')[0]}`);
  }
  const ghcr = /^ghcr\.io\/([^/]+)\/(.+)$/.exec(input.image);
  if (ghcr && input.github) {
    const r = await listPackageVersions(input.github.client, ghcr[1], ghcr[2], input.signal);
    if ('versions' in r) for (const v of r.versions) for (const t of v.tags) tags.add(t);
    else notes.push(`GitHub Packages not read (a second source of image tags): ${r.unavailable}`);
  }
  return auditRelease(
    {
      image: input.image,
      gitTags: input.gitTags,
      releases,
      imageTags: [...tags],
      releasesKnown: Boolean(input.github),
      notes,
    },
    { tags: input.config.tags, requiredPlatforms: input.config.requiredPlatforms, source: input.source },
  );
}
