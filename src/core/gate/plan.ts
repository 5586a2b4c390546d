import type { ReleaseOperatorConfig } from '../config/schema';
import semver from '../version/semver';
import { expectedMovingTags, tagPlan, versionOfImageTag, type PlannedTag } from '../version/plan';

/**
 * The tags a release writes, knowing the versions already released: a moving tag (X.Y, X, latest) is written only
 * when no released version it stands for is newer, so a backport never moves `latest` or the major tag. Thin
 * adapter over the version engine's plan; the history-aware plan of the version engine takes its place.
 */
export interface ReleaseTags {
  /** In the order they are written: the version tag first, the commit tag, the moving tags last. */
  tags: PlannedTag[];
  /** Moving tags this release leaves where they are, with the newer version they stay on. */
  held: Array<{ tag: string; stays: string }>;
}

export function releaseTags(
  version: string,
  commit: string | undefined,
  scheme: ReleaseOperatorConfig['tags'],
  existingTags: readonly string[],
): ReleaseTags {
  const released = existingTags.flatMap((t) => versionOfImageTag(t, scheme.imagePrefix) ?? []);
  const all = tagPlan(version, commit, scheme);
  const expected = expectedMovingTags([...released, version], scheme);
  const v = semver.valid(version) ?? version;
  const held: ReleaseTags['held'] = [];
  const tags = all.filter((t) => {
    if (t.kind !== 'minor' && t.kind !== 'major' && t.kind !== 'latest') return true;
    const owner = expected.get(t.tag);
    if (owner === undefined || owner === v) return true;
    held.push({ tag: t.tag, stays: owner });
    return false;
  });
  const rank = { version: 0, sha: 1, minor: 2, major: 3, latest: 4 } as const;
  return { tags: tags.sort((a, b) => rank[a.kind] - rank[b.kind]), held };
}

/** The version tag of a version under the scheme (1.2.3 -> v1.2.3). */
export function versionTag(version: string, scheme: ReleaseOperatorConfig['tags']): string {
  return `${scheme.imagePrefix}${semver.valid(version) ?? version}`;
}
