import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { checkError, environmentError, usageError } from '../errors';
import { DEFAULT_LIMITS, LIMITS, limitError, type Limits } from '../limits';
import { nullLogger, type Logger } from '../log';
import { neutralize } from '../neutralize';
import { linkSignal, operationSignal, shared, withOperation } from '../operation';
import { isObj } from '../untrusted';
import { contentCache } from './cache';
import { defaultCredentials, type CredentialSource } from './credentials';
import type { DiskCache } from './disk-cache';
import { decodeHint, encodeHint, hintName, type ListingHint } from './listing-hint';
import type { RegistryTrust } from './registry-trust';
import {
  algorithmOf,
  digestOf,
  isImageManifest,
  isIndex,
  parseManifest,
  platformMatches,
  platformString,
  splitIndex,
} from './manifest';
import {
  checkDigest,
  DOCKER_HUB,
  checkTag,
  formatReference,
  isTag,
  parseReference,
  parseRepository,
  repositoryName,
  type ImageReference,
} from './reference';
import { byCodeUnit, lexicalCursor, NotLexical, readTagRanges, TAG_RANGES } from './tag-ranges';
import { Transport, type BufferedResponse, type HeaderBag } from './transport';
import {
  MANIFEST_ACCEPT,
  MediaType,
  type Descriptor,
  type ImageConfig,
  type ImageManifestJson,
  type ImageInfo,
  type ManifestHead,
  type ManifestResult,
  type PlatformInfo,
  type TagDigest,
} from './types';

export interface RegistryClientOptions {
  /** Where credentials come from; default: defaultCredentials() (GITHUB_TOKEN for ghcr.io, docker config, helpers). */
  credentials?: CredentialSource;
  /** host[:port] reached over plain HTTP (loopback always is). */
  insecureRegistries?: readonly string[];
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Per request, until the answer's headers (streams) or whole body (default 30 s). */
  timeoutMs?: number;
  /** Retries on 408/429/5xx and transient network errors (default 3). */
  retries?: number;
  /** First backoff delay in ms when no Retry-After is sent (default 500, doubling). */
  retryBaseMs?: number;
  /** Pages and tags per listing, children per index, requests and time per operation, retry wait, document size. */
  limits?: Partial<Limits>;
  logger?: Logger;
  /** A fetch implementation for HTTP/1.1 (default: Node's global fetch, i.e. undici). */
  fetch?: typeof fetch;
  /** HTTP/2 over TLS where the registry offers it (default true). */
  http2?: boolean;
  /** Requests in flight on one HTTP/2 connection (default 100). */
  streams?: number;
  /**
   * Read a long tag list over ranges at once where the registry's cursor is lexical (tag-ranges.ts); default true.
   * False: page by page, as the registry names them.
   */
  tagRanges?: boolean;
  /** CAs of registries' own (registry.certificates). */
  trust?: RegistryTrust;
  /** Manifests and image configs by digest on disk (default: none; the faces pass the user's cache folder). */
  diskCache?: DiskCache;
}

/** A reference given as text or already parsed. */
export type RefInput = string | ImageReference;
/** A repository given as text (registry/path) or already parsed. */
export type RepoInput = string | Pick<ImageReference, 'registry' | 'repository'>;

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Ahead of waiting requests, and may take the slot kept for tag pages (see Slots): the next tag page, the HEADs
   * after the last page, and what the caller is waiting on before the rest (the view's first tags).
   */
  priority?: boolean;
}

/**
 * A digest listing's caller who wants some tags first (the Release view: the newest it inspects). `ahead` is called
 * once every tag is listed, with the tags in the listing's order, and returns the tags whose HEADs go before the rest
 * not yet asked about; `onDigest` hears each tag's digest as it comes, so work on those can start before the last
 * HEAD. The listing's result and order are the same either way.
 */
export interface AheadOptions {
  ahead?(tags: readonly string[]): readonly string[];
  onDigest?(t: TagDigest): void;
}

export interface InspectOptions extends CallOptions {
  /**
   * Read the config blob of each platform of an index for its labels (default true; a single manifest's config is
   * always read).
   */
  labels?: boolean;
}

/** A verified stream of one blob: it errors at the end if the bytes do not match the digest. */
export interface BlobStream {
  size?: number;
  stream: Readable;
}

/**
 * A focused OCI distribution client: manifests, indexes, platforms, attestations, labels, tags and retag.
 * Errors are ReleaseOperatorErrors: 401/403 and unreachable registries are 'environment' (exit 3), a missing
 * tag or repository is 'check' (exit 1: the release lacks what it should have), a malformed reference is
 * 'usage' (exit 2), a malformed manifest is 'check', bytes that do not match their digest are 'environment'.
 */
export class RegistryClient {
  private readonly transport: Transport;
  private readonly log: Logger;
  private readonly limits: Limits;
  private readonly disk?: DiskCache;
  private readonly tagRanges: boolean;

  constructor(options: RegistryClientOptions = {}) {
    this.tagRanges = options.tagRanges ?? true;
    this.log = options.logger ?? nullLogger;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.transport = new Transport({
      credentials: options.credentials ?? defaultCredentials({ logger: this.log }),
      insecureRegistries: options.insecureRegistries ?? [],
      concurrency: options.concurrency ?? 16,
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 500,
      limits: this.limits,
      logger: this.log,
      fetch: options.fetch ?? fetch,
      http2: options.http2,
      streams: options.streams,
      trust: options.trust,
    });
    this.disk = options.diskCache;
  }

  /** Disk cache writes wait until the returned function is called (DiskCache.hold); without a disk cache, nothing. */
  holdCacheWrites(): () => void {
    return this.disk?.hold() ?? (() => undefined);
  }

  /** The protocol the registry answered on ('h2' or 'http/1.1'), once it has answered. */
  protocolOf(registry: string): 'h2' | 'http/1.1' | undefined {
    return this.transport.protocolOf(registry);
  }

  /** Closes HTTP/2 connections now (they never keep the process alive; this is for long-lived hosts). */
  close(): void {
    this.transport.close();
  }

  /**
   * Everything about a reference without pulling layers: digest, media type, kind, real platforms (each with
   * its digest, attestations and labels), unattached attestations, labels and (single manifests) the config.
   */
  inspect(ref: RefInput, options: InspectOptions = {}): Promise<ImageInfo> {
    return withOperation(options, (_, o) => this.inspectNow(ref, o));
  }

  private async inspectNow(ref: RefInput, options: InspectOptions): Promise<ImageInfo> {
    const r = toRef(ref);
    const m = await this.getManifest(r, options);
    const base = {
      reference: formatReference(r),
      repository: repositoryName(r),
      tag: r.tag,
      digest: m.digest,
      mediaType: m.mediaType,
      kind: m.kind,
    };
    if (isIndex(m.json)) {
      const { platforms, unattached } = splitIndex(m.json);
      if (options.labels !== false) {
        await Promise.all(
          platforms.map(async (p) => {
            const child = await this.getManifest({ ...r, tag: undefined, digest: p.digest }, options);
            if (isImageManifest(child.json)) {
              p.compressedSize = layersSize(child.json);
              p.labels = (await this.configOf(r, child, options)).config.config?.Labels ?? {};
            }
          }),
        );
      }
      return { ...base, platforms, attestations: unattached, labels: commonLabels(platforms) };
    }
    // A single manifest's platform lives in its config, so the config is read even without labels.
    const config = (await this.configOf(r, m, options)).config;
    const labels = config?.config?.Labels ?? {};
    const os = config?.os ?? 'unknown';
    const architecture = config?.architecture ?? 'unknown';
    const variant = config?.variant || undefined;
    const platform: PlatformInfo = {
      os,
      architecture,
      variant,
      platform: platformString({ os, architecture, variant }),
      digest: m.digest,
      mediaType: m.mediaType,
      size: m.bytes.length,
      compressedSize: isImageManifest(m.json) ? layersSize(m.json) : undefined,
      labels,
      attestations: [],
    };
    return { ...base, platforms: [platform], attestations: [], labels, config };
  }

  /**
   * GET a manifest by tag or digest with all four Accept types. The digest is the sha256 of the exact bytes;
   * it is checked against the digest asked for and against Docker-Content-Digest. Cached by digest.
   */
  getManifest(ref: RefInput, given: CallOptions = {}): Promise<ManifestResult> {
    const r = toRef(ref);
    return withOperation(given, (op, options) => {
      if (!r.digest) return this.fetchManifest(r, options);
      // By digest: one fetch per operation, however many children of an index name it.
      const hit = contentCache.get(r.digest);
      if (hit)
        return Promise.resolve({
          digest: r.digest,
          ...this.parseChecked(hit.bytes, hit.mediaType, formatReference(r)),
          bytes: hit.bytes,
        });
      const digest = r.digest;
      return shared(op, `GET ${r.registry}/${r.repository}@${digest}`, async () => {
        // On disk from an earlier open: verified against its digest as it is read.
        const disk = await this.disk?.get(digest);
        if (disk) {
          const parsed = this.parseChecked(disk.bytes, disk.mediaType, formatReference(r));
          contentCache.set(digest, { mediaType: parsed.mediaType, bytes: disk.bytes });
          return { digest, ...parsed, bytes: disk.bytes };
        }
        return this.fetchManifest(r, options);
      });
    });
  }

  private async fetchManifest(r: ImageReference, options: CallOptions): Promise<ManifestResult> {
    const res = await this.requestManifest(r, options);
    if (res.status !== 200) throw this.statusError(res, r, 'manifest');
    return this.keepManifest(res, r);
  }

  /**
   * The manifest a tag names, fetched whole where a HEAD would give only its digest: for the tags about to be inspected
   * (a round trip sooner, and the same number of requests); null when the tag is gone, as headManifest says it.
   */
  private async tagManifest(r: ImageReference, options: CallOptions): Promise<ManifestHead | null> {
    const res = await this.requestManifest(r, options);
    if (res.status === 404) return null;
    if (res.status !== 200) throw this.statusError(res, r, 'manifest');
    const m = this.keepManifest(res, r);
    return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
  }

  private requestManifest(r: ImageReference, options: CallOptions): Promise<BufferedResponse> {
    return this.transport.request({
      registry: r.registry,
      method: 'GET',
      url: manifestPath(r),
      repository: r.repository,
      headers: { accept: MANIFEST_ACCEPT },
      signal: options.signal,
      priority: options.priority,
      maxBytes: LIMITS.manifestBytes.default,
      limit: 'manifestBytes',
    });
  }

  /** A manifest's answer checked against its digest (asked for, else announced), parsed and kept by digest. */
  private keepManifest(res: BufferedResponse, r: ImageReference): ManifestResult {
    const what = formatReference(r);
    const expected = r.digest ?? sentDigest(res);
    const digest = digestOf(res.body, expected ? algorithmOf(expected, r.registry) : 'sha256');
    if (expected && expected !== digest)
      throw mismatch(what, expected, digest, r.digest ? 'asked for' : 'announced by the registry');
    const parsed = this.parseChecked(res.body, res.headers.get('content-type'), what);
    contentCache.set(digest, { mediaType: parsed.mediaType, bytes: res.body });
    this.disk?.put(digest, parsed.mediaType, res.body);
    return { digest, ...parsed, bytes: res.body };
  }

  /** parseManifest, then the limit on an index's children (each may cost requests). */
  private parseChecked(bytes: Buffer, contentType: string | null, what: string) {
    const parsed = parseManifest(bytes, contentType, what);
    if (isIndex(parsed.json) && parsed.json.manifests.length > this.limits.indexChildren)
      throw limitError(
        'indexChildren',
        this.limits.indexChildren,
        `The index ${what} lists ${parsed.json.manifests.length} manifests`,
      );
    return parsed;
  }

  /** HEAD a manifest: digest, media type and size without the body; null when the tag or digest does not exist. */
  headManifest(ref: RefInput, options: CallOptions & { presumeOpen?: boolean } = {}): Promise<ManifestHead | null> {
    const r = toRef(ref);
    return withOperation(options, (op, o) =>
      // By digest the answer cannot change while the operation runs: ask once. A tag can move, so it is always asked.
      r.digest
        ? shared(op, `HEAD ${r.registry}/${r.repository}@${r.digest}`, () => this.fetchHead(r, o))
        : this.fetchHead(r, o),
    );
  }

  private async fetchHead(
    r: ImageReference,
    options: CallOptions & { presumeOpen?: boolean },
  ): Promise<ManifestHead | null> {
    const res = await this.transport.request({
      registry: r.registry,
      method: 'HEAD',
      url: manifestPath(r),
      repository: r.repository,
      headers: { accept: MANIFEST_ACCEPT },
      signal: options.signal,
      priority: options.priority,
      presumeOpen: options.presumeOpen,
    });
    if (res.status === 404) return null;
    if (res.status !== 200) throw this.statusError(res, r, 'manifest');
    const digest = sentDigest(res);
    if (!digest) {
      // Some registries leave out Docker-Content-Digest on HEAD: fall back to the body.
      const m = await this.getManifest(r, options);
      return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
    }
    if (!DIGEST_SHAPE.test(digest))
      throw environmentError(
        `The registry ${r.registry} sent a Docker-Content-Digest that is not a digest (${neutralize(digest, 100)}) for ${formatReference(r)}.`,
        'Report it to the registry operator.',
      );
    algorithmOf(digest, r.registry);
    return {
      digest,
      mediaType: (res.headers.get('content-type') ?? '').split(';')[0].trim(),
      size: Number(res.headers.get('content-length') ?? 0),
    };
  }

  /** A blob's bytes, verified against its digest (redirects to blob storage carry no registry credentials). */
  getBlob(repo: RepoInput, digest: string, options: CallOptions = {}): Promise<Buffer> {
    const r = toRepo(repo);
    const hit = contentCache.get(digest);
    if (hit) return Promise.resolve(hit.bytes);
    return withOperation(options, (op, o) =>
      shared(op, `GET ${r.registry}/${r.repository}/blobs/${digest}`, async () => {
        const disk = await this.disk?.get(digest);
        if (disk) {
          contentCache.set(digest, { mediaType: disk.mediaType, bytes: disk.bytes });
          return disk.bytes;
        }
        return this.fetchBlob(r, digest, o);
      }),
    );
  }

  private async fetchBlob(
    r: Pick<ImageReference, 'registry' | 'repository'>,
    digest: string,
    options: CallOptions,
  ): Promise<Buffer> {
    const algorithm = algorithmOf(checkDigest(digest, r.registry), r.registry);
    const res = await this.transport.request({
      registry: r.registry,
      method: 'GET',
      url: `/v2/${r.repository}/blobs/${digest}`,
      repository: r.repository,
      signal: options.signal,
      priority: options.priority,
      maxBytes: this.limits.documentBytes,
      limit: 'documentMegabytes',
    });
    if (res.status !== 200) throw this.statusError(res, { ...r, digest }, 'blob');
    const got = digestOf(res.body, algorithm);
    if (got !== digest) throw mismatch(`blob ${repositoryName(r)}@${digest}`, digest, got, 'asked for');
    contentCache.set(digest, { mediaType: 'application/octet-stream', bytes: res.body });
    this.disk?.put(digest, 'application/octet-stream', res.body);
    return res.body;
  }

  /** A blob as a stream for big layers; the stream errors at its end when the bytes do not match the digest. */
  async openBlob(repo: RepoInput, digest: string, options: CallOptions = {}): Promise<BlobStream> {
    const r = toRepo(repo);
    const algorithm = algorithmOf(checkDigest(digest, r.registry), r.registry);
    const res = await this.transport.stream({
      registry: r.registry,
      method: 'GET',
      url: `/v2/${r.repository}/blobs/${digest}`,
      repository: r.repository,
      signal: options.signal,
    });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw this.statusError({ ...res, body: Buffer.alloc(0) }, { ...r, digest }, 'blob');
    }
    const hash = createHash(algorithm);
    const verify = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        const got = `${algorithm}:${hash.digest('hex')}`;
        done(got === digest ? null : mismatch(`blob ${repositoryName(r)}@${digest}`, digest, got, 'asked for'));
      },
    });
    const source = res.body ? Readable.fromWeb(res.body) : Readable.from([]);
    source.on('error', (e) => verify.destroy(e));
    const length = res.headers.get('content-length');
    return { size: length ? Number(length) : undefined, stream: source.pipe(verify) };
  }

  /**
   * Every tag of a repository, following `Link: <...>; rel="next"` pages on the same host only, within the limits on
   * pages and tags. Each page must be what the spec says (`tags`: a list of tag names, or null); anything else is
   * refused, never read into tags.
   */
  listTags(repo: RepoInput, options: CallOptions = {}): Promise<string[]> {
    return withOperation(options, (_, o) => this.listTagsNow(toRepo(repo), o));
  }

  private async listTagsNow(r: Pick<ImageReference, 'registry' | 'repository'>, options: CallOptions) {
    const tags: string[] = [];
    const order: TagOrder = {};
    for await (const page of this.tagPages(r, options, order)) tags.push(...page.tags);
    return inListingOrder(tags, (t) => t, order);
  }

  /**
   * The tag list page by page as it arrives (new tags only: a tag repeated on a later page is left out), so each
   * page's tags can be worked on while the next is on its way. The next page is asked for as soon as its address is
   * known, before this page's tags are handed out: the pages follow one another (each names the next), so any time
   * spent between a page's answer and the next request (the consumer starting a request per tag) would add to every
   * page of a long listing.
   */
  private async *tagPages(
    r: Pick<ImageReference, 'registry' | 'repository'>,
    options: CallOptions,
    order: TagOrder = {},
  ): AsyncGenerator<{ tags: string[]; last: boolean }> {
    const tags = new Set<string>();
    let seen = new Set<string>();
    let pagesAsked = 0;
    const name = repositoryName(r);
    const origin = new URL(this.transport.baseUrl(r.registry)).origin;
    const fetchPage = (url: string, signal = options.signal): Promise<BufferedResponse> => {
      const p = this.transport.request({
        registry: r.registry,
        method: 'GET',
        url,
        repository: r.repository,
        signal,
        maxBytes: this.limits.documentBytes,
        limit: 'documentMegabytes',
        // Ahead of the HEADs waiting for a slot: the next page names the next tags to ask about.
        priority: true,
      });
      // Asked for ahead: a consumer that stops early never reads it, and its failure must not go unhandled.
      p.catch(() => undefined);
      return p;
    };
    const pageLimit = () =>
      limitError(
        'listingPages',
        this.limits.listingPages,
        `The tag list of ${name} goes on past ${pagesAsked} pages (${tags.size} tags so far)`,
      );
    /** One more page asked for, within the limit on pages. */
    const count = () => {
      if (pagesAsked >= this.limits.listingPages) throw pageLimit();
      pagesAsked++;
    };
    /** The next page's request, or why there is none (a loop or the page limit, said after this page's tags). */
    const follow = (url: string): { res: Promise<BufferedResponse> } | { error: Error } => {
      if (seen.has(url))
        return {
          error: environmentError(
            `The registry ${r.registry} sent a tag page loop at ${neutralize(url, 200)}.`,
            'Try again later; report it to the registry operator.',
          ),
        };
      if (pagesAsked >= this.limits.listingPages) return { error: pageLimit() };
      pagesAsked++;
      seen.add(url);
      return { res: fetchPage(url) };
    };
    /** A page's tags as sent and the next page's address (same host only). */
    const parse = (res: BufferedResponse): { raw: string[]; next?: URL } => {
      if (res.status !== 200) throw this.statusError(res, r, 'repository');
      const raw = tagPage(res.body, r.registry, name);
      const next = nextPage(res, r.registry, origin, 'tag page');
      return next ? { raw, next } : { raw };
    };
    /** The tags not seen before, in the order given (within the limit on tags). */
    const fresh = (raw: readonly string[]): string[] => {
      const out: string[] = [];
      for (const tag of raw) {
        if (tags.has(tag)) continue;
        tags.add(tag);
        out.push(tag);
        if (tags.size > this.limits.listingItems)
          throw limitError('listingItems', this.limits.listingItems, `The tag list of ${name} has more tags`);
      }
      return out;
    };
    let next: ReturnType<typeof follow> | undefined = follow(`/v2/${r.repository}/tags/list?n=1000`);
    // Whether every page so far came in lexical order with a lexical cursor.
    let lexicalSoFar = true;
    let lastTag: string | undefined;
    while (next) {
      if ('error' in next) throw next.error;
      const page = parse(await next.res);
      const listed = fresh(page.raw);
      lexicalSoFar &&=
        lexicalCursor(page.raw, page.next) && (lastTag === undefined || page.raw[0] > lastTag) && !order.rank;
      lastTag = page.raw.at(-1);
      if (page.next && this.tagRanges && lexicalSoFar) {
        // More than a page on a lexical cursor: the rest over ranges read at once (tag-ranges.ts), the plain way if
        // that fails. Page by page, the pages would follow one another a round trip each while the HEADs wait for
        // tags (1,000 tags: 10 round trips of pages against 5 rounds of HEADs).
        const plain = [...tags];
        const done = yield* this.rangePages(page.raw, listed, page.next, { fresh, fetchPage, parse, count }, options);
        if (done) {
          order.lexical = true;
          yield { tags: [], last: true };
          return;
        }
        // Read again page by page from this page's next, in the registry's order (ranks for the caller).
        order.rank = new Map(plain.map((t, i) => [t, i]));
        seen = new Set();
        next = follow(page.next.toString());
        continue;
      }
      if (order.rank) for (const t of page.raw) if (!order.rank.has(t)) order.rank.set(t, order.rank.size);
      next = page.next ? follow(page.next.toString()) : undefined;
      if (listed.length || !next) yield { tags: listed, last: !next };
    }
  }

  /**
   * The tags after a first page read over ranges at once (readTagRanges), each page's new tags handed out as it
   * comes; the first page's new tags (`listed`) once the ranges' first pages are asked for, so those requests go out
   * before the work the first tags start. True when read; false when the registry turned out not to be a lexical
   * cursor (nothing is lost: the caller reads the rest page by page). A failure of the registry's own pages is the
   * listing's failure.
   */
  private async *rangePages(
    first: string[],
    listed: string[],
    next: URL,
    list: {
      /** The tags not handed out before (and the limit on tags). */
      fresh(raw: readonly string[]): string[];
      fetchPage(url: string, signal?: AbortSignal): Promise<BufferedResponse>;
      parse(res: BufferedResponse): { raw: string[]; next?: URL };
      /** One more page (and the limit on pages). */
      count(): void;
    },
    options: CallOptions,
  ): AsyncGenerator<{ tags: string[]; last: boolean }, boolean> {
    const stop = new AbortController();
    const signal = linkSignal(options.signal, stop.signal);
    const ready: string[][] = [];
    let wake: (() => void) | undefined;
    const nudge = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    let outcome: { done: true } | { error: unknown } | undefined;
    const reading = readTagRanges(
      next,
      first,
      (raw) => {
        const tags = list.fresh(raw);
        if (tags.length) ready.push(tags);
        nudge();
      },
      {
        read: async (url, made) => {
          list.count();
          let res: BufferedResponse;
          try {
            res = await list.fetchPage(url.toString(), signal);
          } catch (e) {
            if (made && !signal.aborted) throw new NotLexical(`a made cursor failed: ${String(e)}`);
            throw e;
          }
          if (made && res.status !== 200) throw new NotLexical(`HTTP ${res.status} for a made cursor`);
          // A page that is not one (its shape, its next address) is the registry's fault, made cursor or not.
          const page = list.parse(res);
          return { tags: page.raw, next: page.next };
        },
        ...TAG_RANGES,
        signal,
      },
    ).then(
      () => {
        outcome = { done: true };
        nudge();
      },
      (e: unknown) => {
        outcome = { error: e };
        nudge();
      },
    );
    try {
      if (listed.length) yield { tags: listed, last: false };
      for (;;) {
        if (ready.length) {
          for (const tags of ready.splice(0)) yield { tags, last: false };
          continue;
        }
        if (outcome) break;
        await new Promise<void>((w) => (wake = w));
      }
    } finally {
      stop.abort();
      await reading;
    }
    const o = outcome;
    if ('done' in o) return true;
    if (o.error instanceof NotLexical) {
      this.log.debug(`tag list of ${next.pathname}: ranges not used (${o.error.message}); reading page by page`);
      return false;
    }
    throw o.error;
  }

  /** Every tag with the digest it points at, in the listing's order (HEAD requests; see tagDigestStream). */
  tagDigests(repo: RepoInput, options: CallOptions & AheadOptions & { tags?: string[] } = {}): Promise<TagDigest[]> {
    return withOperation(options, async (_, o) => {
      const out: Array<TagDigest & { index: number }> = [];
      const order: TagOrder = {};
      for await (const t of this.tagDigestStream(toRepo(repo), { ...o, order })) {
        out.push(t);
        options.onDigest?.(t);
      }
      return inListingOrder(
        out.sort((a, b) => a.index - b.index),
        (t) => t.tag,
        order,
      ).map(({ index: _, ...t }) => t);
    });
  }

  /**
   * Every tag with its digest as each answer arrives. The tag pages are read as fast as they come (one after another,
   * or over ranges at once for a long list), never waiting for HEADs; the HEAD of each listed tag starts when fewer
   * than the connections carry are under way (100 streams each, up to 2 connections), so the listing and the HEADs
   * overlap. Tags not yet asked about wait as names only: a HEAD's state (promises, timers, streams) exists only
   * while it is under way, which keeps memory flat and short-lived at any size (requests queued for a slot used to
   * live long enough to be promoted to the old generation). `index` is the tag's place in the listing. A failure
   * stops the rest (in flight requests are cancelled).
   */
  async *tagDigestStream(
    repo: RepoInput,
    options: CallOptions & Pick<AheadOptions, 'ahead'> & { tags?: string[]; order?: TagOrder } = {},
  ): AsyncGenerator<TagDigest & { index: number }> {
    const r = toRepo(repo);
    // A HEAD per tag of a list of unknown length: the registry's further HTTP/2 connection opens with its first, so
    // it is ready when the first is full (a long list) rather than a handshake after; a short list leaves it idle.
    if (!options.tags || options.tags.length > this.transport.h2InFlight / 2) this.transport.widen(r.registry);
    const stop = new AbortController();
    // Its pages and HEADs belong to the caller's operation, or to one of the listing's own.
    const signal = linkSignal(operationSignal(options.signal), stop.signal);
    const ready: Array<TagDigest & { index: number }> = [];
    let failure: { error: unknown } | undefined;
    let outstanding = 0;
    let listed = false;
    let wakeConsumer: (() => void) | undefined;
    const wake = () => {
      const w = wakeConsumer;
      wakeConsumer = undefined;
      w?.();
    };
    // HEADs started and not yet answered, at most: the requests the registry carries at once (over HTTP/2 100 streams
    // a connection, one kept for the next tag page; over HTTP/1.1 the client's concurrency). More would only wait for
    // a slot, holding their state, and could no longer be put behind the tags `ahead` names.
    const maxOutstanding = () => this.transport.inFlight(r.registry);
    // Every tag listed, in listing order (a tag's place there is its `index`), and the places not yet asked about in
    // the order they are to be (a read position rather than shift(), which is linear).
    const names: string[] = [];
    let todo: number[] = [];
    let next = 0;
    // The tags the last listing of this repository held (a hint on disk, see listing-hint.ts) are asked about from the
    // start, before a page names them: a guess counts once a page of this listing names its tag (its `index` then),
    // and is dropped when none does (a tag deleted since). Guesses go after the tags pages named and nobody asked
    // about yet, and none starts once the last page is in. A guessed tag a page names before its guess started (an
    // index and no request) is asked about as any other.
    const guesses = new Map<string, Guess>();
    let guessQueue: Guess[] = [];
    let guessNext = 0;
    let presumeOpen = false;
    // Guesses of tags no longer there (a cleanup since) cost a request each: past half of them answered "no such
    // tag", the rest are not sent (the pages name what is there).
    let guessesAnswered = 0;
    let guessesMissed = 0;
    const guessing = () =>
      !lastPage && !signal.aborted && !(guessesAnswered >= 20 && guessesMissed * 2 > guessesAnswered);
    /**
     * A guess counts once its tag is listed and its answer in, whichever comes last: each side sets its part (once)
     * and calls this at once, so only the later call finds both. Only a digest counts: "no such tag", or a failure,
     * of a request made before the pages named the tag (perhaps without credentials the registry now wants) is no
     * answer; the tag is asked about again as any other, so the listing says what it would have said without the hint.
     */
    const settleGuess = (g: Guess) => {
      if (g.index === undefined || !g.done) return;
      if ('head' in g.done && g.done.head)
        ready.push({ tag: g.tag, digest: g.done.head.digest, mediaType: g.done.head.mediaType, index: g.index });
      else todo.push(g.index);
    };
    // A few HEADs a turn of the event loop, and those an answer frees started on the next turn rather than inside the
    // answer's own handling. Node's HTTP/2 session writes the requests made in a turn only when the turn ends, and
    // answers come back in clumps (a TLS record holds about 100): made one by one inside the clump's handling, the
    // requests all waited for the whole clump, and the next clump came back as one again. Written a few at a time as
    // soon as the clump is read, they leave sooner and come back spread out: behind a 50 ms link, 1,000 tags took
    // about 570 ms instead of 680, 5,000 about 1.7 s instead of 1.93 (bench/cases/scale.ts).
    let turnPending = false;
    const nextTurn = () => {
      if (turnPending) return;
      turnPending = true;
      setImmediate(() => {
        turnPending = false;
        startMore();
      });
    };
    const startMore = () => {
      let started = 0;
      while (!failure && outstanding < maxOutstanding()) {
        if (next >= todo.length) {
          if (!guessing() || guessNext >= guessQueue.length) break;
          const g = guessQueue[guessNext++];
          // Listed before its request started: asked about from `todo`.
          if (g.index !== undefined) continue;
          if (started++ === HEADS_PER_TURN) {
            guessNext--;
            nextTurn();
            break;
          }
          g.started = true;
          outstanding++;
          this.headManifest({ ...r, tag: g.tag }, { signal, presumeOpen })
            .then(
              (head) => {
                guessesAnswered++;
                if (!head) guessesMissed++;
                g.done = { head };
                settleGuess(g);
              },
              (error: unknown) => {
                g.done = { error };
                settleGuess(g);
              },
            )
            .finally(() => {
              outstanding--;
              nextTurn();
              wake();
            });
          continue;
        }
        if (started++ === HEADS_PER_TURN) {
          nextTurn();
          break;
        }
        const i = todo[next++];
        const tag = names[i];
        outstanding++;
        (fetched.has(i)
          ? this.tagManifest({ ...r, tag }, { signal, priority: true })
          : this.headManifest({ ...r, tag }, { signal, priority: lastPage })
        )
          .then(
            (h) => void (h && ready.push({ tag, digest: h.digest, mediaType: h.mediaType, index: i })),
            (e: unknown) => void (failure ??= { error: e }),
          )
          .finally(() => {
            outstanding--;
            nextTurn();
            wake();
          });
      }
      if (next === todo.length) {
        todo = [];
        next = 0;
      }
      if (guessNext && guessNext === guessQueue.length) {
        guessQueue = [];
        guessNext = 0;
      }
    };
    // The tags `ahead` names are about to be inspected: their manifests are fetched whole (GET by tag) rather than
    // HEAD and then GET by digest, a round trip sooner for the view's first tags on a cold open and as many requests
    // on a warm one. Not on Docker Hub, where a manifest GET counts against the pull limit and a HEAD does not.
    const fetched = new Set<number>();
    /** The tags `ahead` names, of those not yet asked about, go first (in its order); the rest keep theirs. */
    const putAhead = (wanted: readonly string[]) => {
      const rank = new Map(wanted.map((t, k) => [t, k]));
      const waiting = todo.slice(next);
      const first = waiting.filter((i) => rank.has(names[i])).sort((a, b) => rank.get(names[a])! - rank.get(names[b])!);
      if (r.registry !== DOCKER_HUB) for (const i of first) fetched.add(i);
      todo = [...first, ...waiting.filter((i) => !rank.has(names[i]))];
      next = 0;
    };
    // Once the last page is in, no page request needs the slot the transport keeps for one: the last HEADs may take
    // it (100 tags: 100 HEADs in one round trip, not 99 and then 1).
    let lastPage = false;
    const pages = options.tags ? [{ tags: options.tags, last: true }] : this.tagPages(r, { signal }, options.order);
    const hint = options.tags || !this.disk ? undefined : this.readHint(r);
    void hint
      ?.then(async (h) => {
        // Only before the first page: once pages come, they name the tags a round trip sooner than nothing.
        if (!h || names.length || lastPage || failure || signal.aborted) return;
        presumeOpen = h.open;
        // At most half the requests an operation may make: a hint never costs the listing its own requests.
        for (const tag of h.tags.slice(0, Math.floor(this.limits.requestsPerOperation / 2))) {
          if (guesses.has(tag)) continue;
          const g: Guess = { tag };
          guesses.set(tag, g);
          guessQueue.push(g);
        }
        // Once the registry's connection is up (nothing goes sooner) and says how many requests it carries at once:
        // before that it is taken for HTTP/1.1 (a few), and guesses queued there would wait behind the first page.
        await this.transport.connected(r.registry, signal);
        if (!signal.aborted) startMore();
      })
      .catch((e: unknown) => this.log.debug(`tag listing hint of ${repositoryName(r)}: ${String(e)}`));
    const producer = (async () => {
      for await (const page of pages) {
        if (failure) return;
        for (const tag of page.tags) {
          const index = names.push(tag) - 1;
          const g = guesses.get(tag);
          if (g && g.index === undefined) {
            g.index = index;
            if (g.started) {
              settleGuess(g);
              continue;
            }
          }
          todo.push(index);
        }
        // Guesses answered before their page are ready now (or to be asked again).
        if (ready.length) wake();
        lastPage = page.last;
        if (lastPage && options.ahead) putAhead(options.ahead(names));
        startMore();
      }
    })().then(
      () => {
        listed = true;
        wake();
      },
      (e: unknown) => {
        failure ??= { error: e };
        wake();
      },
    );
    try {
      for (;;) {
        // Taken in batches: shift() on a long array is linear.
        if (ready.length) {
          for (const t of ready.splice(0)) yield t;
          continue;
        }
        if (failure) throw failure.error;
        // Every tag listed and asked about (a freed slot's next HEAD starts a turn later: none may be left behind).
        if (listed && outstanding === 0 && next >= todo.length) break;
        await new Promise<void>((w) => (wakeConsumer = w));
      }
      // The next listing's hint: these tags, and whether the registry wanted credentials.
      if (hint && !failure) this.writeHint(r, names);
    } finally {
      stop.abort();
      await producer;
    }
  }

  /** The hint the last listing of the repository left (listing-hint.ts), if the disk cache holds a sound one. */
  private async readHint(r: Pick<ImageReference, 'registry' | 'repository'>): Promise<ListingHint | undefined> {
    const bytes = await this.disk?.getNote(hintName(r.registry, r.repository));
    return bytes && decodeHint(bytes, this.limits.listingItems);
  }

  private writeHint(r: Pick<ImageReference, 'registry' | 'repository'>, tags: string[]): void {
    const open = this.transport.wantsCredentials(r.registry) === false;
    this.disk?.putNote(hintName(r.registry, r.repository), encodeHint({ open, tags }));
  }

  /**
   * PUT manifest bytes under a tag (or digest) with their media type; returns the digest of the bytes, after
   * checking that the registry stored the same one.
   */
  async putManifest(
    repo: RepoInput,
    tag: string,
    bytes: Buffer,
    mediaType: string,
    options: CallOptions = {},
  ): Promise<string> {
    const r = toRepo(repo);
    const digest = digestOf(bytes);
    const res = await this.transport.request({
      registry: r.registry,
      method: 'PUT',
      url: manifestPath({ ...r, ...(tag.includes(':') ? { digest: tag } : { tag }) }),
      repository: r.repository,
      push: true,
      headers: { 'content-type': mediaType },
      body: bytes,
      signal: options.signal,
    });
    if (res.status !== 201 && res.status !== 200) throw this.statusError(res, { ...r, tag }, 'put');
    const stored = sentDigest(res);
    if (stored && stored !== digest) throw mismatch(`${repositoryName(r)}:${tag}`, digest, stored, 'sent');
    contentCache.set(digest, { mediaType, bytes });
    return digest;
  }

  /**
   * The OCI 1.1 referrers API, GET /v2/<name>/referrers/<digest>: every page of the referrers index (Link pages on
   * the same host only), or null when the registry has no such API (404; distribution 2.8 and ghcr.io). The
   * entries are the registry's word only: read each child manifest before trusting its artifactType.
   */
  referrersIndex(repo: RepoInput, digest: string, options: CallOptions = {}): Promise<Descriptor[] | null> {
    return withOperation(options, (_, o) => this.referrersNow(toRepo(repo), digest, o));
  }

  private async referrersNow(
    r: Pick<ImageReference, 'registry' | 'repository'>,
    digest: string,
    options: CallOptions,
  ): Promise<Descriptor[] | null> {
    const origin = new URL(this.transport.baseUrl(r.registry)).origin;
    const out: Descriptor[] = [];
    const seen = new Set<string>();
    // Pages and entries within the same limits as tag listings and indexes.
    let url: string | undefined = `/v2/${r.repository}/referrers/${checkDigest(digest, r.registry)}`;
    while (url) {
      if (seen.has(url))
        throw environmentError(
          `The registry ${r.registry} sent a referrers page loop for ${digest}.`,
          'Report it to the registry operator.',
        );
      if (seen.size >= this.limits.listingPages)
        throw limitError(
          'listingPages',
          this.limits.listingPages,
          `The referrers of ${digest} go on past ${seen.size} pages`,
        );
      seen.add(url);
      const res = await this.transport.request({
        registry: r.registry,
        method: 'GET',
        url,
        repository: r.repository,
        headers: { accept: MediaType.ociIndex },
        signal: options.signal,
        maxBytes: MAX_MANIFEST_BYTES,
        limit: 'manifestBytes',
      });
      if (res.status === 404 && out.length === 0 && seen.size === 1) return null;
      if (res.status !== 200) throw this.statusError(res, { ...r, digest }, 'manifest');
      const parsed = parseManifest(res.body, res.headers.get('content-type'), `the referrers of ${digest}`);
      if (!isIndex(parsed.json))
        throw environmentError(
          `The registry ${r.registry} answered the referrers of ${digest} with something other than an index.`,
          'Report it to the registry operator.',
        );
      out.push(...parsed.json.manifests);
      if (out.length > this.limits.indexChildren)
        throw limitError(
          'indexChildren',
          this.limits.indexChildren,
          `The referrers of ${digest} list ${out.length} manifests`,
        );
      const next = nextPage(res, r.registry, origin, 'referrers page');
      if (!next) break;
      url = next.toString();
    }
    return out;
  }

  /**
   * DELETE a manifest by tag (OCI distribution 1.1 untags) or by digest (the manifest goes, with every tag on it).
   * 'unsupported' when the registry refuses the operation itself: 405, UNSUPPORTED, or the 400 distribution 2.x
   * answers for a tag (it deletes by digest only); 'missing' for 404. The token asks for the 'delete' action, which
   * distribution's token auth requires for DELETE.
   */
  async deleteManifest(
    repo: RepoInput,
    reference: string,
    options: CallOptions = {},
  ): Promise<'deleted' | 'missing' | 'unsupported'> {
    const r = toRepo(repo);
    const byTag = !reference.includes(':');
    const res = await this.transport.request({
      registry: r.registry,
      method: 'DELETE',
      url: manifestPath({ ...r, ...(byTag ? { tag: reference } : { digest: reference }) }),
      repository: r.repository,
      actions: 'delete',
      signal: options.signal,
      maxBytes: MAX_MANIFEST_BYTES,
    });
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      // The bytes of a deleted digest stay true, but a later read must ask the registry whether it still has them.
      if (!byTag) contentCache.delete(reference);
      return 'deleted';
    }
    if (res.status === 404) return 'missing';
    if (res.status === 405 || (byTag && res.status === 400) || registryErrorOf(res.body).code === 'UNSUPPORTED')
      return 'unsupported';
    throw this.statusError(res, { ...r, ...(byTag ? { tag: reference } : { digest: reference }) }, 'delete');
  }

  /** Uploads a small blob (POST then PUT ?digest=) unless the repository has it; returns its digest. */
  async pushBlob(repo: RepoInput, bytes: Buffer, options: CallOptions = {}): Promise<string> {
    const r = toRepo(repo);
    const digest = digestOf(bytes);
    const base = { registry: r.registry, repository: r.repository, push: true, signal: options.signal };
    const head = await this.transport.request({
      ...base,
      method: 'HEAD',
      url: `/v2/${r.repository}/blobs/${checkDigest(digest, r.registry)}`,
    });
    if (head.status === 200) return digest;
    const start = await this.transport.request({ ...base, method: 'POST', url: `/v2/${r.repository}/blobs/uploads/` });
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw this.statusError(start, { ...r, digest }, 'put');
    const url = new URL(location, start.url);
    if (url.origin !== new URL(this.transport.baseUrl(r.registry)).origin)
      throw environmentError(
        `The registry ${r.registry} sent a blob upload to another host (${url.origin}); refusing to follow it.`,
        'Report it to the registry operator.',
      );
    url.searchParams.set('digest', digest);
    const put = await this.transport.request({
      ...base,
      method: 'PUT',
      url: url.toString(),
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) throw this.statusError(put, { ...r, digest }, 'put');
    return digest;
  }

  /** The image manifest of one platform of a reference (the reference itself when it is a single manifest). */
  async manifestForPlatform(ref: RefInput, platform?: string, options: CallOptions = {}): Promise<ManifestResult> {
    const r = toRef(ref);
    const m = await this.getManifest(r, options);
    if (!isIndex(m.json)) return m;
    const { platforms } = splitIndex(m.json);
    const match = platform ? platforms.filter((p) => platformMatches(p, platform)) : platforms;
    if (match.length !== 1) {
      const have = platforms.map((p) => p.platform).join(', ') || 'none';
      throw platform
        ? checkError(
            `${formatReference(r)} has no ${platform} image (platforms: ${have}).`,
            'Pick one of its platforms, or publish the missing one.',
          )
        : usageError(
            `${formatReference(r)} is a multi-platform index (platforms: ${have}); say which platform.`,
            'Pass a platform such as linux/amd64.',
          );
    }
    return this.getManifest({ ...r, tag: undefined, digest: match[0].digest }, options);
  }

  /** The image config (labels, entrypoint, rootfs diff ids) of one platform, with its manifest. */
  async getImageConfig(
    ref: RefInput,
    platform?: string,
    options: CallOptions = {},
  ): Promise<{ manifest: ManifestResult; configDigest: string; config: ImageConfig }> {
    const r = toRef(ref);
    const manifest = await this.manifestForPlatform(r, platform, options);
    const { digest, config } = await this.configOf(r, manifest, options);
    return { manifest, configDigest: digest, config };
  }

  private async configOf(
    r: ImageReference,
    m: ManifestResult,
    options: CallOptions,
  ): Promise<{ digest: string; config: ImageConfig }> {
    if (!isImageManifest(m.json)) throw checkError(`${formatReference(r)} is not an image manifest.`);
    const digest = m.json.config.digest;
    const bytes = await this.getBlob(r, digest, options);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw checkError(`The image config ${digest} of ${formatReference(r)} is not JSON.`, 'Re-push the image.');
    }
    return { digest, config: imageConfigOf(json) };
  }

  private statusError(
    res: BufferedResponse,
    r: Partial<ImageReference> & Pick<ImageReference, 'registry' | 'repository'>,
    what: 'manifest' | 'blob' | 'repository' | 'put' | 'delete',
  ) {
    const name = repositoryName(r);
    const { code, message } = registryErrorOf(res.body);
    const detail = message ? ` (${code ? `${neutralize(code, 60)}: ` : ''}${neutralize(message, 300)})` : '';
    if (what === 'put') {
      // A PUT that ends at a 404 wrote nothing: the registry (or a redirect it sent) is at fault, not the tag.
      const where =
        res.url && new URL(res.url).pathname !== `/v2/${r.repository}/manifests/${r.tag ?? r.digest}`
          ? ` after a redirect to ${neutralize(res.url, 200)}`
          : '';
      if (res.status === 404 || where)
        return environmentError(
          `The registry ${r.registry} answered HTTP ${res.status}${where} to the PUT of ${name}:${r.tag}${detail}; the tag was not written.`,
          'Check the registry and the repository name; a registry that redirects pushes elsewhere is misconfigured.',
        );
      if (res.status >= 400 && res.status < 500)
        return checkError(
          `The registry refused the manifest for ${name}:${r.tag} (HTTP ${res.status})${detail}.`,
          'Every blob and child manifest must already be in the repository.',
        );
    }
    if (res.status === 404) {
      if (what === 'repository' || code === 'NAME_UNKNOWN')
        return checkError(
          `The repository ${name} does not exist in the registry${detail}.`,
          'Check the repository name, or push an image to it first.',
        );
      if (what === 'blob')
        return checkError(`The blob ${r.digest} is missing from ${name}${detail}.`, 'Re-push the image.');
      const which = r.digest ? `manifest ${r.digest}` : `tag ${r.tag}`;
      return checkError(`${name} has no ${which}${detail}.`, `List the tags with: release-operator tags ${name}`);
    }
    if (what === 'delete' && res.status >= 400 && res.status < 500 && res.status !== 429) {
      return checkError(
        `The registry refused to delete ${r.digest ?? r.tag} from ${name} (HTTP ${res.status})${detail}.`,
        'The registry may not allow deletes (distribution: storage.delete.enabled), or the credentials may not.',
      );
    }
    if (res.status === 429 || res.status >= 500) {
      return environmentError(
        `The registry ${r.registry} kept answering HTTP ${res.status}${detail}.`,
        'It is overloaded or failing; try again later.',
      );
    }
    return environmentError(
      `The registry ${r.registry} answered HTTP ${res.status} for ${name}${detail}.`,
      'Check the reference and the registry status.',
    );
  }
}

/** containerd and the distribution registry cap manifests at 4 MiB; nothing real comes close. */
const MAX_MANIFEST_BYTES = LIMITS.manifestBytes.default;
/** A tag the last listing held, asked about before a page of this one names it (tagDigestStream). */
interface Guess {
  tag: string;
  /** The tag's place in this listing, once a page names it. */
  index?: number;
  started?: boolean;
  done?: { head: ManifestHead | null } | { error: unknown };
}

/** HEADs a tag listing starts in one turn of the event loop, so they are written while the next are made. */
const HEADS_PER_TURN = 5;
/**
 * The order a tag listing came in, for those who sort by it: `lexical` when it was read over ranges (the registry's
 * order is lexical: the answers were checked), `rank` (each tag's place in the registry's order) when ranges were
 * given up and the list read again page by page.
 */
interface TagOrder {
  lexical?: boolean;
  rank?: Map<string, number>;
}
/**
 * The next page a `Link: <...>; rel="next"` names, resolved against the page's own address; undefined without one.
 * Refused when it is no URL, or on another host than the registry's (credentials must not follow it there).
 */
function nextPage(res: BufferedResponse, registry: string, origin: string, what: string): URL | undefined {
  const link = nextLink(res.headers.get('link'));
  if (!link) return undefined;
  let next: URL;
  try {
    next = new URL(link, res.url);
  } catch {
    throw environmentError(
      `The registry ${registry} sent a next ${what} that is not a URL (${neutralize(link, 200)}).`,
      'Report it to the registry operator.',
    );
  }
  if (next.origin !== origin)
    throw environmentError(
      `The registry ${registry} sent the next ${what} on another host (${neutralize(next.origin, 200)}); refusing to follow it.`,
      'Report it to the registry operator.',
    );
  return next;
}

/**
 * Tags (or what holds them) in the registry's order: as given (arrival order) for a listing read page by page;
 * lexical for one read over ranges; by rank for one read again page by page after ranges were given up.
 */
function inListingOrder<T>(items: T[], tagOf: (t: T) => string, order: TagOrder): T[] {
  if (order.lexical) return items.sort((a, b) => byCodeUnit(tagOf(a), tagOf(b)));
  const rank = order.rank;
  if (!rank) return items;
  // Stable: a tag the page-by-page reading never saw keeps its place after those it did.
  return items.sort((a, b) => (rank.get(tagOf(a)) ?? Infinity) - (rank.get(tagOf(b)) ?? Infinity));
}

const DIGEST_SHAPE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * The tags of one tag-list page, as the spec says it is: `{"name": ..., "tags": [...] | null}`. A page of another
 * shape, a tag that is not a string or not a valid tag name (`null`, `../../etc`, a newline) is refused: such a
 * name would otherwise become `latest`, a path or a forged line of output.
 */
export function tagPage(body: Buffer, registry: string, name: string): string[] {
  let page: unknown;
  try {
    page = JSON.parse(body.toString('utf8'));
  } catch {
    throw environmentError(`The registry ${registry} sent a tag list that is not JSON.`, 'Try again later.');
  }
  const bad = (why: string) =>
    environmentError(
      `The registry ${registry} sent a tag list for ${name} that does not follow the OCI distribution spec: ${why}.`,
      'Report it to the registry operator; no tag of such a list is used.',
    );
  if (!isObj(page)) throw bad('it is not a JSON object');
  const tags = page.tags;
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags)) throw bad(`"tags" is ${tags === null ? 'null' : typeof tags}, not a list`);
  for (const t of tags as unknown[]) {
    if (typeof t !== 'string') throw bad(`a tag is ${t === null ? 'null' : typeof t}, not a string`);
    if (!isTag(t)) throw bad(`${JSON.stringify(neutralize(t, 80))} is not a valid tag name`);
  }
  return tags as string[];
}

/** The fields of an image config the product reads, each of the type it must be (anything else is left out). */
function imageConfigOf(json: unknown): ImageConfig {
  if (!isObj(json)) return {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const strs = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
  const map = (v: unknown) =>
    isObj(v)
      ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
      : undefined;
  const c = isObj(json.config) ? json.config : undefined;
  const rootfs = isObj(json.rootfs) ? json.rootfs : undefined;
  return {
    architecture: str(json.architecture),
    os: str(json.os),
    variant: str(json.variant),
    created: str(json.created),
    config: c && {
      Labels: map(c.Labels),
      Entrypoint: strs(c.Entrypoint),
      Cmd: strs(c.Cmd),
      Env: strs(c.Env),
      User: str(c.User),
      WorkingDir: str(c.WorkingDir),
      ExposedPorts: isObj(c.ExposedPorts) ? c.ExposedPorts : undefined,
    },
    rootfs: rootfs && { type: str(rootfs.type) ?? '', diff_ids: strs(rootfs.diff_ids) ?? [] },
  };
}

function toRef(ref: RefInput): ImageReference {
  return typeof ref === 'string' ? parseReference(ref) : ref;
}

function toRepo(repo: RepoInput): Pick<ImageReference, 'registry' | 'repository'> {
  return typeof repo === 'string' ? parseRepository(repo) : repo;
}

/** The manifest URL path; the tag or digest is checked against the grammar first, so it can never be a path. */
function manifestPath(r: Pick<ImageReference, 'registry' | 'repository' | 'tag' | 'digest'>): string {
  if (r.digest) return `/v2/${r.repository}/manifests/${checkDigest(r.digest, r.registry)}`;
  return `/v2/${r.repository}/manifests/${checkTag(r.tag ?? 'latest')}`;
}

function sentDigest(res: { headers: HeaderBag }): string | undefined {
  return res.headers.get('docker-content-digest')?.trim() || undefined;
}

function mismatch(what: string, expected: string, got: string, role: string) {
  return environmentError(
    `Digest mismatch for ${what}: ${role} ${expected}, the bytes received hash to ${got}.`,
    'Something between here and the registry changed the content (proxy, cache) or the registry is corrupt; do not use it.',
  );
}

/** The `errors[0]` of a distribution error body, if any. */
function registryErrorOf(body: Buffer): { code?: string; message?: string } {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    return { code: j.errors?.[0]?.code, message: j.errors?.[0]?.message };
  } catch {
    return {};
  }
}

/** The URL of `rel="next"` in a Link header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2])) return m[1];
  }
  return undefined;
}

/** The compressed bytes of an image: the sum of its layers' sizes as the manifest declares them. */
export function layersSize(m: ImageManifestJson): number {
  return m.layers.reduce((n, l) => n + (Number.isFinite(l.size) && l.size > 0 ? l.size : 0), 0);
}

/** Labels every platform agrees on (the same key with the same value). */
function commonLabels(platforms: PlatformInfo[]): Record<string, string> {
  const withLabels = platforms.filter((p) => p.labels);
  if (!withLabels.length) return {};
  const [first, ...rest] = withLabels;
  return Object.fromEntries(Object.entries(first.labels!).filter(([k, v]) => rest.every((p) => p.labels![k] === v)));
}
