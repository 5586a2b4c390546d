import type { SemVer } from 'semver';
import semver from './semver';
import type { TagRules } from './scheme';

export type PlannedTagKind = 'version' | 'minor' | 'major' | 'latest' | 'sha';

export interface PlannedTag {
  tag: string;
  kind: PlannedTagKind;
  /** Why this tag gets this version, for tooltips and reports. */
  rule: string;
}

/** A moving tag the release does not move, because a newer release already holds it. */
export interface HeldTag {
  tag: string;
  kind: 'minor' | 'major' | 'latest';
  /** The newer released version the tag stays on. */
  stays: string;
  rule: string;
}

export interface TagPlan {
  version: string;
  /** The tags the release writes, in order. */
  tags: PlannedTag[];
  /** Moving tags it leaves alone: `latest` and X stay on a newer release when a backport ships. */
  held: HeldTag[];
}

type Scheme = Pick<TagRules, 'imagePrefix' | 'minor' | 'major' | 'latest' | 'sha' | 'shaLength'>;

const stableVersions = (versions: readonly string[]) =>
  versions.filter((v) => semver.valid(v) && semver.prerelease(v) === null).map((v) => semver.valid(v)!);

/**
 * The image tags a release of `version` writes, given the versions already released: a moving tag (X.Y, X,
 * latest) moves only when no released version it covers is newer, so a backport 1.2.4 after 1.3.0 moves `1.2`
 * and leaves `1` and `latest` on 1.3.0. A prerelease (1.3.0-rc.1) gets its own tag and the sha: it moves nothing.
 */
export function planRelease(
  version: string,
  head: string | undefined,
  scheme: Scheme,
  released: readonly string[] = [],
): TagPlan {
  const v = semver.parse(version);
  if (!v) return { version, tags: [], held: [] };
  const p = scheme.imagePrefix;
  const tags: PlannedTag[] = [{ tag: `${p}${v.version}`, kind: 'version', rule: 'this release' }];
  const held: HeldTag[] = [];
  if (v.prerelease.length === 0) {
    // Released stable versions newer than this one, and the newest of those each moving tag covers.
    const newer = stableVersions(released).filter((r) => semver.rcompare(v.version, r) > 0);
    const newestWhere = (covers: (r: SemVer) => boolean) =>
      newer.filter((r) => covers(semver.parse(r)!)).sort(semver.rcompare)[0];
    const moving: Array<{ kind: HeldTag['kind']; on: boolean; tag: string; rule: string; above?: string }> = [
      {
        kind: 'minor',
        on: scheme.minor,
        tag: `${p}${v.major}.${v.minor}`,
        rule: `newest ${v.major}.${v.minor}.* release`,
        above: newestWhere((r) => r.major === v.major && r.minor === v.minor),
      },
      {
        kind: 'major',
        on: scheme.major,
        tag: `${p}${v.major}`,
        rule: `newest ${v.major}.* release`,
        above: newestWhere((r) => r.major === v.major),
      },
      { kind: 'latest', on: scheme.latest, tag: 'latest', rule: 'newest release', above: newestWhere(() => true) },
    ];
    for (const m of moving) {
      if (!m.on) continue;
      if (m.above) held.push({ tag: m.tag, kind: m.kind, stays: m.above, rule: `${m.rule}: stays on ${m.above}` });
      else tags.push({ tag: m.tag, kind: m.kind, rule: m.rule });
    }
  }
  if (scheme.sha && head) tags.push({ tag: head.slice(0, scheme.shaLength), kind: 'sha', rule: 'the released commit' });
  return { version: v.version, tags, held };
}

/** The tags a release writes (planRelease without what it leaves alone). */
export function tagPlan(
  version: string,
  head: string | undefined,
  scheme: Scheme,
  released: readonly string[] = [],
): PlannedTag[] {
  return planRelease(version, head, scheme, released).tags;
}

/**
 * Given every released version, which version each moving tag must point at under the scheme: X.Y -> newest
 * X.Y.*, X -> newest X.*, latest -> newest overall; prereleases never count. Releasing the versions in any order
 * through planRelease leaves the moving tags exactly here.
 */
export function expectedMovingTags(
  versions: readonly string[],
  scheme: Pick<TagRules, 'imagePrefix' | 'minor' | 'major' | 'latest'>,
): Map<string, string> {
  const out = new Map<string, string>();
  const p = scheme.imagePrefix;
  // Parsed once, then ordered newest first (thousands of versions: no parse per comparison).
  const newestFirst = versions
    .flatMap((raw) => {
      const s = semver.parse(raw);
      return s && s.prerelease.length === 0 ? [{ v: s.version, s }] : [];
    })
    .sort((a, b) => semver.rcompareParsed(a.s, b.s));
  for (const { v, s } of newestFirst) {
    if (scheme.latest && !out.has('latest')) out.set('latest', v);
    if (scheme.major && !out.has(`${p}${s.major}`)) out.set(`${p}${s.major}`, v);
    if (scheme.minor && !out.has(`${p}${s.major}.${s.minor}`)) out.set(`${p}${s.major}.${s.minor}`, v);
  }
  return out;
}
