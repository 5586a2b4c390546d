import { CancelledError, environmentError } from '../errors';
import { type CallOptions, type RegistryClient, repositoryName, type ImageReference } from '../registry';
import type { RepoGraph } from './graph';

/**
 * When the image a digest names was made: the org.opencontainers.image.created annotation, else the `created`
 * of its (first platform's) image config, else `fallback` (GitHub Packages: when the version was pushed).
 * A config that cannot be read stops the plan (fail closed), like an unreadable manifest.
 */
export function createdResolver(
  client: RegistryClient,
  repo: Pick<ImageReference, 'registry' | 'repository'>,
  graph: RepoGraph,
  options: CallOptions & { fallback?: Map<string, string> } = {},
): (digest: string) => Promise<Date | undefined> {
  const configCreated = async (configDigest: string): Promise<Date | undefined> => {
    let text: string;
    try {
      text = (await client.getBlob(repo, configDigest, options)).toString('utf8');
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      throw environmentError(
        `Cannot read the image config ${configDigest} of ${repositoryName(repo)} to date it: ${(e as Error).message} Nothing was planned.`,
        'Fix access to the registry and plan again.',
        e,
      );
    }
    try {
      return toDate((JSON.parse(text) as { created?: unknown }).created);
    } catch {
      return undefined;
    }
  };
  return async (digest) => {
    const node = graph.nodes.get(digest);
    const annotated = toDate(node?.created);
    if (annotated) return annotated;
    let configs: string[] = [];
    if (node?.kind === 'manifest' && node.config) configs = [node.config];
    // The platforms of one build share their time: the first one dates the index (one blob read, not one each).
    else if (node?.kind === 'index')
      configs = node.edges
        .filter((e) => e.role === 'platform')
        .map((e) => graph.nodes.get(e.digest)?.config)
        .filter((c): c is string => Boolean(c))
        .slice(0, 1);
    const dates = (await Promise.all(configs.map(configCreated))).filter((d): d is Date => Boolean(d));
    if (dates.length) return new Date(Math.max(...dates.map((d) => d.getTime())));
    return toDate(options.fallback?.get(digest));
  };
}

function toDate(v: unknown): Date | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t) : undefined;
}
