import semver from '../version/semver';
import pLimit from 'p-limit';
import type { ReleaseOperatorConfig } from '../config/schema';
import { describeError } from '../errors';
import type { GitTag } from '../git/repo';
import type { Release } from '../github';
import { rollbackCommand } from '../registry';
import {
  checkResult,
  readinessReport,
  totalExamined,
  type CheckFinding,
  type CheckResult,
  type Examined,
} from '../report';
import { versionOfImageTag } from '../version/order';
import { expectedMovingTags } from '../version/plan';
import { describePrefix } from '../version/prefix';
import { resolveScheme, type TagScheme } from '../version/scheme';
import type { AuditImage, AuditReport, Finding, ImageSource } from './types';

export interface AuditFacts {
  /** registry/repository, e.g. ghcr.io/owner/name. */
  image: string;
  gitTags: GitTag[];
  releases: Release[];
  /** Image tags from every source (registry, GitHub Packages), merged. */
  imageTags: string[];
  /** False when GitHub could not be read: version git tags then stand for published Releases. */
  releasesKnown?: boolean;
  notes?: string[];
}

export interface AuditOptions {
  /**
   * The configured scheme: a prefix left unset is inferred (git tags for the git prefix, image tags for the image's).
   */
  tags: ReleaseOperatorConfig['tags'];
  requiredPlatforms: string[];
  source: ImageSource;
  concurrency?: number;
  now?: () => Date;
}

const REVISION = 'org.opencontainers.image.revision';
const VERSION = 'org.opencontainers.image.version';

/** Which check of the report each kind of finding belongs to. */
const CHECK_OF: Record<Finding['kind'], 'consistency' | 'platforms' | 'labels' | 'tag-scheme'> = {
  'mixed-prefix': 'consistency',
  'half-release': 'consistency',
  'image-without-release': 'consistency',
  'latest-release': 'consistency',
  'missing-platform': 'platforms',
  'revision-mismatch': 'labels',
  'version-mismatch': 'labels',
  'moving-tag': 'tag-scheme',
};

/**
 * Release consistency: git tags x Releases x image tags x labels. The rule behind it is "image first, then
 * Release": a published Release whose image is missing is a half release; drafts are not published, so they
 * may precede their image. Git tags and image tags are matched by version, each read with its own prefix (git
 * tags `v1.2.3` and image tags `1.2.3` are one release), configured or inferred, and the report says which.
 */
export async function auditRelease(facts: AuditFacts, o: AuditOptions): Promise<AuditReport> {
  const scheme = resolveScheme(o.tags, { gitTags: facts.gitTags.map((t) => t.name), imageTags: facts.imageTags });
  const { gitPrefix, imagePrefix } = scheme;
  const findings: Finding[] = scheme.findings.map((f) => ({
    kind: 'mixed-prefix',
    severity: f.severity === 'error' ? 'error' : 'warning',
    message: f.message,
    action: `Set ${f.subject === 'git tags' ? 'tags.gitPrefix' : 'tags.imagePrefix'} in release-operator.json.`,
    objects: { schemes: f.evidence?.schemes },
  }));
  const notes = [...(facts.notes ?? [])];
  const gitVersion = (name: string) =>
    name.startsWith(gitPrefix) ? (semver.valid(name.slice(gitPrefix.length)) ?? undefined) : undefined;

  const gitByVersion = new Map<string, GitTag>();
  for (const t of facts.gitTags) {
    const v = gitVersion(t.name);
    if (v) gitByVersion.set(v, t);
  }
  const releaseByVersion = new Map<string, Release>();
  for (const r of facts.releases) {
    const v = gitVersion(r.tag) ?? semver.valid(r.tag) ?? undefined;
    if (v && (!releaseByVersion.has(v) || releaseByVersion.get(v)!.draft)) releaseByVersion.set(v, r);
  }
  const imageTagSet = new Set(facts.imageTags);
  const imageByVersion = new Map<string, string>();
  for (const t of facts.imageTags) {
    const v = versionOfImageTag(t, imagePrefix);
    if (v) imageByVersion.set(v, t);
  }
  const ref = (tag: string) => `${facts.image}:${tag}`;
  const gitObj = (v: string) =>
    gitByVersion.get(v) ? { name: gitByVersion.get(v)!.name, commit: gitByVersion.get(v)!.commit } : undefined;
  const relObj = (v: string) => {
    const r = releaseByVersion.get(v);
    return r ? { tag: r.tag, url: r.url, draft: r.draft, prerelease: r.prerelease } : undefined;
  };
  const releasesKnown = facts.releasesKnown !== false;
  const published = (v: string) =>
    releasesKnown ? releaseByVersion.has(v) && !releaseByVersion.get(v)!.draft : gitByVersion.has(v);

  // Inspect every version image once (bounded concurrency); failures become notes, not crashes.
  const limit = pLimit(o.concurrency ?? 4);
  const inspected = new Map<string, AuditImage | undefined>();
  const inspect = (tag: string) =>
    limit(async () => {
      if (inspected.has(tag)) return inspected.get(tag);
      const img = await o.source.inspect(ref(tag)).catch((e) => {
        notes.push(`could not inspect ${ref(tag)}: ${describeError(e).split('\n')[0]}`);
        return undefined;
      });
      inspected.set(tag, img);
      return img;
    });

  const versions = [...new Set([...gitByVersion.keys(), ...releaseByVersion.keys(), ...imageByVersion.keys()])].sort(
    semver.rcompare,
  );

  for (const v of versions) {
    const imageTag = imageByVersion.get(v);
    if (!imageTag && (published(v) || gitByVersion.has(v))) {
      const what =
        releaseByVersion.has(v) && published(v)
          ? `Release ${releaseByVersion.get(v)!.tag}`
          : `git tag ${gitByVersion.get(v)!.name}`;
      findings.push({
        kind: 'half-release',
        version: v,
        message: `${what} exists, but the image tag ${ref(`${imagePrefix}${v}`)} does not.`,
        action:
          releaseByVersion.has(v) && published(v)
            ? `Push the image for ${v} (re-run the release workflow for ${gitPrefix}${v}), or turn the Release back into a draft until the image exists.`
            : `Run the release workflow for ${gitPrefix}${v} to build and push its image, or delete the tag if it was a mistake.`,
        objects: { gitTag: gitObj(v), release: relObj(v), imageTag: { reference: ref(`${imagePrefix}${v}`) } },
      });
    }
    if (imageTag && !published(v)) {
      findings.push({
        kind: 'image-without-release',
        version: v,
        message: `Image ${ref(imageTag)} exists, but there is no published Release ${gitPrefix}${v}${releaseByVersion.get(v)?.draft ? ' (only a draft)' : ''}.`,
        action: `Publish the Release ${gitPrefix}${v} (image first, then Release), or delete the image tag if it was pushed by mistake.`,
        objects: { gitTag: gitObj(v), release: relObj(v), imageTag: { reference: ref(imageTag) } },
      });
    }
  }

  // Images of versions that have one: platforms and labels.
  const withImage = versions.filter((v) => imageByVersion.has(v));
  const images = await Promise.all(withImage.map((v) => inspect(imageByVersion.get(v)!)));
  let platformsExamined = 0;
  let labelsExamined = 0;
  withImage.forEach((v, i) => {
    const img = images[i];
    if (!img) return;
    labelsExamined++;
    const tag = imageByVersion.get(v)!;
    const imageTag = { reference: ref(tag), digest: img.digest };
    const have = new Set(img.platforms.map((p) => p.platform));
    const missing = o.requiredPlatforms.filter((p) => !have.has(p));
    if (published(v) && o.requiredPlatforms.length) platformsExamined++;
    if (published(v) && missing.length) {
      findings.push({
        kind: 'missing-platform',
        version: v,
        message: `Released image ${ref(tag)} lacks ${missing.join(', ')} (it has ${[...have].join(', ') || 'no platforms'}).`,
        action: `Rebuild and push ${gitPrefix}${v} for ${o.requiredPlatforms.join(', ')} (docker buildx build --platform ...).`,
        objects: { release: relObj(v), imageTag, platforms: [...have], missing },
      });
    }
    const git = gitByVersion.get(v);
    const revision = img.labels[REVISION];
    if (git && revision !== git.commit && !(revision && revision.length >= 7 && git.commit.startsWith(revision))) {
      findings.push({
        kind: 'revision-mismatch',
        version: v,
        message: `Image ${ref(tag)} says revision ${revision ?? '(no label)'}, but git tag ${git.name} is commit ${git.commit.slice(0, 12)}.`,
        action: `Rebuild ${gitPrefix}${v} from ${git.name} with --label ${REVISION}=$(git rev-parse ${git.name}^{commit}).`,
        objects: { gitTag: gitObj(v), imageTag, label: { name: REVISION, value: revision ?? null } },
      });
    }
    const label = img.labels[VERSION];
    if (label !== v && label !== `${imagePrefix}${v}` && label !== `${gitPrefix}${v}`) {
      findings.push({
        kind: 'version-mismatch',
        version: v,
        message: `Image ${ref(tag)} says version ${label ?? '(no label)'}, but its tag is version ${v}.`,
        action: `Rebuild ${gitPrefix}${v} with --label ${VERSION}=${v}.`,
        objects: { gitTag: gitObj(v), imageTag, label: { name: VERSION, value: label ?? null } },
      });
    }
  });

  // Moving tags: where the scheme says, among versions that were published (stable Releases with an image).
  const releasedVersions = withImage.filter((v) => published(v) && !releaseByVersion.get(v)?.prerelease);
  const expected = expectedMovingTags(releasedVersions, scheme);
  const digestToVersion = new Map<string, string>();
  withImage.forEach((v, i) => images[i] && digestToVersion.set(images[i].digest, v));
  for (const [moving, v] of expected) {
    const target = `${imagePrefix}${v}`;
    const want = inspected.get(target);
    if (!imageTagSet.has(moving)) {
      findings.push({
        kind: 'moving-tag',
        version: v,
        message: `Moving tag ${ref(moving)} is missing; the scheme says it points at ${target}.`,
        action: `Point ${moving} at ${target}: ${rollbackCommand(facts.image, target, moving, '--dry-run')} shows the change, --yes makes it.`,
        objects: { imageTag: { reference: ref(moving) }, expected: { reference: ref(target), digest: want?.digest } },
      });
      continue;
    }
    const got = await inspect(moving);
    if (!got || !want || got.digest === want.digest) continue;
    const actual = digestToVersion.get(got.digest);
    findings.push({
      kind: 'moving-tag',
      version: v,
      message: `Moving tag ${ref(moving)} points at ${actual ? `${imagePrefix}${actual}` : got.digest}; the scheme says ${target}.`,
      action:
        `Point ${moving} at ${target} (retag, no rebuild): ` +
        `${rollbackCommand(facts.image, target, moving, '--dry-run')} shows the change, --yes makes it.`,
      objects: {
        imageTag: { reference: ref(moving), digest: got.digest },
        expected: { reference: ref(target), digest: want.digest },
        actualVersion: actual ?? null,
      },
    });
  }

  // GitHub's "Latest" badge should sit on the newest stable published Release.
  const newest = facts.releases
    .filter((r) => !r.draft && !r.prerelease && (gitVersion(r.tag) ?? semver.valid(r.tag)))
    .sort((a, b) => semver.rcompare(gitVersion(a.tag) ?? a.tag, gitVersion(b.tag) ?? b.tag))[0];
  const latest = facts.releases.find((r) => r.latest);
  if (newest && latest && latest.id !== newest.id) {
    findings.push({
      kind: 'latest-release',
      version: gitVersion(latest.tag),
      message: `GitHub marks Release ${latest.tag} as Latest, but the newest stable Release is ${newest.tag}.`,
      action: `Mark ${newest.tag} as the latest Release (gh release edit ${newest.tag} --latest).`,
      objects: {
        release: { tag: latest.tag, url: latest.url, draft: false, prerelease: false },
        newest: { tag: newest.tag, url: newest.url },
      },
    });
  }

  const checks = auditChecks(findings, scheme, {
    consistency: {
      count: versions.length,
      what: 'versions',
      lookedFor: `versions in git tags like ${gitPrefix}1.2.3, GitHub Releases or image tags like ${imagePrefix}1.2.3`,
      foundInstead: versions.length
        ? undefined
        : `${facts.gitTags.length} git tag${facts.gitTags.length === 1 ? '' : 's'} and ` +
          `${facts.imageTags.length} image tag${facts.imageTags.length === 1 ? '' : 's'}, none a version of ` +
          `those prefixes`,
    },
    platforms: {
      count: platformsExamined,
      what: 'released images',
      lookedFor: o.requiredPlatforms.length
        ? 'released versions with an image to read platforms from'
        : 'required platforms (requiredPlatforms is empty)',
    },
    labels: { count: labelsExamined, what: 'version images', lookedFor: 'version images to read labels from' },
    'tag-scheme': {
      count: expected.size,
      what: 'moving tags',
      lookedFor: `released stable versions with an image (tags like ${imagePrefix}1.2.3, ${describePrefix(imagePrefix)}) and the moving tags they imply`,
    },
  });
  return {
    ...readinessReport(checks, { image: facts.image, basis: scheme.basis, now: o.now }),
    image: facts.image,
    versions,
    findings,
    notes,
    checked: totalExamined(checks),
  };
}

const TITLES = {
  consistency: 'Releases and images',
  platforms: 'Required platforms',
  labels: 'Labels',
  'tag-scheme': 'Tag scheme',
} as const;

/** The audit's findings as the report model's checks, each with what it examined. */
function auditChecks(
  findings: readonly Finding[],
  scheme: TagScheme,
  examined: Record<keyof typeof TITLES, Examined>,
): CheckResult[] {
  return (Object.keys(TITLES) as Array<keyof typeof TITLES>).map((id) =>
    checkResult({
      id: id === 'consistency' ? 'release-consistency' : id,
      title: TITLES[id],
      examined: examined[id],
      findings: findings
        .filter((f) => CHECK_OF[f.kind] === id)
        .map((f): CheckFinding => ({
          severity: f.severity ?? 'error',
          rule: f.kind,
          subject: f.version,
          message: f.message,
          evidence: f.objects,
          next: { text: f.action },
        })),
      basis: id === 'consistency' || id === 'tag-scheme' ? scheme.basis : undefined,
    }),
  );
}
