import semver from '../version/semver';
import { versionOfImageTag } from '../version/order';

/**
 * The release before an image under the tag scheme: for a version tag, the newest stable version below it; for
 * any other tag, the version tag it shares a digest with stands for it, else it is compared with the newest
 * stable release (a candidate against what is out). Prereleases are never "the previous release".
 */
export function previousRelease(
  versionTags: ReadonlyArray<{ tag: string; digest: string }>,
  current: { tag?: string; digest: string },
  prefix: string,
): { tag: string; version: string; why: string } | { none: string } {
  const stable = versionTags
    .map((t) => ({ ...t, version: versionOfImageTag(t.tag, prefix) }))
    .filter((t): t is typeof t & { version: string } => Boolean(t.version) && semver.prerelease(t.version!) === null)
    .sort((a, b) => semver.rcompare(a.version, b.version));
  const own = current.tag ? versionOfImageTag(current.tag, prefix) : undefined;
  const same = versionTags
    .map((t) => ({ ...t, version: versionOfImageTag(t.tag, prefix) }))
    .filter((t) => t.digest === current.digest && t.version)
    .sort((a, b) => semver.rcompare(a.version!, b.version!))[0];
  const pivot = own ?? same?.version;
  if (pivot) {
    const below = stable.find((t) => semver.rcompare(t.version, pivot) > 0 && t.digest !== current.digest);
    if (!below) return { none: `no release below ${prefix}${pivot} under the tag scheme (prefix "${prefix}")` };
    return {
      ...below,
      why: `the newest stable version tag below ${prefix}${pivot}${own ? '' : ` (which ${current.tag ?? current.digest} is)`}`,
    };
  }
  const newest = stable.find((t) => t.digest !== current.digest);
  if (!newest) return { none: `no stable version tag (${prefix}X.Y.Z) to compare with` };
  return { ...newest, why: `the newest release (${current.tag ?? 'this image'} is not a release itself)` };
}
