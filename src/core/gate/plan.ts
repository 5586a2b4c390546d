import type { ReleaseOperatorConfig } from '../config/schema';
import { parseReference, repositoryName, type RegistryClient } from '../registry';
import { planRelease, type HeldTag, type PlannedTag } from '../version/plan';
import { resolveScheme, type TagScheme } from '../version/scheme';
import semver from '../version/semver';

/** The tags a release writes, in the order they are written, and the moving tags a newer release keeps. */
export interface ReleaseTags {
  /** The version tag first, the commit tag, the moving tags last. */
  tags: PlannedTag[];
  held: Array<Pick<HeldTag, 'tag' | 'stays'>>;
  /** The tag scheme the plan used (the image prefix configured or inferred from the registry's tags). */
  scheme: TagScheme;
}

const RANK: Record<PlannedTag['kind'], number> = { version: 0, sha: 1, minor: 2, major: 3, latest: 4 };

/**
 * The version engine's plan (history-aware: a backport never moves `latest` or the major tag) over the tags the
 * registry has, in the order assemble writes them.
 */
export function releaseTags(
  version: string,
  commit: string | undefined,
  tags: ReleaseOperatorConfig['tags'],
  existingTags: readonly string[],
): ReleaseTags {
  const scheme = resolveScheme(tags, { imageTags: existingTags });
  const released = existingTags.flatMap((t) =>
    t.startsWith(scheme.imagePrefix) ? (semver.valid(t.slice(scheme.imagePrefix.length)) ?? []) : [],
  );
  const plan = planRelease(version, commit, scheme, released);
  return {
    tags: [...plan.tags].sort((a, b) => RANK[a.kind] - RANK[b.kind]),
    held: plan.held.map(({ tag, stays }) => ({ tag, stays })),
    scheme,
  };
}

/** The version tag of a version under an image prefix (1.2.3 -> v1.2.3). */
export function versionTag(version: string, imagePrefix: string): string {
  return `${imagePrefix}${semver.valid(version) ?? version}`;
}

/**
 * The reference of a version's published image: IMAGE:<version tag> under the image prefix configured, or the one
 * the registry's tags show (an unreadable tag list leaves the configured or default prefix).
 */
export async function versionReference(
  image: string,
  version: string,
  tags: ReleaseOperatorConfig['tags'],
  registry: Pick<RegistryClient, 'listTags'>,
  signal?: AbortSignal,
): Promise<string> {
  const existing = await registry
    .listTags(repositoryName(parseReference(image)), { signal })
    .catch(() => [] as string[]);
  return `${image}:${versionTag(version, resolveScheme(tags, { imageTags: existing }).imagePrefix)}`;
}
