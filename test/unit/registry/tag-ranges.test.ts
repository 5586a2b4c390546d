import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  NotLexical,
  byCodeUnit,
  lexicalCursor,
  rangeCuts,
  readTagRanges,
  TAG_RANGES,
  type RangePage,
} from '../../../src/core/registry/tag-ranges';

/** How a registry answers `last=` that is no tag of the list (what a range's made cursor asks). */
type Cursor = 'after' | 'skips-one' | 'empty' | 'ignored' | 'error' | 'inclusive';

/**
 * A registry's tag list as pages of `n` behind `?n=&last=`, answering a cursor that is no tag as `cursor` says:
 * `after` the tags after it (the spec), `skips-one` as distribution does (`tags[SearchStrings(last)+1:]`, which drops
 * the first tag after it), `empty` nothing, `ignored` from the start, `error` a failure, `inclusive` from the
 * first tag at or after it. A cursor that is a tag is answered with the tags after it in every case.
 */
function registry(all: string[], n: number, cursor: Cursor) {
  const sorted = [...all].sort(byCodeUnit);
  let requests = 0;
  const page = (from: number): RangePage => {
    const tags = sorted.slice(from, from + n);
    const more = from + n < sorted.length;
    const next = more
      ? new URL(`https://r.example/v2/app/tags/list?n=${n}&last=${encodeURIComponent(tags.at(-1)!)}`)
      : undefined;
    return { tags, next };
  };
  const answer = async (url: URL, made: boolean): Promise<RangePage> => {
    requests++;
    const last = url.searchParams.get('last');
    if (last === null) return page(0);
    const at = sorted.indexOf(last);
    if (at >= 0) return page(at + 1);
    const after = sorted.findIndex((t) => t > last);
    const end = sorted.length;
    switch (cursor) {
      case 'after':
        return page(after < 0 ? end : after);
      case 'skips-one':
        return page(after < 0 ? end : after + 1);
      case 'empty':
        return { tags: [] };
      case 'ignored':
        return page(0);
      case 'inclusive':
        return page(after < 0 ? end : after);
      case 'error':
        if (made) throw new NotLexical('HTTP 400');
        throw new Error('unexpected');
    }
  };
  /** Answers come in any order: a random wait of 0-2 timer turns. */
  const read = async (url: URL, made: boolean): Promise<RangePage> => {
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
    return answer(url, made);
  };
  return { sorted, read, answer, requests: () => requests, first: page(0) };
}

async function readAll(
  all: string[],
  n: number,
  cursor: Cursor,
  cuts: { maxRanges: number; firstCuts?: number; maxCuts: number } = { maxRanges: 64, maxCuts: 40 },
) {
  const reg = registry(all, n, cursor);
  const got = new Set(reg.first.tags);
  if (!reg.first.next) return { got, reg, outcome: 'one page' as const };
  assert.ok(lexicalCursor(reg.first.tags, reg.first.next));
  try {
    await readTagRanges(reg.first.next, reg.first.tags, (tags) => tags.forEach((t) => got.add(t)), {
      read: reg.read,
      ...cuts,
      signal: new AbortController().signal,
    });
    return { got, reg, outcome: 'read' as const };
  } catch (e) {
    if (e instanceof NotLexical) return { got, reg, outcome: 'not lexical' as const };
    throw e;
  }
}

const TAG_CHARS = 'abcdef0123456789.-_'.split('');
const tagName = fc
  .oneof(
    // Versions: 1.2.3, v1.20.0, 1.2.3-rc.1
    fc
      .tuple(fc.boolean(), fc.nat(30), fc.nat(40), fc.nat(120), fc.option(fc.nat(5)))
      .map(([v, a, b, c, rc]) => `${v ? 'v' : ''}${a}.${b}.${c}${rc === null ? '' : `-rc.${rc}`}`),
    // Commit and run tags: sha-3f2a91c, run-1234
    fc
      .string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 7, maxLength: 7 })
      .map((h) => `sha-${h}`),
    fc.nat(99999).map((i) => `run-${i}`),
    // Anything a tag may be
    fc
      .tuple(
        fc.constantFrom(...'abcXYZ019_'.split('')),
        fc.string({ unit: fc.constantFrom(...TAG_CHARS), maxLength: 12 }),
      )
      .map(([h, t]) => h + t),
  )
  .filter((t) => t.length <= 128);

/** How far ranges go: the client's own settings, a few, or many. */
const cutsArb = fc.oneof(
  fc.constant({ ...TAG_RANGES }),
  fc.record({
    maxRanges: fc.integer({ min: 1, max: 128 }),
    firstCuts: fc.integer({ min: 1, max: 40 }),
    maxCuts: fc.integer({ min: 1, max: 40 }),
  }),
);

describe('tag pages over ranges (parallel chains on a lexical cursor)', () => {
  it('finds every tag, each once, on a registry that answers a made cursor with the tags after it, or skips one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(tagName, { minLength: 2, maxLength: 400 }),
        fc.integer({ min: 1, max: 25 }),
        fc.constantFrom<Cursor>('after', 'skips-one'),
        cutsArb,
        async (all, n, cursor, cuts) => {
          const { got, reg, outcome } = await readAll(all, n, cursor, cuts);
          assert.notEqual(outcome, 'not lexical');
          assert.deepEqual([...got].sort(byCodeUnit), reg.sorted);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never ends short: a registry that answers a made cursor otherwise is read whole or said not lexical', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(tagName, { minLength: 2, maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom<Cursor>('empty', 'ignored', 'error', 'inclusive'),
        cutsArb,
        async (all, n, cursor, cuts) => {
          const { got, reg, outcome } = await readAll(all, n, cursor, cuts);
          // Resolved means complete; otherwise the caller reads the rest page by page.
          if (outcome !== 'not lexical') assert.deepEqual([...got].sort(byCodeUnit), reg.sorted);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a made cursor answered with nothing where tags follow loses nothing: the range before reads on over it', async () => {
    const all = Array.from({ length: 500 }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`);
    const { got, outcome } = await readAll(all, 100, 'empty');
    assert.equal(outcome, 'read');
    assert.equal(got.size, 500);
  });

  it('a registry that answers a made cursor from the start of the list is said not lexical (read page by page)', async () => {
    const all = Array.from({ length: 500 }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`);
    assert.equal((await readAll(all, 100, 'ignored')).outcome, 'not lexical');
    assert.equal((await readAll(all, 100, 'error')).outcome, 'not lexical');
  });

  it('a reading stopped half way settles (no range waits for one that never read), and asks for nothing more', async () => {
    const all = Array.from({ length: 3000 }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`);
    const reg = registry(all, 100, 'after');
    const stop = new AbortController();
    let after = 0;
    const read = async (url: URL, made: boolean) => {
      if (stop.signal.aborted) after++;
      // The caller stops once a few pages are in; pages asked for already fail as a cancelled request would.
      if (reg.requests() >= 5) stop.abort();
      if (stop.signal.aborted) throw new DOMException('This operation was aborted', 'AbortError');
      return reg.read(url, made);
    };
    const outcome = await readTagRanges(reg.first.next!, reg.first.tags, () => undefined, {
      read,
      maxRanges: 64,
      maxCuts: 40,
      signal: stop.signal,
    }).then(
      () => 'read',
      (e: Error) => e.name,
    );
    assert.equal(outcome, 'AbortError');
    // Only requests already asked for when it stopped; none after.
    assert.equal(after, 0, `${after} pages asked for after the stop`);
  });

  /** `n` version tags in pages of 100 read over ranges with `cuts`: the rounds of pages in turn, and requests. */
  async function roundsOf(n: number, cuts: { maxRanges: number; firstCuts?: number; maxCuts: number }) {
    const all = Array.from({ length: n }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`);
    const reg = registry(all, 100, 'after');
    const got = new Set(reg.first.tags);
    // Rounds: every read asked while the answers of one round are handled is answered in the next round.
    let rounds = 0;
    const tagsAfter: number[] = [];
    const waiting: Array<() => void> = [];
    const read = (url: URL, made: boolean) =>
      new Promise<RangePage>((resolve, reject) => waiting.push(() => reg.answer(url, made).then(resolve, reject)));
    let done = false;
    const reading = readTagRanges(reg.first.next!, reg.first.tags, (tags) => tags.forEach((t) => got.add(t)), {
      read,
      ...cuts,
      signal: new AbortController().signal,
    }).finally(() => (done = true));
    while (!done) {
      await new Promise((r) => setImmediate(r));
      if (!waiting.length) continue;
      rounds++;
      tagsAfter.push(got.size);
      for (const answer of waiting.splice(0)) answer();
    }
    await reading;
    assert.equal(got.size, n);
    return { rounds, requests: reg.requests(), tagsAfter };
  }

  it('5,000 version tags in pages of 100: read over ranges in a few rounds of pages, not 50 in turn', async () => {
    const { rounds, requests } = await roundsOf(5000, { maxRanges: 128, maxCuts: 40 });
    assert.ok(rounds <= 6, `rounds of pages in turn: ${rounds} (one after another: 49)`);
    assert.ok(requests <= 50 + 128, `requests: ${requests}`);
  });

  it("with the client's settings: ahead of 200 HEADs a round from the second round on, in at most twice the pages", async () => {
    const { rounds, requests, tagsAfter } = await roundsOf(5000, TAG_RANGES);
    // The HEADs take 200 tags a round trip: from the second round of pages on, the tags read stay ahead of them.
    tagsAfter.forEach((n, i) => i >= 1 && assert.ok(n >= 200 * (i + 1), `round ${i + 1}: ${n} tags read`));
    assert.ok(rounds <= 25, `rounds of pages in turn: ${rounds} (one after another: 49)`);
    assert.ok(requests <= 2 * 50 + TAG_RANGES.firstCuts, `requests: ${requests}`);
  });

  it("with the client's settings: 1,000 version tags in three rounds of pages (fewer cuts at first: five)", async () => {
    // The first page's round is not counted: the ranges' first pages, then one more; the HEADs never wait for tags.
    const ours = await roundsOf(1000, TAG_RANGES);
    assert.ok(ours.rounds <= 2, `rounds after the first page: ${ours.rounds}`);
    assert.ok(ours.requests <= 2 * 10 + TAG_RANGES.firstCuts, `requests: ${ours.requests}`);
    const fewer = await roundsOf(1000, { ...TAG_RANGES, firstCuts: 3 });
    assert.ok(fewer.rounds >= 4, `three cuts: ${fewer.rounds} rounds`);
  });

  it('cuts after a page where its tags go on, of their own kind, nearest first, within the range', () => {
    assert.deepEqual(rangeCuts(['1.0.0', '1.0.1', '1.0.99'], undefined, 100), [
      ...['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9'],
      ...['2', '3', '4', '5', '6', '7', '8', '9'],
    ]);
    // A dense range cut again from its second page: 1.10.x says 1.11 .. 1.19 follow, up to 1.2.
    assert.deepEqual(rangeCuts(['1.10.0', '1.10.99'], '1.2', 100), [
      '1.11',
      '1.12',
      '1.13',
      '1.14',
      '1.15',
      '1.16',
      '1.17',
      '1.18',
      '1.19',
    ]);
    assert.deepEqual(rangeCuts(['1.0.0', '1.0.99'], '1.3', 100), ['1.1', '1.2']);
    // Nearest the page first when there are more places than allowed.
    assert.deepEqual(rangeCuts(['sha-00a1', 'sha-05c1'], undefined, 6), [
      'sha-06',
      'sha-07',
      'sha-08',
      'sha-09',
      'sha-1',
      'sha-2',
    ]);
    assert.deepEqual(rangeCuts(['a', 'b'], 'b0', 5), []);
    for (const cut of rangeCuts(['sha-00a1', 'sha-05c1'], 'sha-9', 50))
      assert.ok(cut > 'sha-05c1' && cut < 'sha-9', cut);
  });
});
