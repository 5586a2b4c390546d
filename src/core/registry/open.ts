import type { ReleaseOperatorConfig } from '../config/schema';
import { linkSignal, operationSignal } from '../operation';
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
  client: Pick<RegistryClient, 'tagDigests' | 'protocolOf' | 'inspect' | 'holdCacheWrites'>,
  repository: string,
  config: ReleaseOperatorConfig,
  options: OpenOptions = {},
): Promise<ImageOpen> {
  // What it fetches goes to the disk cache once the view has its answer, not while the listing's requests run.
  const release = client.holdCacheWrites();
  try {
    return await open(client, repository, config, options);
  } finally {
    release();
  }
}

async function open(
  client: Pick<RegistryClient, 'tagDigests' | 'protocolOf' | 'inspect'>,
  repository: string,
  config: ReleaseOperatorConfig,
  options: OpenOptions,
): Promise<ImageOpen> {
  const first = options.first ?? 50;
  // The open is one operation (the caller's, or its own): its listing and the first inspections share it. "Show more"
  // later is one of its own (more()): the open's may be long over.
  const signal = operationSignal(options.signal);
  const inspectOne = (t: TagDigest, signal = options.signal, priority = false) =>
    client
      .inspect(`${repository}@${t.digest}`, { signal, labels: options.labels, priority })
      .then((i): ImageInfo => ({ ...i, reference: `${repository}:${t.tag}`, tag: t.tag }))
      .catch((e: Error) => e);
  // Over the registry (a HEAD per tag) the view's order is known once every tag is listed, before their digests:
  // the first ones' HEADs go ahead of the rest and each is inspected as its digest comes, while the other HEADs run.
  let early: { names: number; scheme: TagScheme; order: string[]; first: Set<string> } | undefined;
  const inspected = new Map<string, { digest: string; info: Promise<ImageInfo | Error> }>();
  // Those started early stop with the listing, should it fail.
  const stop = new AbortController();
  const earlySignal = linkSignal(signal, stop.signal);
  const listing = await listTagDigests(client, repository, {
    signal,
    packages: options.packages,
    containerRegistry: config.github.containerRegistry,
    ahead: (names) => {
      const scheme = resolveScheme(config.tags, { imageTags: names });
      const order = sortImageTags(names, scheme.imagePrefix);
      const head = order.slice(0, first);
      early = { names: names.length, scheme, order, first: new Set(head) };
      return head;
    },
    onDigest: (t) => {
      if (early?.first.has(t.tag) && !inspected.has(t.tag))
        // Ahead of the HEADs still to come, which the listing's last page lets jump the queue too.
        inspected.set(t.tag, { digest: t.digest, info: inspectOne(t, earlySignal, true) });
    },
  }).catch((e: unknown) => {
    stop.abort();
    throw e;
  });
  const tags = listing.tags.map((t) => t.tag);
  const byTag = new Map(listing.tags.map((t) => [t.tag, t]));
  // The early order holds when every listed tag has its digest (the usual case); a tag gone meanwhile means again.
  const same = early !== undefined && early.names === tags.length;
  const scheme = same ? early!.scheme : resolveScheme(config.tags, { imageTags: tags });
  const ordered = (same ? early!.order : sortImageTags([...byTag.keys()], scheme.imagePrefix)).map((t) =>
    byTag.get(t)!,
  );
  const more = (from: number, count: number, o: CallOptions = {}) => {
    // One operation for the lot (the caller's, or one of its own): children they share are fetched once.
    const lot = operationSignal(o.signal ?? options.signal);
    return Promise.all(
      ordered.slice(from, from + count).map(async (t) => {
        const done = inspected.get(t.tag);
        const info = done && done.digest === t.digest ? done.info : inspectOne(t, lot);
        return { tag: t.tag, digest: t.digest, info: await info };
      }),
    );
  };
  const shown = await more(0, first, { signal });
  return { ordered, scheme, listing: { source: listing.source, basis: listing.basis }, shown, more };
}
