import type { Basis } from '../report';
import type { AheadOptions, CallOptions, RegistryClient, RepoInput } from './client';
import { parseRepository, repositoryName } from './reference';
import type { TagDigest } from './types';

/**
 * Which digest each tag points at, from the cheapest source that is complete: for an image in GitHub's container
 * registry (ghcr.io), the GitHub Packages API when the token may read packages (100 versions with their tags and
 * digests a page, pages read side by side: about 50 requests for 5,000 tags); otherwise the registry, one HEAD per
 * tag (over HTTP/2 where offered, started as each tag page arrives). The answer says which source it used and why.
 */
export interface PackageVersionsSource {
  (
    owner: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<{ versions: Array<{ digest: string; tags: string[] }>; pages: number } | { unavailable: string }>;
}

/** `ahead`/`onDigest` serve the registry path (one HEAD per tag); the Packages API has every digest at once. */
export interface TagDigestsOptions extends CallOptions, AheadOptions {
  /** The GitHub Packages API, when a GitHub token is at hand. */
  packages?: PackageVersionsSource;
  /** The registry GitHub Packages lists ('ghcr.io'; GitHub Enterprise: containers.HOST); '' never. */
  containerRegistry?: string;
}

export interface TagDigestsResult {
  tags: TagDigest[];
  source: 'github-packages' | 'registry';
  basis: Basis;
}

export async function listTagDigests(
  client: Pick<RegistryClient, 'tagDigests' | 'protocolOf'>,
  repo: RepoInput,
  options: TagDigestsOptions = {},
): Promise<TagDigestsResult> {
  const r = typeof repo === 'string' ? parseRepository(repo) : repo;
  const containerRegistry = options.containerRegistry ?? 'ghcr.io';
  let why = 'not an image of GitHub Packages';
  if (containerRegistry && r.registry === containerRegistry) {
    const slash = r.repository.indexOf('/');
    if (!options.packages) why = 'no GitHub token to read GitHub Packages with';
    else if (slash < 0) why = 'the repository names no owner';
    else {
      const owner = r.repository.slice(0, slash);
      const name = r.repository.slice(slash + 1);
      const answer = await options.packages(owner, name, options.signal);
      if ('versions' in answer) {
        const tags: TagDigest[] = [];
        const seen = new Set<string>();
        for (const v of answer.versions)
          for (const tag of v.tags) {
            // A tag is on one version at a time; should the API list it twice, the first (newest) wins.
            if (seen.has(tag)) continue;
            seen.add(tag);
            tags.push({ tag, digest: v.digest });
          }
        return {
          tags,
          source: 'github-packages',
          basis: {
            subject: 'tag digests',
            value: 'GitHub Packages API',
            source: 'inferred',
            detail: `a token that may read packages: ${answer.versions.length} versions of package ${owner}/${name} in ${answer.pages} page${answer.pages === 1 ? '' : 's'}, not one registry request per tag`,
          },
        };
      }
      why = `GitHub Packages could not be read: ${answer.unavailable.split('\n')[0]}`;
    }
  }
  const tags = await client.tagDigests(r, options);
  const protocol = client.protocolOf(r.registry);
  return {
    tags,
    source: 'registry',
    basis: {
      subject: 'tag digests',
      value: `registry ${repositoryName(r)}`,
      source: 'default',
      detail: `one HEAD request per tag${protocol === 'h2' ? ' over HTTP/2' : ''}; ${why}`,
    },
  };
}
