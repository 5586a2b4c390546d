import { isTag } from './reference';

/**
 * A repository's last tag listing, kept on disk (a DiskCache note) for the next one: its tags are asked about from
 * the start, alongside the first tag page, rather than once a page names them (a round trip sooner for every tag a
 * page of 100 holds), and `open` says the registry answered without credentials, so those first requests need not
 * wait for its first answer to learn whether a token is needed. A hint, never an answer: a tag counts only when a
 * page of this listing names it, its digest only as this listing's own request answered it. Nothing read back is
 * trusted: a note that is not this shape, or names more tags than a listing may hold, is no hint at all.
 */
export interface ListingHint {
  /** The registry answered without credentials. */
  open: boolean;
  /** The tags listed, in the listing's order. */
  tags: string[];
}

const VERSION = 1;

/** The note's name: one per registry and repository. */
export function hintName(registry: string, repository: string): string {
  return `tag listing ${registry}/${repository}`;
}

export function encodeHint(hint: ListingHint): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, open: hint.open, tags: hint.tags }));
}

/** The hint a note holds, or undefined (not one, or more than `maxTags`); tags that are no tag name are left out. */
export function decodeHint(bytes: Buffer, maxTags: number): ListingHint | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { v, open, tags } = json as { v?: unknown; open?: unknown; tags?: unknown };
  if (v !== VERSION || typeof open !== 'boolean' || !Array.isArray(tags) || tags.length > maxTags) return undefined;
  const seen = new Set<string>();
  for (const t of tags) if (typeof t === 'string' && isTag(t)) seen.add(t);
  return { open, tags: [...seen] };
}
