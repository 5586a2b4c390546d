import type { SemVer } from 'semver';
import semver from './semver';

/**
 * Which prefix version tags carry (`v1.2.3`, `1.2.3`, `app-v1.2.3`), read from the tags themselves: the scheme
 * most version-shaped tags follow. Only full versions count (X.Y.Z, prereleases too); moving tags (`1.2`, `1`,
 * `latest`) and other names (`main`, `sha-1a2b3c4`) say nothing about the prefix.
 */
export interface PrefixInference {
  /** The prefix most version tags follow; undefined when no tag is version-shaped. */
  prefix?: string;
  /** Version-shaped tags seen, whatever their prefix. */
  total: number;
  /** Of them, how many follow `prefix`. */
  following: number;
  /** Every prefix seen, most followed first (ties: "v", then none, then by name), with a few examples each. */
  schemes: Array<{ prefix: string; count: number; examples: string[] }>;
  /** Version tags follow more than one prefix. */
  mixed: boolean;
  /** Mixed, and no prefix is followed by at least twice as many tags as the next: the pick is a guess. */
  ambiguous: boolean;
}

// The version starts at the first digit after the prefix; a prefix never ends in a digit or a dot, so the split
// is unambiguous (`v1.2.3` is "v" + 1.2.3, never "v1." + ...).
const VERSION_TAG = /^(.*?[^0-9.])?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/** A tag split into its prefix and its semver version, or undefined when it is not version-shaped. */
export function splitVersionTag(tag: string): { prefix: string; version: string } | undefined {
  const m = VERSION_TAG.exec(tag);
  if (!m) return undefined;
  const version = semver.valid(m[2]);
  return version === null ? undefined : { prefix: m[1] ?? '', version };
}

const rank = (p: string) => (p === 'v' ? 0 : p === '' ? 1 : 2);

export function inferPrefix(tags: Iterable<string>): PrefixInference {
  // Each tag split and its version parsed once (a registry may hold thousands: the editor's thread waits on this).
  const byPrefix = new Map<string, Array<{ tag: string; version: SemVer }>>();
  for (const t of tags) {
    const s = splitVersionTag(t);
    if (!s) continue;
    let list = byPrefix.get(s.prefix);
    if (!list) byPrefix.set(s.prefix, (list = []));
    list.push({ tag: t, version: semver.parse(s.version)! });
  }
  const schemes = [...byPrefix]
    .map(([prefix, list]) => ({
      prefix,
      count: list.length,
      examples: [...list]
        .sort((a, b) => semver.rcompare(a.version, b.version))
        .slice(0, 3)
        .map((e) => e.tag),
    }))
    .sort((a, b) => b.count - a.count || rank(a.prefix) - rank(b.prefix) || (a.prefix < b.prefix ? -1 : 1));
  const total = schemes.reduce((n, s) => n + s.count, 0);
  const [first, second] = schemes;
  return {
    prefix: first?.prefix,
    total,
    following: first?.count ?? 0,
    schemes,
    mixed: schemes.length > 1,
    ambiguous: Boolean(second && first.count < 2 * second.count),
  };
}

/** A prefix in words: `no prefix`, `prefix "v"`. */
export function describePrefix(prefix: string): string {
  return prefix === '' ? 'no prefix' : `prefix "${prefix}"`;
}
