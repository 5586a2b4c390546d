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
  const s = splitParsed(tag);
  return s && { prefix: s.prefix, version: s.parsed.version };
}

/** splitVersionTag with the version parsed (once: a registry's thousands of tags are split on the editor's thread). */
function splitParsed(tag: string): { prefix: string; parsed: SemVer } | undefined {
  const m = VERSION_TAG.exec(tag);
  if (!m) return undefined;
  const parsed = semver.parse(m[2]);
  return parsed === null ? undefined : { prefix: m[1] ?? '', parsed };
}

/** The `n` newest of a list, newest first, in one pass (sorting thousands of versions for three cost milliseconds). */
function newest<T extends { version: SemVer }>(list: readonly T[], n: number): T[] {
  const top: T[] = [];
  for (const e of list) {
    if (top.length === n && semver.rcompareParsed(e.version, top[n - 1].version) >= 0) continue;
    let i = top.length;
    while (i > 0 && semver.rcompareParsed(e.version, top[i - 1].version) < 0) i--;
    top.splice(i, 0, e);
    if (top.length > n) top.pop();
  }
  return top;
}

const rank = (p: string) => (p === 'v' ? 0 : p === '' ? 1 : 2);

export function inferPrefix(tags: Iterable<string>): PrefixInference {
  // Each tag split and its version parsed once (a registry may hold thousands: the editor's thread waits on this).
  const byPrefix = new Map<string, Array<{ tag: string; version: SemVer }>>();
  for (const t of tags) {
    const s = splitParsed(t);
    if (!s) continue;
    let list = byPrefix.get(s.prefix);
    if (!list) byPrefix.set(s.prefix, (list = []));
    list.push({ tag: t, version: s.parsed });
  }
  const schemes = [...byPrefix]
    .map(([prefix, list]) => ({
      prefix,
      count: list.length,
      examples: newest(list, 3).map((e) => e.tag),
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
