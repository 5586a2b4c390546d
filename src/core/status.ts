import type { ReleaseOperatorConfig } from './config/schema';
import type { RegistryState } from './registry/state';
import { GitRepo, type GitTag, type RepoFacts } from './git/repo';
import { pickGitHubRemote, type GitHubRepo } from './git/remote';
import type { Runner } from './process/run';
import { runProcess } from './process/run';
import { effectiveVersion, sortVersionTags, type EffectiveVersion } from './version/sources';
import { tagPlan, type PlannedTag } from './version/plan';

export interface RepositoryStatus {
  root: string;
  github?: GitHubRepo & { remote: string };
  head?: string;
  branch?: string;
}

export interface StatusReport {
  repository: RepositoryStatus;
  version: EffectiveVersion | null;
  tagPlan: PlannedTag[];
  /** The image repository the release publishes to (configured, or derived from the GitHub remote). */
  image: string | null;
  /** Version git tags, newest first. */
  gitTags: GitTag[];
  /** The image tags with their platforms (added by the registry engine; `error` set when it could not be read). */
  registry?: RegistryState;
}

/** The image repository for a project: the configured one, else ghcr.io/<owner>/<name> (lower case, as ghcr requires). */
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
 * the version (files at the repository root, or the newest tag), the tag plan and the image.
 */
export async function statusFromFacts(facts: RepoFacts, config: ReleaseOperatorConfig): Promise<StatusReport> {
  const remote = pickGitHubRemote(facts.remotes);
  const github = remote?.repo ? { ...remote.repo, remote: remote.name } : undefined;
  const version =
    (await effectiveVersion(facts.root, config.versionSources, facts.tags, config.tags.gitPrefix)) ?? null;
  return {
    repository: { root: facts.root, github, head: facts.head, branch: facts.branch },
    version,
    tagPlan: version ? tagPlan(version.version, facts.head, config.tags) : [],
    image: imageRepository(config, github),
    gitTags: sortVersionTags(facts.tags, config.tags.gitPrefix),
  };
}
