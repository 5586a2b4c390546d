import type { ReleaseOperatorConfig } from '../config/schema';
import { sortImageTags } from '../version/order';
import { resolveScheme, type TagScheme } from '../version/scheme';
import type { CallOptions, RegistryClient } from './client';
import { listTagDigests, type PackageVersionsSource, type TagDigestsResult } from './tag-source';
import type { ImageInfo, TagDigest } from './types';

/**
 * Opening an image repository as the Release view does: which digest every tag points at (the one answer that can
 * change, so always asked: the Packages API or one HEAD per tag), the tags in the view's order (latest, moving
 * tags, versions newest first, then the rest), and the first `first` of them inspected by digest. Manifests and
 * configs by digest come from the on-disk cache when an earlier open fetched them, so a second open costs only
 * the digests. `more(from, count)` inspects the next ones when the view asks for them ("Show more").
 */
export interface ImageOpen {
  /** Every tag with its digest, in the view's order. */
  ordered: TagDigest[];
  scheme: TagScheme;
  listing: Pick<TagDigestsResult, 'source' | 'basis'>;
  /** The first ones, inspected (an Error where one could not be read). */
  shown: Array<{ tag: string; digest: string; info: ImageInfo | Error }>;
  more(from: number, count: number, options?: CallOptions): Promise<ImageOpen['shown']>;
}

export interface OpenOptions extends CallOptions {
  first?: number;
  /** Read each shown platform's config for its labels (the view shows them on hover). */
  labels?: boolean;
  packages?: PackageVersionsSource;
}

export async function openImageTags(
  client: Pick<RegistryClient, 'tagDigests' | 'protocolOf' | 'inspect'>,
  repository: string,
  config: ReleaseOperatorConfig,
  options: OpenOptions = {},
): Promise<ImageOpen> {
  const listing = await listTagDigests(client, repository, {
    signal: options.signal,
    packages: options.packages,
    containerRegistry: config.github.containerRegistry,
  });
  const scheme = resolveScheme(config.tags, { imageTags: listing.tags.map((t) => t.tag) });
  const byTag = new Map(listing.tags.map((t) => [t.tag, t]));
  const ordered = sortImageTags([...byTag.keys()], scheme.imagePrefix).map((t) => byTag.get(t)!);
  const more = (from: number, count: number, o: CallOptions = {}) =>
    Promise.all(
      ordered.slice(from, from + count).map(async (t) => ({
        tag: t.tag,
        digest: t.digest,
        info: await client
          .inspect(`${repository}@${t.digest}`, { signal: o.signal ?? options.signal, labels: options.labels })
          .then((i): ImageInfo => ({ ...i, reference: `${repository}:${t.tag}`, tag: t.tag }))
          .catch((e: Error) => e),
      })),
    );
  const shown = await more(0, options.first ?? 50);
  return { ordered, scheme, listing: { source: listing.source, basis: listing.basis }, shown, more };
}
