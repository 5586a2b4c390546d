import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { defaultConfig } from '../../../src/core/config/load';
import { RegistryClient } from '../../../src/core/registry';
import { operationOf } from '../../../src/core/operation';
import { openImageTags } from '../../../src/core/registry/open';

/** A tag's manifest: an image manifest naming the tag (its digest is its own, as a registry's is). */
function manifestOf(tag: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${'0'.repeat(64)}`,
        size: 2,
      },
      layers: [],
      annotations: { tag },
    }),
  );
}

/** A manifest's answer for a tag: its digest and media type, and on GET the manifest itself. */
function headAnswer(tag: string, method = 'HEAD'): Response {
  const bytes = manifestOf(tag);
  return new Response(method === 'GET' ? bytes : null, {
    status: 200,
    headers: {
      'docker-content-digest': `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
    },
  });
}

/**
 * A registry over a fetch of the test's own: a tag list in pages of `per` (Link rel="next"), HEADs answered with a
 * digest, every request logged in the order the client made it.
 */
function pagedRegistry(tags: string[], per: number, lexical = false) {
  const log: string[] = [];
  const fetch = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(input);
    const method = init?.method ?? 'GET';
    if (url.pathname === '/v2/') {
      log.push('ping');
      return new Response('{}', { status: 200 });
    }
    if (url.pathname.endsWith('/tags/list')) {
      const last = url.searchParams.get('last');
      // A cursor that is no tag: the tags after it where the stand-in is lexical, else from the start.
      const from = !last
        ? 0
        : tags.includes(last)
          ? tags.indexOf(last) + 1
          : lexical
            ? tags.filter((t) => t <= last).length
            : 0;
      const page = tags.slice(from, from + per);
      log.push(last && !tags.includes(last) ? `range ${last}` : `page ${from / per + 1}`);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (from + per < tags.length) headers.link = `</v2/app/tags/list?n=${per}&last=${page.at(-1)}>; rel="next"`;
      return new Response(JSON.stringify({ name: 'app', tags: page }), { status: 200, headers });
    }
    const tag = url.pathname.split('/').at(-1)!;
    log.push(`${method} ${tag}`);
    return headAnswer(tag, method);
  }) as typeof globalThis.fetch;
  return { log, fetch };
}

/**
 * A client of the paged stand-in over plain HTTP/1.1 (its fetch), with `concurrency` requests at once; the page-by-page
 * walk unless `tagRanges` (these tests are about the walk; tag ranges have tests of their own below).
 */
function plainClient(fetch: typeof globalThis.fetch, concurrency?: number, tagRanges = false): RegistryClient {
  return new RegistryClient({
    fetch,
    insecureRegistries: ['127.0.0.1:5999'],
    credentials: async () => undefined,
    http2: false,
    tagRanges,
    ...(concurrency ? { concurrency } : {}),
  });
}

/**
 * The Release view's client over a stand-in: its listing, and an inspection that only tells `inspected` (each ref
 * and the options it was given) and answers the digest.
 */
function releaseView(
  client: RegistryClient,
  inspected: (ref: string, options: { signal?: AbortSignal }) => void,
  holdCacheWrites: () => () => void = () => () => undefined,
) {
  return {
    tagDigests: client.tagDigests.bind(client),
    protocolOf: client.protocolOf.bind(client),
    inspect: async (ref: string, options: { signal?: AbortSignal } = {}) => {
      inspected(ref, options);
      return { digest: ref.split('@')[1] } as unknown as Awaited<ReturnType<RegistryClient['inspect']>>;
    },
    holdCacheWrites,
  };
}

describe('registry tag pages', () => {
  it('asks for the next tag page before the HEADs of the page it just got (pages follow one another)', async () => {
    const tags = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1'];
    const reg = pagedRegistry(tags, 3);
    const client = plainClient(reg.fetch);
    const got = await client.tagDigests('127.0.0.1:5999/app');
    assert.deepEqual(
      got.map((t) => t.tag),
      tags,
      'every tag, in the listing order',
    );
    const at = (entry: string) => reg.log.indexOf(entry);
    assert.ok(at('page 2') >= 0 && at('page 3') >= 0, `all pages read: ${reg.log.join(', ')}`);
    // The next page goes out as soon as its address is known: before any HEAD of the page that named it.
    assert.ok(at('page 2') < at('HEAD a1'), `page 2 before the first HEAD of page 1: ${reg.log.join(', ')}`);
    assert.ok(at('page 3') < at('HEAD b1'), `page 3 before the first HEAD of page 2: ${reg.log.join(', ')}`);
  });

  it('a tag page loop is still refused, with the next page asked for ahead', async () => {
    const reg = pagedRegistry(['a1', 'a2'], 1);
    const loop = (async (input: string | URL, init?: RequestInit) => {
      const url = new URL(input);
      if (url.pathname.endsWith('/tags/list'))
        return new Response(JSON.stringify({ name: 'app', tags: ['a1'] }), {
          status: 200,
          headers: { link: '</v2/app/tags/list?n=1>; rel="next"' },
        });
      return reg.fetch(input, init);
    }) as typeof globalThis.fetch;
    const client = plainClient(loop);
    await assert.rejects(client.tagDigests('127.0.0.1:5999/app'), /tag page loop/);
    await assert.rejects(client.listTags('127.0.0.1:5999/app'), /tag page loop/);
  });

  it('reads every tag page without waiting for HEADs; at most 100 HEADs under way, none waiting with its state', async () => {
    const tags = Array.from({ length: 700 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    const reg = pagedRegistry(tags, 100);
    let open = false;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = () => ((open = true), r())));
    let pagesBeforeAnyHead = 0;
    let heads = 0;
    let most = 0;
    // HEADs are held until every page was asked for (or 5 s pass, which fails the test rather than hanging it).
    const guard = setTimeout(release, 5000);
    const fetch = (async (input: string | URL, init?: RequestInit) => {
      if (init?.method === 'HEAD') {
        heads++;
        most = Math.max(most, heads);
        await released;
        heads--;
      }
      const res = await reg.fetch(input, init);
      if (String(input).includes('/tags/list') && reg.log.filter((l) => l.startsWith('page')).length === 7) {
        if (!open) pagesBeforeAnyHead = 7;
        release();
      }
      return res;
    }) as typeof globalThis.fetch;
    const client = plainClient(fetch, 200);
    const got = await client.tagDigests('127.0.0.1:5999/app');
    clearTimeout(guard);
    assert.equal(got.length, 700);
    assert.equal(pagesBeforeAnyHead, 7, 'all 7 pages were read while no HEAD had an answer');
    assert.ok(most <= 100, `at most 100 HEADs under way at once (saw ${most})`);
  });

  it("the last page's HEADs may take the slot kept for pages: one page of N tags is N HEADs at once", async () => {
    const tags = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const reg = pagedRegistry(tags, 100);
    let heads = 0;
    let most = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // Held until all 10 are under way (or 3 s pass: then the test fails rather than hangs).
    const guard = setTimeout(() => release(), 3000);
    const fetch = (async (input: string | URL, init?: RequestInit) => {
      if (init?.method === 'HEAD') {
        most = Math.max(most, ++heads);
        if (heads === 10) release();
        await released;
        heads--;
      }
      return reg.fetch(input, init);
    }) as typeof globalThis.fetch;
    const client = plainClient(fetch, 10);
    assert.equal((await client.tagDigests('127.0.0.1:5999/app')).length, 10);
    clearTimeout(guard);
    assert.equal(most, 10, 'every slot in use, the kept one too (no page is left to come)');
  });

  it('HEADs leave a few a turn of the event loop; those an answer frees are made on a later turn, not inside it', async () => {
    // Node's HTTP/2 session writes what a turn made only when the turn ends: 60 HEADs made in one turn would all
    // wait for the last of them, and so would the HEADs made inside a clump of answers.
    const tags = Array.from({ length: 60 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const held: Array<() => void> = [];
    const fetch = (async (input: string | URL, init?: RequestInit) => {
      const url = new URL(input);
      if (url.pathname.endsWith('/tags/list'))
        return new Response(JSON.stringify({ name: 'app', tags }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      assert.equal(init?.method, 'HEAD');
      const tag = url.pathname.split('/').at(-1)!;
      await new Promise<void>((r) => held.push(r));
      return headAnswer(tag);
    }) as typeof globalThis.fetch;
    const turn = () => new Promise<void>((r) => setImmediate(r));
    const listing = plainClient(fetch, 41).tagDigests('127.0.0.1:5999/app');
    // Made turn by turn until as many are under way as the client carries (its concurrency; the last page's HEADs may
    // take the slot kept for pages), then no more.
    const made: number[] = [];
    for (let still = 0; still < 3;) {
      const before = held.length;
      await turn();
      made.push(held.length - before);
      still = held.length === before ? still + 1 : 0;
      assert.ok(made.length < 200, `only ${held.length} HEADs made`);
    }
    assert.equal(held.length, 41, 'as many under way as the client carries');
    assert.ok(Math.max(...made) <= 10, `HEADs made in one turn: ${made.join(', ')}`);
    assert.ok(made.filter((n) => n > 0).length >= 5, `turns that made HEADs: ${made.join(', ')}`);
    // Ten answers at once (a clump): none of the HEADs they free is made before the next turn.
    for (const answer of held.splice(0, 10)) answer();
    await turn();
    assert.equal(held.length, 31, 'no HEAD made inside the answers');
    for (;;) {
      for (const answer of held.splice(0)) answer();
      const got = await Promise.race([listing, turn().then(() => undefined)]);
      if (got) {
        assert.deepEqual(
          got.map((t) => t.tag),
          tags,
        );
        break;
      }
    }
  });

  describe('some tags first (the Release view: the newest it inspects)', () => {
    // 300 versions in 3 pages; 4 HEADs at once, so most are still to ask when the last page is in.
    const tags = Array.from({ length: 300 }, (_, i) => `v1.0.${i}`);
    const newest = ['v1.0.299', 'v1.0.298', 'v1.0.297', 'v1.0.296', 'v1.0.295'];

    it("`ahead`'s tags are asked about next once every tag is listed; the result and its order are the same", async () => {
      const plain = await plainClient(pagedRegistry(tags, 100).fetch, 4).tagDigests('127.0.0.1:5999/app');
      const reg = pagedRegistry(tags, 100);
      const heard: string[] = [];
      let listed: readonly string[] = [];
      const got = await plainClient(reg.fetch, 4).tagDigests('127.0.0.1:5999/app', {
        ahead: (names) => ((listed = [...names]), newest),
        onDigest: (t) => heard.push(t.tag),
      });
      assert.deepEqual(got, plain);
      assert.deepEqual(listed, tags, 'ahead heard every tag, in the listing order');
      assert.deepEqual([...heard].sort(), [...tags].sort(), 'onDigest heard each tag once');
      // The newest are fetched whole (GET by tag: they are about to be inspected), the rest asked about with a HEAD.
      const fetchedWhole = reg.log.filter((l) => l.startsWith('GET ')).map((l) => l.slice(4));
      assert.deepEqual(fetchedWhole, newest);
      const heads = reg.log.filter((l) => /^(HEAD|GET) /.test(l)).map((l) => l.replace(/^\w+ /, ''));
      // Without `ahead` the newest (the end of page 3) would be asked about last; with it, before page 3's own, in its
      // order.
      const at = newest.map((t) => heads.indexOf(t));
      assert.deepEqual(
        [...at].sort((a, b) => a - b),
        at,
        `in ahead's order: ${at.join(', ')}`,
      );
      assert.ok(
        at.at(-1)! < heads.indexOf('v1.0.200'),
        `before page 3's first tag: ${heads.slice(190, 215).join(', ')}`,
      );
    });

    it('the Release view inspects its first tags as their digests come, before the last HEAD, and shows the same', async () => {
      const reg = pagedRegistry(tags, 100);
      const inspected: string[] = [];
      const view = releaseView(
        plainClient(reg.fetch, 4),
        (ref) => {
          reg.log.push(`inspect ${ref.split('@')[1]}`);
          inspected.push(ref);
        },
        () => {
          reg.log.push('hold cache writes');
          return () => reg.log.push('release cache writes');
        },
      );
      const open = await openImageTags(view, '127.0.0.1:5999/app', defaultConfig(), { first: 5 });
      // What it fetched is written to the disk cache once the open has its answer: held from before the first request.
      assert.equal(reg.log[0], 'hold cache writes');
      assert.deepEqual(
        reg.log.filter((l) => l.endsWith('cache writes')),
        ['hold cache writes', 'release cache writes'],
      );
      assert.equal(reg.log.at(-1), 'release cache writes');
      assert.deepEqual(
        open.shown.map((s) => s.tag),
        newest,
      );
      assert.equal(open.ordered.length, 300);
      assert.equal(inspected.length, 5, `each of the first five once: ${inspected.join(', ')}`);
      const lastHead = reg.log.findLastIndex((l) => l.startsWith('HEAD '));
      const inspects = reg.log.flatMap((l, i) => (l.startsWith('inspect ') ? [i] : []));
      assert.ok(
        inspects.every((i) => i < lastHead),
        `inspected while HEADs were still to come (last HEAD at ${lastHead}, inspects at ${inspects.join(', ')})`,
      );
    });

    it('the open is one operation, and each "Show more" one of its own for its lot (what they share is fetched once)', async () => {
      const ops: unknown[] = [];
      const view = releaseView(plainClient(pagedRegistry(tags, 100).fetch, 4), (_, o) =>
        ops.push(operationOf(o.signal)),
      );
      const open = await openImageTags(view, '127.0.0.1:5999/app', defaultConfig(), { first: 5 });
      const opened = new Set(ops.splice(0));
      assert.equal(opened.size, 1, 'the first five in one operation');
      assert.ok([...opened][0], 'an operation');
      await open.more(5, 5);
      const more = new Set(ops.splice(0));
      assert.equal(more.size, 1, 'the next five in one operation');
      assert.ok([...more][0], 'an operation');
      assert.notEqual([...more][0], [...opened][0], "not the open's, which may be long over");
    });

    it('a listing that fails ends the hold on the disk cache too (what was fetched is still written)', async () => {
      const log: string[] = [];
      const view = {
        tagDigests: () => Promise.reject(new Error('HTTP 503 from the registry')),
        protocolOf: () => undefined,
        inspect: () => Promise.reject(new Error('not asked')),
        holdCacheWrites: () => {
          log.push('hold');
          return () => log.push('release');
        },
      } as unknown as Parameters<typeof openImageTags>[0];
      await assert.rejects(openImageTags(view, '127.0.0.1:5999/app', defaultConfig(), { first: 5 }), /HTTP 503/);
      assert.deepEqual(log, ['hold', 'release']);
    });
  });

  describe('over ranges, where the cursor is lexical', () => {
    const versions = Array.from({ length: 1000 }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`).sort();

    it('every tag once, in lexical order, with ranges read at once', async () => {
      const reg = pagedRegistry(versions, 100, true);
      const got = await plainClient(reg.fetch, 200, true).tagDigests('127.0.0.1:5999/app');
      assert.deepEqual(
        got.map((t) => t.tag),
        versions,
      );
      assert.ok(
        reg.log.some((l) => l.startsWith('range ')),
        reg.log.filter((l) => !l.startsWith('HEAD')).join(', '),
      );
      assert.deepEqual(await plainClient(reg.fetch, 200, true).listTags('127.0.0.1:5999/app'), versions);
    });

    it('a registry that answers a cursor that is no tag from the start: read again page by page, nothing twice', async () => {
      const reg = pagedRegistry(versions, 100, false);
      const got = await plainClient(reg.fetch, 200, true).tagDigests('127.0.0.1:5999/app');
      assert.deepEqual(
        got.map((t) => t.tag),
        versions,
      );
      // Each tag was asked about once, however often its page came.
      const heads = reg.log.filter((l) => l.startsWith('HEAD '));
      assert.equal(new Set(heads).size, heads.length);
      assert.equal(heads.length, versions.length);
    });

    it("a registry's own order that is not lexical is kept (no ranges: the first page says so)", async () => {
      const newestFirst = [...versions].reverse();
      const reg = pagedRegistry(newestFirst, 100, true);
      const got = await plainClient(reg.fetch, 200, true).listTags('127.0.0.1:5999/app');
      assert.deepEqual(got, newestFirst);
      assert.ok(!reg.log.some((l) => l.startsWith('range ')));
    });
  });
});
