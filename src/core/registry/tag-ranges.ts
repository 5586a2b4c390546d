/**
 * Tag pages read in parallel over ranges of the tag space. A registry that pages the tag list with distribution's
 * cursor (`?n=100&last=TAG`, tags in lexical order, each page naming the next) makes a long listing a chain of round
 * trips: 50 pages of 100 tags are 50 round trips, one after the other. The cursor is a place in lexical order, so
 * once the first page shows the tags' shape, the rest can be cut into ranges (`last=1.3`: the tags after "1.3"), each
 * read by a chain of its own at the same time; a range whose page shows more to come cuts its own remainder again.
 *
 * A cursor this code makes (a place that may be no tag) is only a hint, because registries differ there: distribution
 * 2.x and 3.x skip the first tag after a cursor that is not a tag (`tags[SearchStrings(last)+1:]`), others may answer
 * nothing or an error. So no range is trusted to start where it was asked to: each range reads on, through the
 * registry's own next pages (cursors that are tags, which every registry answers in order, as the plain walk
 * trusts them), until it meets the first tag the range after it got. The ranges' runs then overlap, so together they
 * are the whole list in one unbroken run, whatever a made cursor was answered. Any page out of order, a made cursor
 * answered with an error, a run that ends where the next range says there are tags, ends the parallel reading with
 * {@link NotLexical}: the caller then reads the rest the plain way, one page after another.
 */

/** A tag page as a range reads it: its tags as sent, and the next page's address when there is one. */
export interface RangePage {
  tags: string[];
  next?: URL;
}

/** The registry's tag list is not a lexical cursor after all (or a made cursor failed): read it the plain way. */
export class NotLexical extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'NotLexical';
  }
}

/** Tags as distribution orders them: by code unit (byte order for the ASCII a tag is made of). */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Strictly ascending by code unit (no repeat): the order a lexical cursor gives. */
function ascending(tags: readonly string[]): boolean {
  for (let i = 1; i < tags.length; i++) if (!(tags[i - 1] < tags[i])) return false;
  return true;
}

/**
 * Whether a first page allows ranges: non-empty, in lexical order, and its next page addressed by `last` = its own
 * last tag (the cursor).
 */
export function lexicalCursor(tags: readonly string[], next: URL | undefined): boolean {
  return Boolean(next && tags.length && ascending(tags) && next.searchParams.get('last') === tags.at(-1));
}

const CLASSES = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];

/**
 * Places that cut the tags after a page's last tag (below `upTo`; none: to the end) into ranges, guessed from the
 * page: at each position of the part its first and last tag share, and where they part, the characters after the
 * last tag's own of its kind (digits, lower case, upper case). After "1.0.0" .. "1.0.99" that is "1.1" .. "1.9" and
 * "2" .. "9"; after "sha-00.." .. "sha-05.." it is "sha-06" .. "sha-09", "sha-1" .. "sha-9", then "shb" ..: the
 * places nearest the page first, at most `max`, returned in order. A poor guess costs requests, never tags; a range
 * that turns out dense is cut again from its own pages (1.1.x, then 1.10.x: "1.11" .. "1.19").
 */
export function rangeCuts(page: readonly string[], upTo: string | undefined, max: number): string[] {
  if (!page.length || max <= 0) return [];
  const first = page[0];
  const last = page.at(-1)!;
  let common = 0;
  while (common < first.length && common < last.length && first[common] === last[common]) common++;
  const cuts: string[] = [];
  // The deepest position first: its places are the nearest to the page, where more tags are likeliest.
  for (let d = Math.min(common, last.length - 1); d >= 0 && cuts.length < max; d--) {
    const c = last[d];
    const cls = CLASSES.find((k) => k.includes(c));
    if (!cls) continue;
    const places = [...cls.slice(cls.indexOf(c) + 1)]
      .map((n) => last.slice(0, d) + n)
      .filter((p) => p > last && (upTo === undefined || p < upTo));
    cuts.push(...places.slice(0, max - cuts.length));
  }
  return cuts.sort(byCodeUnit);
}

/**
 * How far a listing's ranges go (the registry client's settings). Each range has one page in flight; the pages have
 * to keep ahead of the HEADs (200 in flight take two pages of 100 a round trip, and a page waits as long as a HEAD
 * under that load). Eight cuts after the first page: a list of 1,000 version tags is then read in three rounds of
 * pages (the first page, the ranges' first pages, one more), where three cuts took five and left the HEADs waiting
 * for tags in the fourth (measured behind a 50 ms link: the last page came 235 ms later, the last HEAD 95 ms later).
 * The price is on short lists: one of 200 tags asks for 10 pages where 2 do, small requests beside its 200 HEADs. A
 * range that proves dense (a second page within it) is cut in four again, up to 96 ranges.
 */
export const TAG_RANGES = { maxRanges: 96, firstCuts: 8, maxCuts: 4 } as const;

export interface RangeReading {
  /** Reads one page; `made`: the URL is one this code made (its failure is NotLexical, not the registry's fault). */
  read(url: URL, made: boolean): Promise<RangePage>;
  /** Ranges in all, at most (each has one page in flight at a time). */
  maxRanges: number;
  /** Places cut after one page, at most. */
  maxCuts: number;
  /** Places cut after the first page, at most (default maxCuts). */
  firstCuts?: number;
  /** Set when the caller stops: no further page is asked for. */
  signal: AbortSignal;
}

interface Range {
  /** The place it was asked to start after (its made cursor). */
  from: string;
  /** The first tag its first page held (null: none), once known. */
  first: Promise<string | null>;
  setFirst(t: string | null): void;
  /** The range after it, if any: this one reads until it meets that one's first tag. */
  after?: Range;
}

/**
 * Reads every tag after the first page over ranges read at the same time, handing each page's new tags to `emit` as
 * they come (a tag can come twice; the caller keeps a set). `next` is the address the first page gave (its `last` is
 * the first page's last tag, the registry's own cursor). Resolves when the ranges' runs are read and meet; rejects
 * with NotLexical, or with a read's own error.
 */
export async function readTagRanges(
  next: URL,
  first: readonly string[],
  emit: (tags: string[]) => void,
  o: RangeReading,
): Promise<void> {
  let count = 0;
  const running = new Set<Promise<void>>();
  let failed: { error: unknown } | undefined;
  const stopped = () => failed !== undefined || o.signal.aborted;
  const at = (place: string): URL => {
    const u = new URL(next);
    u.searchParams.set('last', place);
    return u;
  };
  const newRange = (from: string): Range => {
    let setFirst!: (t: string | null) => void;
    const first = new Promise<string | null>((r) => (setFirst = r));
    return { from, first, setFirst };
  };
  const start = (range: Range, url: URL, made: boolean) => {
    count++;
    const p = read(range, url, made)
      .catch((e: unknown) => void (failed ??= { error: e }))
      // However it ended (read, failed, stopped before its first page), those waiting for its first tag go on (a
      // range whose first tag was known keeps it: a promise settles once).
      .finally(() => range.setFirst(null));
    running.add(p);
    void p.finally(() => running.delete(p));
  };
  /** After a page of `range` that has more to come: new ranges for its remainder, if there is room. */
  const cut = (range: Range, page: readonly string[], max = o.maxCuts) => {
    const room = o.maxRanges - count;
    if (room <= 0 || stopped()) return;
    const made = rangeCuts(page, range.after?.from, Math.min(max, room)).map(newRange);
    // Linked in order between this range and the one after it, then started.
    made.forEach((r, i) => (r.after = made[i + 1] ?? range.after));
    if (made.length) range.after = made[0];
    for (const r of made) start(r, at(r.from), true);
  };
  /** The first tag of the nearest range after this one that found any (null: none did). */
  const nextFirst = async (range: Range): Promise<string | null> => {
    for (let r = range.after; r; r = r.after) {
      const f = await r.first;
      if (f !== null) return f;
    }
    return null;
  };
  /** This range's run reached the end of the list: no range after it may have found a tag. */
  const atEnd = async (range: Range): Promise<void> => {
    if ((await nextFirst(range)) !== null && !stopped())
      throw new NotLexical(`the tag list ended, while a range after "${range.from}" found tags`);
  };
  const addressed = (page: RangePage) => {
    if (page.next && page.next.searchParams.get('last') !== page.tags.at(-1))
      throw new NotLexical('a next tag page is not addressed by the last tag');
  };
  async function read(range: Range, url: URL, made: boolean): Promise<void> {
    let cursor: URL | undefined = url;
    let isMade = made;
    let after = range.from;
    let firstPage = true;
    let inRange = 0;
    while (cursor && !stopped()) {
      const page = await o.read(cursor, isMade);
      if (!ascending(page.tags)) throw new NotLexical(`a tag page after "${after}" is not in lexical order`);
      if (page.tags.length && !(page.tags[0] > after))
        throw new NotLexical(`the tags asked for after "${after}" began with "${page.tags[0]}"`);
      if (firstPage) range.setFirst(page.tags[0] ?? null);
      if (!page.tags.length) {
        if (page.next) throw new NotLexical('an empty tag page names a next one');
        // A made cursor answered with nothing says little (distribution skips the one tag after a place that is no
        // tag): the range before reads on over it. A run of the registry's own pages that ends is the list's end.
        if (!(firstPage && isMade)) await atEnd(range);
        return;
      }
      firstPage = false;
      addressed(page);
      const bound = range.after?.from;
      if (bound === undefined || page.tags.at(-1)! <= bound) {
        // Within its range with more to come: cut again once a second page shows the range is dense (one page
        // in range and then its end is the common case, and a cut then would ask for nothing but tags after it).
        inRange++;
        if (page.next && inRange >= 2) cut(range, page.tags);
        emit(page.tags);
        if (!page.next) return atEnd(range);
      } else {
        // Past this range's end: read on until the first tag a range after it found shows in this run.
        const met = await nextFirst(range);
        if (stopped()) return;
        const upTo = met === null ? -1 : page.tags.findIndex((t) => t >= met);
        if (upTo >= 0) {
          if (page.tags[upTo] !== met)
            throw new NotLexical(`a range after "${bound}" began with "${met}", which the list does not hold`);
          emit(page.tags.slice(0, upTo));
          return;
        }
        emit(page.tags);
        // No range after found anything: this run is read to the list's end.
        if (!page.next) {
          if (met !== null) throw new NotLexical(`the tag list ended before "${met}", where a range began`);
          return;
        }
      }
      after = page.tags.at(-1)!;
      cursor = page.next;
      isMade = false;
    }
  }
  // The first range continues the first page through the registry's own next address.
  const head = newRange(first.at(-1)!);
  cut(head, first, o.firstCuts ?? o.maxCuts);
  start(head, next, false);
  while (running.size) await Promise.race(running);
  if (failed) throw failed.error;
}
