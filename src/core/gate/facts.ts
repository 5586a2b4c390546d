import type { ReleaseOperatorConfig } from '../config/schema';
import { GitRepo, type GitTag } from '../git/repo';
import { pickGitHubRemote, type GitHubRepo } from '../git/remote';
import type { Runner } from '../process/run';
import { imageRepository } from '../status';
import semver from '../version/semver';
import { choosePrefix } from '../version/scheme';
import { effectiveVersion } from '../version/sources';

/** What a gate stage may take from its surroundings when not told: the image, version and commit. */
export interface GateFacts {
  root: string;
  image?: string;
  version?: string;
  /** Where the version came from: "GITHUB_REF refs/tags/v1.2.3", "package.json". */
  versionFrom?: string;
  commit?: string;
  github?: Pick<GitHubRepo, 'owner' | 'name'>;
  gitTags: GitTag[];
  /** The repository's git tag prefix ("v"): the git tag of another version is this and the version. */
  gitPrefix: string;
  /** The version's git tag under the repository's prefix, with its commit when the tag is here. */
  gitTag?: { name: string; commit?: string };
}

/**
 * Facts for a gate: in GitHub Actions the pushed tag (GITHUB_REF), the commit (GITHUB_SHA) and the repository
 * (GITHUB_REPOSITORY) come first; otherwise the repository's git facts and version sources. A folder that is not a
 * git repository (an Action run without a checkout) still gives what the environment says.
 */
export async function gateFacts(
  cwd: string,
  config: ReleaseOperatorConfig,
  env: NodeJS.ProcessEnv,
  runner?: Runner,
): Promise<GateFacts> {
  const git = await GitRepo.read(cwd, runner).then(
    (r) => r.facts,
    () => undefined,
  );
  const root = git?.root ?? cwd;
  const fromEnv = /^([^/\s]+)\/([^/\s]+)$/.exec(env.GITHUB_REPOSITORY ?? '');
  const remote = git ? pickGitHubRemote(git.remotes)?.repo : undefined;
  const github = fromEnv ? { owner: fromEnv[1], name: fromEnv[2] } : remote;
  const image = imageRepository(config, github as GitHubRepo | undefined) ?? undefined;
  const prefix = choosePrefix(
    'git',
    config.tags.gitPrefix,
    (git?.tags ?? []).map((t) => t.name),
  ).prefix;
  const ref = env.GITHUB_REF ?? '';
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  const tagged = tag?.startsWith(prefix) ? (semver.valid(tag.slice(prefix.length)) ?? undefined) : undefined;
  let version = tagged;
  let versionFrom = tagged ? `GITHUB_REF ${ref}` : undefined;
  if (!version) {
    const found = await effectiveVersion(root, config.versionSources, git?.tags ?? [], prefix);
    version = found?.version;
    versionFrom = found ? `${found.source} (${found.origin})` : undefined;
  }
  const commit = env.GITHUB_SHA || git?.head;
  const tagName = tag && tagged ? tag : version ? `${prefix}${version}` : undefined;
  const gitTag = tagName
    ? { name: tagName, commit: git?.tags.find((t) => t.name === tagName)?.commit ?? (tag ? commit : undefined) }
    : undefined;
  return { root, image, version, versionFrom, commit, github, gitTags: git?.tags ?? [], gitPrefix: prefix, gitTag };
}
