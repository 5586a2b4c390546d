import { LIMITS, limitError } from '../limits';
import { list, num, obj } from '../untrusted';
import type { GitHubClient, RepoRef } from './client';
import { isHttpError } from './errors';
import { mapPackageVersion, mapRelease } from './map';
import type { PackageVersion, Release } from './types';

/** Every Release (drafts included when the token may see them), with GitHub's "Latest" marked. */
export async function listReleases(gh: GitHubClient, repo: RepoRef, signal?: AbortSignal): Promise<Release[]> {
  const what = `list the Releases of ${repo.owner}/${repo.name}`;
  const all: unknown[] = [];
  const pages = LIMITS.githubListPages.default;
  for (let page = 1; page <= pages; page++) {
    const { data } = await gh.call(
      'GET /repos/{owner}/{repo}/releases',
      { owner: repo.owner, repo: repo.name, per_page: 100, page },
      what,
      'repo',
      signal,
    );
    const items = list(data);
    all.push(...items);
    if (items.length < 100) break;
    // More than the pages read: an audit over part of the Releases would be wrong, so it is said instead.
    if (page === pages)
      throw limitError('githubListPages', pages, `${repo.owner}/${repo.name} has more than ${all.length} Releases`);
  }
  let latestId: number | undefined;
  if (all.length) {
    try {
      const { data } = await gh.octokit.request('GET /repos/{owner}/{repo}/releases/latest', {
        owner: repo.owner,
        repo: repo.name,
        request: { signal },
      });
      latestId = num(obj(data).id) || undefined;
    } catch (e) {
      if (!(isHttpError(e) && e.status === 404)) throw e; // no published stable Release
    }
  }
  return all.map((r) => mapRelease(r, latestId));
}

export type PackagesResult = { versions: PackageVersion[] } | { unavailable: string };

/**
 * Tags of a ghcr.io image from the GitHub Packages API, a second source next to the registry. Needs
 * read:packages; when the token cannot, says why instead of failing the audit.
 */
export async function listPackageVersions(
  gh: GitHubClient,
  owner: string,
  packageName: string,
  signal?: AbortSignal,
): Promise<PackagesResult> {
  const params = { package_type: 'container', package_name: packageName };
  // The user route takes no paging parameters (per GitHub's description); the org route does.
  const routes = [
    ['GET /orgs/{org}/packages/{package_type}/{package_name}/versions', { ...params, org: owner, per_page: 100 }],
    ['GET /users/{username}/packages/{package_type}/{package_name}/versions', { ...params, username: owner }],
  ] as const;
  let reason = '';
  for (const [route, p] of routes) {
    try {
      const { data } = await gh.call(
        route,
        p,
        `list the versions of package ${owner}/${packageName}`,
        'read:packages',
        signal,
      );
      return { versions: list(data).map(mapPackageVersion) };
    } catch (e) {
      reason = (e as Error).message;
      // 404 on the org route means "owner is a user" (or no such package): try the user route.
      if (!/\(404\)/.test(reason)) break;
    }
  }
  return { unavailable: reason };
}
