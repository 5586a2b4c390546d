import { escapeRegExp } from './regexp';
import semver from './semver';

/** The version an image tag names under the prefix (v1.2.3 -> 1.2.3), or undefined for moving and other tags. */
export function versionOfImageTag(tag: string, imagePrefix: string): string | undefined {
  if (!tag.startsWith(imagePrefix)) return undefined;
  return semver.valid(tag.slice(imagePrefix.length)) ?? undefined;
}

/** A moving tag of the scheme (`latest`, X, X.Y with the prefix) with its numbers; undefined for any other tag. */
export function movingTagOf(tag: string, imagePrefix: string): { major?: number; minor?: number } | undefined {
  if (tag === 'latest') return {};
  const m = new RegExp(`^${escapeRegExp(imagePrefix)}(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*))?$`).exec(tag);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: m[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * The one order of image tags every face shows: `latest`, the other moving tags newest first (X before its X.Y),
 * the version tags newest first (semver order), then every other tag by name (code-point order: the same on
 * every machine, whatever its locale).
 */
export function compareImageTags(imagePrefix: string): (a: string, b: string) => number {
  const key = (t: string) => {
    const moving = movingTagOf(t, imagePrefix);
    if (moving) return { group: moving.major === undefined ? 0 : 1, moving, version: undefined };
    const version = versionOfImageTag(t, imagePrefix);
    return { group: version ? 2 : 3, moving: undefined, version };
  };
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    if (x.group !== y.group) return x.group - y.group;
    if (x.moving && y.moving) {
      const d = (y.moving.major ?? 0) - (x.moving.major ?? 0);
      if (d) return d;
      const minor = (m: { minor?: number }) => m.minor ?? Infinity;
      if (minor(y.moving) !== minor(x.moving)) return minor(y.moving) > minor(x.moving) ? 1 : -1;
    }
    if (x.version && y.version) {
      const d = semver.rcompare(x.version, y.version);
      if (d) return d;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  };
}

export function sortImageTags(tags: readonly string[], imagePrefix: string): string[] {
  return [...tags].sort(compareImageTags(imagePrefix));
}
