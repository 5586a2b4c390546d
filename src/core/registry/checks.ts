import { checkResult, type CheckFinding, type CheckResult } from '../report';
import { describePrefix, splitVersionTag } from '../version/prefix';
import { versionOfImageTag } from '../version/order';
import { expectedMovingTags } from '../version/plan';
import type { TagScheme } from '../version/scheme';
import semver from '../version/semver';
import { platformMatches } from './manifest';
import { rollbackCommand } from './rollback';
import type { ImageInfo, TagDigest } from './types';

/**
 * The checks of a published release, each a CheckResult of the readiness report: what it examined (a check that
 * examined nothing is nothing-checked, never a pass), what it found, what it relied on and what to do.
 */

/** One thing wrong with a published release as one line: an error finding of a check (for the tree's tooltips). */
export interface RegistryProblem {
  check: string;
  message: string;
  tag?: string;
}

export const LABEL_VERSION = 'org.opencontainers.image.version';
export const LABEL_REVISION = 'org.opencontainers.image.revision';
export const LABEL_SOURCE = 'org.opencontainers.image.source';

/** Required platforms (os/arch[/variant]) missing from an image; attestations never count as platforms. */
export function missingPlatforms(info: Pick<ImageInfo, 'platforms'>, required: readonly string[]): string[] {
  return required.filter((want) => !info.platforms.some((p) => platformMatches(p, want)));
}

/** The image holds every required platform. Examined: the required platforms. */
export function platformsCheck(info: ImageInfo, required: readonly string[]): CheckResult {
  const have = info.platforms.map((p) => p.platform);
  const missing = missingPlatforms(info, required);
  const findings: CheckFinding[] = missing.map((p) => ({
    severity: 'error',
    rule: 'missing-platform',
    subject: p,
    message: `${info.reference} lacks platform ${p} (has: ${have.join(', ') || 'none'})`,
    evidence: { digest: info.digest, platforms: have },
  }));
  return checkResult({
    id: 'platforms',
    title: 'Required platforms',
    examined: required.length
      ? { count: required.length, what: 'required platforms' }
      : {
          count: 0,
          what: 'required platforms',
          lookedFor: 'required platforms (requiredPlatforms is empty)',
          foundInstead: have.length ? `an image of ${have.join(', ')}` : undefined,
        },
    findings,
    summary: missing.length
      ? undefined
      : required.length
        ? `${required.length} required platform${required.length === 1 ? '' : 's'} examined: ${required.join(', ')} present`
        : undefined,
    evidence: { digest: info.digest, platforms: have, required: [...required] },
  });
}

/**
 * Labels of an image: org.opencontainers.image.version equals the version (a leading 'v' is tolerated) when the
 * tag names one; revision and source are present. Examined: the image configs read, one per platform (an index
 * of attestation manifests only has none).
 */
export function labelsCheck(info: ImageInfo, version: string | undefined): CheckResult {
  const findings: CheckFinding[] = [];
  const sets = info.platforms.map((p) => ({
    where: info.kind === 'index' ? ` (${p.platform})` : '',
    subject: p.platform,
    labels: p.labels ?? {},
  }));
  const add = (subject: string, message: string, label: string, value: string | null) =>
    findings.push({ severity: 'error', rule: 'labels', subject, message, evidence: { label, value } });
  for (const { where, subject, labels } of sets) {
    const v = labels[LABEL_VERSION];
    if (version !== undefined) {
      if (!v)
        add(
          subject,
          `${info.reference}${where}: label ${LABEL_VERSION} is missing (expected ${version})`,
          LABEL_VERSION,
          null,
        );
      else if (v.replace(/^v/, '') !== version)
        add(
          subject,
          `${info.reference}${where}: label ${LABEL_VERSION} is ${v}, expected ${version}`,
          LABEL_VERSION,
          v,
        );
    }
    for (const key of [LABEL_REVISION, LABEL_SOURCE])
      if (!labels[key]) add(subject, `${info.reference}${where}: label ${key} is missing`, key, null);
  }
  return checkResult({
    id: 'labels',
    title: 'Labels',
    examined: {
      count: sets.length,
      what: 'image configs',
      lookedFor: 'an image config per platform to read OCI labels from',
      foundInstead:
        info.kind === 'index' && !sets.length
          ? `an index with no platform image${attestationsOnly(info.attestations.length)}`
          : undefined,
    },
    findings,
    evidence: { version: version ?? null },
  });
}

/**
 * The moving tags (X.Y, X, latest) against the scheme: each must point at the digest of the newest version it
 * stands for; with `info` of a version tag, its commit tag (from the revision label) must point at it too. Every
 * mismatch names both versions and both digests, and says how to point the tag right (a rollback, as a dry run).
 * Examined: the moving tags the version tags imply (and the commit tag). No version tag following the scheme's
 * prefix means nothing was checked: it says what it looked for and what it found instead.
 */
export function tagSchemeCheck(
  repository: string,
  tags: readonly TagDigest[],
  scheme: TagScheme,
  options: { info?: ImageInfo } = {},
): CheckResult {
  const p = scheme.imagePrefix;
  // Each tag read once, and each digest's version tags ordered once: a repository may hold thousands of tags, and
  // the editor's thread waits on this.
  const versionDigest = new Map<string, string>();
  const tagsOf = new Map<string, Array<{ tag: string; version: string }>>();
  const byTag = new Map<string, TagDigest>();
  for (const t of tags) {
    if (!byTag.has(t.tag)) byTag.set(t.tag, t);
    const v = versionOfImageTag(t.tag, p);
    if (!v) continue;
    versionDigest.set(v, t.digest);
    let list = tagsOf.get(t.digest);
    if (!list) tagsOf.set(t.digest, (list = []));
    list.push({ tag: t.tag, version: v });
  }
  const ordered = new Map<string, string[]>();
  const versionTags = (digest: string): string[] => {
    let out = ordered.get(digest);
    if (!out) {
      const parsed = (tagsOf.get(digest) ?? []).map((e) => ({ tag: e.tag, version: semver.parse(e.version)! }));
      out = parsed.sort((a, b) => semver.rcompareParsed(a.version, b.version)).map((e) => e.tag);
      ordered.set(digest, out);
    }
    return out;
  };
  const findings: CheckFinding[] = [...scheme.findings.filter((f) => f.subject === 'image tags')];
  const expected = expectedMovingTags([...versionDigest.keys()], scheme);
  for (const [tag, version] of expected) {
    const target = `${p}${version}`;
    const want = versionDigest.get(version)!;
    const got = byTag.get(tag);
    if (got?.digest === want) continue;
    const actual = got ? versionTags(got.digest) : [];
    const actualVersion = actual.length ? versionOfImageTag(actual[0], p)! : undefined;
    const older = actualVersion !== undefined && semver.rcompare(actualVersion, version) > 0;
    findings.push({
      severity: 'error',
      rule: 'moving-tag',
      subject: tag,
      message: got
        ? `${repository}:${tag} points at ${actual.length ? actual.join(', ') : 'no version tag'} ` +
          `(${short(got.digest)})${older ? ', an older release' : ''}; the scheme says ${target} ` +
          `(${short(want)})`
        : `${repository}:${tag} is missing; the scheme says it points at ${target} (${short(want)})`,
      evidence: {
        tag,
        digest: got?.digest ?? null,
        versions: actual.map((t) => versionOfImageTag(t, p)),
        expected: { version, tag: target, digest: want },
      },
      next: {
        text: `point ${tag} at ${target} (dry run; --yes instead of --dry-run moves it)`,
        command: rollbackCommand(repository, target, tag, '--dry-run'),
      },
    });
  }
  let examined = expected.size;
  const info = options.info;
  if (info && scheme.sha) {
    const sha = commitTagFinding(info, tags, scheme);
    if (sha !== undefined) examined++;
    if (sha) findings.push(sha);
  }
  return checkResult({
    id: 'tag-scheme',
    title: 'Tag scheme',
    examined: {
      count: examined,
      what: 'moving tags',
      lookedFor: `version tags like ${p}1.2.3 (${describePrefix(p)}) and the moving tags they imply`,
      foundInstead: examined ? undefined : otherTags(tags, p),
    },
    findings,
    basis: scheme.basis,
    evidence: { expected: Object.fromEntries(expected) },
  });
}

/** What a repository holds besides version tags of the prefix, for a check that found none of those. */
function otherTags(tags: readonly TagDigest[], prefix: string): string {
  if (!tags.length) return 'no tags at all';
  const names = tags.map((t) => t.tag).sort();
  const otherVersions = names.filter((t) => splitVersionTag(t) && splitVersionTag(t)!.prefix !== prefix);
  const list = (xs: string[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ', ...' : ''}`;
  if (otherVersions.length)
    return `${otherVersions.length} version tag${otherVersions.length === 1 ? '' : 's'} of another prefix: ${list(otherVersions)}`;
  return `${names.length} tag${names.length === 1 ? '' : 's'}, none version-shaped: ${list(names)}`;
}

/**
 * The commit tag of a version (from its revision label) against the version's digest: a finding when it is wrong,
 * null when right, undefined when there is nothing to compare (no usable revision label).
 */
export function commitTagFinding(
  info: ImageInfo,
  tags: readonly TagDigest[],
  scheme: Pick<TagScheme, 'shaLength'>,
): CheckFinding | null | undefined {
  const revision = info.labels[LABEL_REVISION];
  if (!revision || !/^[0-9a-f]{7,40}$/.test(revision)) return undefined;
  const shaTag = revision.slice(0, scheme.shaLength);
  const got = tags.find((t) => t.tag === shaTag);
  const of = info.tag ?? info.digest;
  if (got?.digest === info.digest) return null;
  return {
    severity: 'error',
    rule: 'commit-tag',
    subject: shaTag,
    message: got
      ? `${info.repository}:${shaTag} points at ${short(got.digest)}; the commit tag should point at ${of} (${short(info.digest)})`
      : `${info.repository}:${shaTag} (the commit tag of ${of}) is missing`,
    evidence: { tag: shaTag, digest: got?.digest ?? null, expected: { digest: info.digest } },
  };
}

/** The error findings of checks as one-line problems (the tree's tooltips, verify's `problems` in JSON). */
export function problemsOf(checks: readonly CheckResult[]): RegistryProblem[] {
  return checks.flatMap((c) =>
    c.findings
      .filter((f) => f.severity === 'error')
      .map((f) => ({
        check: c.id,
        message: f.message,
        tag: f.rule === 'moving-tag' || f.rule === 'commit-tag' ? f.subject : undefined,
      })),
  );
}

/** " (2 attestation manifests only)" for an index that holds nothing else. */
function attestationsOnly(count: number): string {
  return count ? ` (${count} attestation manifest${count === 1 ? '' : 's'} only)` : '';
}

export function short(digest: string): string {
  return digest.slice(0, 19);
}
