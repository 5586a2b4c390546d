import semver from './semver';
import type { ReleaseOperatorConfig } from '../config/schema';

export type PlannedTagKind = 'version' | 'minor' | 'major' | 'latest' | 'sha';

export interface PlannedTag {
  tag: string;
  kind: PlannedTagKind;
  /** Why this tag gets this version, for tooltips and reports. */
  rule: string;
}

/**
 * The image tags a release of `version` writes. Prereleases (1.3.0-rc.1) get only their own tag and the sha:
 * moving tags must never point at a prerelease.
 */
export function tagPlan(version: string, head: string | undefined, tags: ReleaseOperatorConfig['tags']): PlannedTag[] {
  const v = semver.parse(version);
  if (!v) return [];
  const p = tags.imagePrefix;
  const plan: PlannedTag[] = [{ tag: `${p}${v.version}`, kind: 'version', rule: 'this release' }];
  const stable = v.prerelease.length === 0;
  if (stable && tags.minor)
    plan.push({ tag: `${p}${v.major}.${v.minor}`, kind: 'minor', rule: `newest ${v.major}.${v.minor}.* release` });
  if (stable && tags.major) plan.push({ tag: `${p}${v.major}`, kind: 'major', rule: `newest ${v.major}.* release` });
  if (stable && tags.latest) plan.push({ tag: 'latest', kind: 'latest', rule: 'newest release' });
  if (tags.sha && head) plan.push({ tag: head.slice(0, tags.shaLength), kind: 'sha', rule: 'the released commit' });
  return plan;
}

/**
 * Given every released version, which version each moving tag must point at under the scheme:
 * X.Y -> newest X.Y.*, X -> newest X.*, latest -> newest overall; prereleases never count.
 */
export function expectedMovingTags(versions: string[], tags: ReleaseOperatorConfig['tags']): Map<string, string> {
  const stable = versions.filter((v) => semver.valid(v) && semver.prerelease(v) === null).sort(semver.rcompare);
  const out = new Map<string, string>();
  const p = tags.imagePrefix;
  for (const v of stable) {
    const s = semver.parse(v)!;
    if (tags.latest && !out.has('latest')) out.set('latest', v);
    if (tags.major && !out.has(`${p}${s.major}`)) out.set(`${p}${s.major}`, v);
    if (tags.minor && !out.has(`${p}${s.major}.${s.minor}`)) out.set(`${p}${s.major}.${s.minor}`, v);
  }
  return out;
}

/** The version an image tag names under the scheme (v1.2.3 -> 1.2.3), or undefined for moving/other tags. */
export function versionOfImageTag(tag: string, imagePrefix: string): string | undefined {
  if (!tag.startsWith(imagePrefix)) return undefined;
  return semver.valid(tag.slice(imagePrefix.length)) ?? undefined;
}
