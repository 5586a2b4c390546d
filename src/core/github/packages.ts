import { DEFAULT_LIMITS, limitError } from '../limits';
import { list } from '../untrusted';
import type { GitHubClient } from './client';
import { mapPackageVersion } from './map';
import type { PackageVersion } from './types';

export type ContainerVersions = { versions: PackageVersion[]; route: string; pages: number } | { unavailable: string };

/** Pages read at once after the first (GitHub asks clients not to make many concurrent requests). */
const PAGES_IN_FLIGHT = 8;

/**
 * Every version of a container package (ghcr.io image) with its tags and digest, from the GitHub Packages API: 100
 * versions a page, and once the first page says how many there are (`Link: rel="last"`) the rest are read side by
 * side. Routes, in order: the organization's (pages), the token's own user's (pages), then a user's, whose route
 * takes no paging parameters in GitHub's description: when it has more than one page the listing is said to be
 * unavailable rather than read in part. Never throws for a token that cannot read packages: says why instead.
 */
export async function listContainerVersions(
  gh: GitHubClient,
  owner: string,
  packageName: string,
  options: { signal?: AbortSignal; maxPages?: number } = {},
): Promise<ContainerVersions> {
  const maxPages = options.maxPages ?? DEFAULT_LIMITS.listingPages;
  const what = `list the versions of package ${owner}/${packageName}`;
  const base = { package_type: 'container', package_name: packageName };
  const paged = [
    ['GET /orgs/{org}/packages/{package_type}/{package_name}/versions', { ...base, org: owner }],
    ['GET /user/packages/{package_type}/{package_name}/versions', base],
  ] as const;
  let reason = '';
  for (const [route, params] of paged) {
    // The token's own packages are the owner's only when the token's user is the owner.
    if (route.startsWith('GET /user/') && !(await isTokenUser(gh, owner, options.signal))) continue;
    try {
      const first = await gh.call(route, { ...params, per_page: 100, page: 1 }, what, 'read:packages', options.signal);
      const links = linkPages(first.headers.link);
      const last = links.last ?? (links.next ? undefined : 1);
      const versions = list(first.data).map(mapPackageVersion);
      if (last === undefined) {
        // No count given: page by page until a short page.
        let page = 1;
        let items = list(first.data).length;
        while (items === 100) {
          if (++page > maxPages) throw tooMany(owner, packageName, maxPages, versions.length);
          const r = await gh.call(route, { ...params, per_page: 100, page }, what, 'read:packages', options.signal);
          const more = list(r.data);
          versions.push(...more.map(mapPackageVersion));
          items = more.length;
        }
        return { versions, route, pages: page };
      }
      if (last > maxPages) throw tooMany(owner, packageName, maxPages, last * 100);
      const rest = await inTurns(
        Array.from({ length: last - 1 }, (_, i) => i + 2),
        PAGES_IN_FLIGHT,
        async (page) =>
          list(
            (await gh.call(route, { ...params, per_page: 100, page }, what, 'read:packages', options.signal)).data,
          ).map(mapPackageVersion),
      );
      for (const r of rest) versions.push(...r);
      return { versions, route, pages: last };
    } catch (e) {
      reason = (e as Error).message;
      if ((e as { kind?: string }).kind === 'environment' && /limit of/.test(reason)) throw e;
      // 404: not this kind of owner (or not the token's own package): try the next route.
      if (!/\(404\)/.test(reason)) return { unavailable: reason };
    }
  }
  try {
    const route = 'GET /users/{username}/packages/{package_type}/{package_name}/versions';
    const r = await gh.call(route, { ...base, username: owner }, what, 'read:packages', options.signal);
    if (linkPages(r.headers.link).next)
      return {
        unavailable: `${owner}/${packageName} has more versions than one page, and GitHub's route for another user's packages takes no paging`,
      };
    return { versions: list(r.data).map(mapPackageVersion), route, pages: 1 };
  } catch (e) {
    return { unavailable: (e as Error).message || reason };
  }
}

async function isTokenUser(gh: GitHubClient, owner: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const { data } = await gh.call('GET /user', {}, 'read the signed-in user', 'read:user', signal);
    const login = (data as { login?: unknown }).login;
    return typeof login === 'string' && login.toLowerCase() === owner.toLowerCase();
  } catch {
    return false;
  }
}

function tooMany(owner: string, name: string, pages: number, versions: number) {
  return limitError('listingPages', pages, `The package ${owner}/${name} lists about ${versions} versions`);
}

/** Page numbers of rel="next" and rel="last" in a GitHub Link header. */
export function linkPages(header: unknown): { next?: number; last?: number } {
  const out: { next?: number; last?: number } = {};
  if (typeof header !== 'string') return out;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;\s*rel="?(next|last)"?/.exec(part);
    if (!m) continue;
    let page: number;
    try {
      page = Number(new URL(m[1]).searchParams.get('page'));
    } catch {
      continue;
    }
    if (Number.isInteger(page) && page > 0) out[m[2] as 'next' | 'last'] = page;
  }
  return out;
}

/** `fn` over `items`, `width` at a time, results in the items' order. */
async function inTurns<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}
