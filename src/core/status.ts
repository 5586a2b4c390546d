import type { ReleaseOperatorConfig } from './config/schema';
import type { RegistryState } from './registry';
import { GitRepo, type GitTag, type RepoFacts } from './git/repo';
import { pickGitHubRemote, type GitHubRepo } from './git/remote';
import { type Runner, runProcess } from './process/run';
import type { Basis, CheckFinding } from './report';
import { effectiveVersion, sortVersionTags, type EffectiveVersion } from './version/sources';
import { planRelease, type HeldTag, type PlannedTag } from './version/plan';
import { choosePrefix, resolveScheme, type ImageTagScheme } from './version/scheme';

export interface RepositoryStatus {
  root: string;
  github?: GitHubRepo & { remote: string };
  head?: string;
  branch?: string;
}

export interface StatusReport {
  repository: RepositoryStatus;
  version: EffectiveVersion | null;
  /** The tags the next release writes (core/version/plan: the one plan every face shows). */
  tagPlan: PlannedTag[];
  /** Moving tags it leaves on a newer release (a backport moves X.Y only). */
  tagsHeld: HeldTag[];
  /** The prefixes the plan and the tag lists use. */
  gitPrefix: string;
  imagePrefix: string;
  /** Where those came from: configured, inferred from the tags (with the count), or the default. */
  scheme: Basis[];
  /** Version tags that follow several prefixes. */
  schemeFindings: CheckFinding[];
  /** The image repository the release publishes to (configured, or derived from the GitHub remote). */
  image: string | null;
  /** Version git tags, newest first. */
  gitTags: GitTag[];
  /** The image tags with their platforms (added by the registry engine; `error` set when it could not be read). */
  registry?: RegistryState;
}

/**
 * The image repository for a project: the configured one, else ghcr.io/<owner>/<name> (lower case, as ghcr requires).
 */
export function imageRepository(config: ReleaseOperatorConfig, github?: GitHubRepo): string | null {
  if (config.image) return config.image;
  if (!github) return null;
  return `ghcr.io/${github.owner.toLowerCase()}/${github.name.toLowerCase()}`;
}

/** Local facts only (git and files): fast, no network. Registry and GitHub facts are added by their engines. */
export async function localStatus(
  dir: string,
  config: ReleaseOperatorConfig,
  run: Runner = runProcess,
): Promise<StatusReport> {
  return statusFromFacts((await GitRepo.read(dir, run)).facts, config);
}

/**
 * The second half of localStatus, for a face that reads git (GitRepo.read) while it loads the configuration:
 * the version (files at the repository root, or the newest tag), the tag plan and the image. The git prefix is
 * configured or inferred from the repository's tags; until the registry's tags are read (withRegistry) the image
 * prefix is the configured one or the default, and the scheme says so.
 */
export async function statusFromFacts(facts: RepoFacts, config: ReleaseOperatorConfig): Promise<StatusReport> {
  const remote = pickGitHubRemote(facts.remotes);
  const github = remote?.repo ? { ...remote.repo, remote: remote.name } : undefined;
  const scheme = resolveScheme(config.tags, {
    gitTags: facts.tags.map((t) => t.name),
    imageTagsUnread: 'not read yet',
  });
  const version = (await effectiveVersion(facts.root, config.versionSources, facts.tags, scheme.gitPrefix)) ?? null;
  const s: StatusReport = {
    repository: { root: facts.root, github, head: facts.head, branch: facts.branch },
    version,
    tagPlan: [],
    tagsHeld: [],
    gitPrefix: scheme.gitPrefix,
    imagePrefix: scheme.imagePrefix,
    scheme: scheme.basis,
    schemeFindings: scheme.findings,
    image: imageRepository(config, github),
    gitTags: sortVersionTags(facts.tags, scheme.gitPrefix),
  };
  return { ...s, ...plan(s, config, []) };
}

/**
 * The status once the registry's tags are known: the image prefix from them (unless configured), and the
 * versions they hold counted as released, so the plan never moves `latest` or X back to an older release.
 */
export function withImageTags(s: StatusReport, config: ReleaseOperatorConfig, image: ImageTagScheme): StatusReport {
  const next: StatusReport = {
    ...s,
    imagePrefix: image.imagePrefix,
    scheme: [...s.scheme.filter((b) => b.subject !== image.scheme.subject), image.scheme],
    schemeFindings: [
      ...s.schemeFindings.filter((f) => f.subject !== image.scheme.subject),
      ...(image.schemeFinding ? [image.schemeFinding] : []),
    ],
  };
  return { ...next, ...plan(next, config, image.versions) };
}

/**
 * The status when the registry's tags could not be read: the plan stays on the configured or default prefix, and
 * the scheme says why it was not inferred.
 */
export function withoutImageTags(s: StatusReport, config: ReleaseOperatorConfig, why: string): StatusReport {
  const { basis } = choosePrefix('image', config.tags.imagePrefix, undefined, `not read: ${why}`);
  return { ...s, scheme: [...s.scheme.filter((b) => b.subject !== basis.subject), basis] };
}

/** withImageTags from what registryState read; a registry that could not be read only says so. */
export function withRegistry(s: StatusReport, config: ReleaseOperatorConfig, registry: RegistryState): StatusReport {
  const { imagePrefix, scheme, versions } = registry;
  if (registry.error || imagePrefix === undefined || !scheme || !versions)
    return { ...withoutImageTags(s, config, 'the registry could not be read'), registry };
  return {
    ...withImageTags(s, config, { imagePrefix, scheme, versions, schemeFinding: registry.schemeFinding }),
    registry,
  };
}

/** The one tag plan: released versions are the version git tags and the versions with an image tag. */
function plan(
  s: StatusReport,
  config: ReleaseOperatorConfig,
  imageVersions: readonly string[],
): Pick<StatusReport, 'tagPlan' | 'tagsHeld'> {
  if (!s.version) return { tagPlan: [], tagsHeld: [] };
  const released = [...s.gitTags.map((t) => t.name.slice(s.gitPrefix.length)), ...imageVersions];
  const p = planRelease(s.version.version, s.repository.head, { ...config.tags, imagePrefix: s.imagePrefix }, released);
  return { tagPlan: p.tags, tagsHeld: p.held };
}
