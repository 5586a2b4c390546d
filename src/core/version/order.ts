import type { SemVer } from 'semver';
import { escapeRegExp } from './regexp';
import semver from './semver';

/** The version an image tag names under the prefix (v1.2.3 -> 1.2.3), or undefined for moving and other tags. */
export function versionOfImageTag(tag: string, imagePrefix: string): string | undefined {
  if (!tag.startsWith(imagePrefix)) return undefined;
  return semver.valid(tag.slice(imagePrefix.length)) ?? undefined;
}

/** X and X.Y under the prefix (`latest` aside): the moving tags' own shape. */
const movingPattern = (imagePrefix: string) =>
  new RegExp(`^${escapeRegExp(imagePrefix)}(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*))?$`);

/** A moving tag of the scheme (`latest`, X, X.Y with the prefix) with its numbers; undefined for any other tag. */
export function movingTagOf(tag: string, imagePrefix: string): { major?: number; minor?: number } | undefined {
  if (tag === 'latest') return {};
  const m = movingPattern(imagePrefix).exec(tag);
  return m ? movingNumbers(m) : undefined;
}

const movingNumbers = (m: RegExpExecArray) => ({
  major: Number(m[1]),
  minor: m[2] === undefined ? undefined : Number(m[2]),
});

/**
 * The one order of image tags every face shows: `latest`, the other moving tags newest first (X before its X.Y),
 * the version tags newest first (semver order), then every other tag by name (code-point order: the same on
 * every machine, whatever its locale).
 */
export function compareImageTags(imagePrefix: string): (a: string, b: string) => number {
  // Each tag's place worked out once per comparer (a sort of thousands of tags compares each one many times).
  const moving = movingPattern(imagePrefix);
  const keys = new Map<string, TagKey>();
  const key = (t: string): TagKey => {
    let k = keys.get(t);
    if (k) return k;
    const m = moving.exec(t);
    if (t === 'latest') k = { group: 0, moving: {} };
    else if (m) k = { group: 1, moving: movingNumbers(m) };
    else {
      // Parsed once (versionOfImageTag and then parse would parse it twice).
      const version = t.startsWith(imagePrefix) ? semver.parse(t.slice(imagePrefix.length)) : null;
      k = version ? { group: 2, version } : { group: 3 };
    }
    keys.set(t, k);
    return k;
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
      const d = semver.rcompareParsed(x.version, y.version);
      if (d) return d;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  };
}

interface TagKey {
  /** 0 latest, 1 another moving tag, 2 a version tag, 3 any other. */
  group: number;
  moving?: { major?: number; minor?: number };
  version?: SemVer;
}

export function sortImageTags(tags: readonly string[], imagePrefix: string): string[] {
  return [...tags].sort(compareImageTags(imagePrefix));
}
