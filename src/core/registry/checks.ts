import semver from '../version/semver';
import type { ReleaseOperatorConfig } from '../config/schema';
import { expectedMovingTags, versionOfImageTag } from '../version/plan';
import { platformMatches } from './manifest';
import type { ImageInfo, TagDigest } from './types';

/** One thing wrong with a published release, printed as one line. */
export interface RegistryProblem {
  check: 'platforms' | 'tag-scheme' | 'labels';
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

export function checkPlatforms(info: ImageInfo, required: readonly string[]): RegistryProblem[] {
  const have = info.platforms.map((p) => p.platform).join(', ') || 'none';
  return missingPlatforms(info, required).map((p) => ({
    check: 'platforms' as const,
    tag: info.tag,
    message: `${info.reference} lacks platform ${p} (has: ${have})`,
  }));
}

/**
 * Labels of a version's image: org.opencontainers.image.version equals the version (a leading 'v' is
 * tolerated), revision and source are present. Checked on every platform, since each has its own config.
 */
export function checkLabels(info: ImageInfo, version: string | undefined): RegistryProblem[] {
  const problems: RegistryProblem[] = [];
  const sets = info.platforms.length
    ? info.platforms.map((p) => ({ where: info.kind === 'index' ? ` (${p.platform})` : '', labels: p.labels ?? {} }))
    : [{ where: '', labels: info.labels }];
  for (const { where, labels } of sets) {
    const v = labels[LABEL_VERSION];
    if (version !== undefined) {
      if (!v)
        problems.push({
          check: 'labels',
          tag: info.tag,
          message: `${info.reference}${where}: label ${LABEL_VERSION} is missing (expected ${version})`,
        });
      else if (v.replace(/^v/, '') !== version)
        problems.push({
          check: 'labels',
          tag: info.tag,
          message: `${info.reference}${where}: label ${LABEL_VERSION} is ${v}, expected ${version}`,
        });
    }
    for (const key of [LABEL_REVISION, LABEL_SOURCE]) {
      if (!labels[key])
        problems.push({
          check: 'labels',
          tag: info.tag,
          message: `${info.reference}${where}: label ${key} is missing`,
        });
    }
  }
  return problems;
}

/**
 * The moving tags (X.Y, X, latest) against the scheme: each must point at the digest of the newest version
 * tag it stands for. Every mismatch names both digests and the versions they belong to.
 */
export function checkTagScheme(
  repository: string,
  tags: readonly TagDigest[],
  scheme: ReleaseOperatorConfig['tags'],
): RegistryProblem[] {
  const versionDigest = new Map<string, string>();
  const versionsOf = new Map<string, string[]>();
  for (const t of tags) {
    const v = versionOfImageTag(t.tag, scheme.imagePrefix);
    if (!v) continue;
    versionDigest.set(v, t.digest);
    versionsOf.set(t.digest, [...(versionsOf.get(t.digest) ?? []), v]);
  }
  const describe = (digest: string) => {
    const vs = (versionsOf.get(digest) ?? []).sort(semver.rcompare);
    return `${short(digest)} (${vs.length ? vs.join(', ') : 'no version tag'})`;
  };
  const problems: RegistryProblem[] = [];
  for (const [tag, version] of expectedMovingTags([...versionDigest.keys()], scheme)) {
    const want = versionDigest.get(version)!;
    const got = tags.find((t) => t.tag === tag);
    if (!got)
      problems.push({
        check: 'tag-scheme',
        tag,
        message: `${repository}:${tag} is missing; it should point at ${scheme.imagePrefix}${version} ${short(want)}`,
      });
    else if (got.digest !== want)
      problems.push({
        check: 'tag-scheme',
        tag,
        message: `${repository}:${tag} points at ${describe(got.digest)}; the scheme says ${scheme.imagePrefix}${version} ${short(want)}`,
      });
  }
  return problems;
}

/** The commit tag of a version (from its revision label) must point at the version's digest. */
export function checkShaTag(
  info: ImageInfo,
  tags: readonly TagDigest[],
  scheme: ReleaseOperatorConfig['tags'],
): RegistryProblem[] {
  const revision = info.labels[LABEL_REVISION];
  if (!scheme.sha || !revision || !/^[0-9a-f]{7,40}$/.test(revision)) return [];
  const shaTag = revision.slice(0, scheme.shaLength);
  const got = tags.find((t) => t.tag === shaTag);
  if (!got)
    return [
      {
        check: 'tag-scheme',
        tag: shaTag,
        message: `${info.repository}:${shaTag} (the commit tag of ${info.tag ?? info.digest}) is missing`,
      },
    ];
  if (got.digest !== info.digest)
    return [
      {
        check: 'tag-scheme',
        tag: shaTag,
        message: `${info.repository}:${shaTag} points at ${short(got.digest)}; the commit tag should point at ${info.tag ?? ''} ${short(info.digest)}`,
      },
    ];
  return [];
}

export function short(digest: string): string {
  return digest.replace(/^sha256:/, 'sha256:').slice(0, 19);
}
