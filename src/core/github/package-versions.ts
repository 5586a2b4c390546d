import { usageError } from '../errors';
import { list, obj, str } from '../untrusted';
import type { GitHubClient } from './client';
import { mapPackageVersion } from './map';
import type { PackageVersion } from './types';

/**
 * A container package's versions through the GitHub Packages API, for pruning: on ghcr.io every manifest is a
 * version (an index's platform and attestation manifests are untagged versions of their own), and deleting a
 * version deletes the manifest. Org packages live under /orgs/{org}, a user's own under /user (the only user
 * route that pages, and the owner is the only one who may delete there).
 */
export type PackageOwner = { kind: 'org'; org: string } | { kind: 'user'; login?: string };

export interface PackageRef {
  owner: PackageOwner;
  /** The package name: the image path below the owner (acme/tools/rocket -> tools/rocket). */
  name: string;
}

const PAGE = 100;
const params = (p: PackageRef) => ({
  package_type: 'container',
  package_name: p.name,
  ...(p.owner.kind === 'org' ? { org: p.owner.org } : {}),
});
const prefix = (p: PackageRef) => (p.owner.kind === 'org' ? '/orgs/{org}' : '/user');
const packagePath = (p: PackageRef) =>
  `${p.owner.kind === 'org' ? `/orgs/${p.owner.org}` : '/user'}/packages/container/${encodeURIComponent(p.name)}`;

/** Finds who owns the package: the organisation `owner`, else the signed-in user (404 on both: a usage error). */
export async function resolvePackage(gh: GitHubClient, owner: string, name: string, signal?: AbortSignal) {
  const what = `read the package ${owner}/${name}`;
  for (const ref of [
    { owner: { kind: 'org', org: owner }, name },
    { owner: { kind: 'user' }, name },
  ] as PackageRef[]) {
    try {
      const { data } = await gh.call(
        `GET ${prefix(ref)}/packages/{package_type}/{package_name}`,
        params(ref),
        what,
        'read:packages',
        signal,
      );
      const o = obj(data);
      const login = str(obj(o.owner).login);
      if (ref.owner.kind === 'user' && login && login.toLowerCase() !== owner.toLowerCase()) break;
      if (ref.owner.kind === 'user') ref.owner.login = login;
      return { ref, visibility: str(o.visibility) };
    } catch (e) {
      // 404 on the org route: the owner is a user (or there is no such package).
      if (!/\(404\)/.test((e as Error).message)) throw e;
    }
  }
  throw usageError(
    `GitHub has no container package ${name} of the organisation ${owner}, nor of the signed-in user.`,
    `A user's package can be pruned only with that user's own token; check the image name (ghcr.io/${owner}/${name}).`,
  );
}

/** Every version of the package (tagged and untagged), 100 a page. */
export async function listAllPackageVersions(
  gh: GitHubClient,
  ref: PackageRef,
  signal?: AbortSignal,
): Promise<PackageVersion[]> {
  const out: PackageVersion[] = [];
  for (let page = 1; page <= 1000; page++) {
    const { data } = await gh.call(
      `GET ${prefix(ref)}/packages/{package_type}/{package_name}/versions`,
      { ...params(ref), per_page: PAGE, page },
      `list the versions of package ${ref.name}`,
      'read:packages',
      signal,
    );
    const items = list(data);
    out.push(...items.map(mapPackageVersion));
    if (items.length < PAGE) break;
  }
  return out;
}

/** Deletes one version; false when it was already gone (404). */
export async function deletePackageVersion(
  gh: GitHubClient,
  ref: PackageRef,
  id: number,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await gh.call(
      `DELETE ${prefix(ref)}/packages/{package_type}/{package_name}/versions/{package_version_id}`,
      { ...params(ref), package_version_id: id },
      `delete version ${id} of package ${ref.name}`,
      'delete:packages',
      signal,
    );
    return true;
  } catch (e) {
    if (/could not find what was asked/.test((e as Error).message)) return false;
    throw e;
  }
}

/** The command that restores a deleted version (GitHub keeps them 30 days). */
export function restoreCommand(ref: PackageRef, id: number): string {
  return `gh api -X POST ${packagePath(ref)}/versions/${id}/restore`;
}
