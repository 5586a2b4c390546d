import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DiskCache } from '../../../src/core/registry/disk-cache';
import { decodeHint, encodeHint, hintName } from '../../../src/core/registry/listing-hint';

describe("a tag listing's hint for the next (listing-hint.ts) and the disk cache's notes", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ro-hint-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what it wrote: the tags in order, and whether the registry wanted credentials', () => {
    const hint = { open: true, tags: ['v1.0.0', 'latest', '1.0', 'sha-abc1234'] };
    assert.deepEqual(decodeHint(encodeHint(hint), 10), hint);
    assert.deepEqual(decodeHint(encodeHint({ open: false, tags: [] }), 10), { open: false, tags: [] });
  });

  it('trusts nothing it reads: not JSON, another shape or version, too many tags: no hint; no tag names: left out', () => {
    const bad = [
      '',
      'not json',
      'null',
      '[]',
      '"tags"',
      JSON.stringify({ v: 2, open: true, tags: [] }),
      JSON.stringify({ v: 1, open: 'yes', tags: [] }),
      JSON.stringify({ v: 1, open: true, tags: 'v1' }),
      JSON.stringify({ v: 1, open: true }),
      JSON.stringify({ v: 1, open: true, tags: ['a', 'b', 'c'] }), // over the limit of 2 below
    ];
    for (const b of bad) assert.equal(decodeHint(Buffer.from(b), 2), undefined, b);
    // A tag name that is no tag (a path, a URL piece, an object) is never asked about; duplicates once.
    assert.deepEqual(
      decodeHint(
        Buffer.from(JSON.stringify({ v: 1, open: false, tags: ['v1', '../x', 'a/b', 7, {}, '.hidden', 'v1'] })),
        10,
      ),
      { open: false, tags: ['v1'] },
    );
    // Any record of about the right shape: a hint only when it is one, and then only tag names, each once.
    const record = fc.record({
      v: fc.oneof(fc.constant(1), fc.anything()),
      open: fc.oneof(fc.boolean(), fc.anything()),
      tags: fc.oneof(
        fc.array(fc.oneof(fc.stringMatching(/^[\w][\w.-]{0,10}$/), fc.string(), fc.anything()), { maxLength: 12 }),
        fc.anything(),
      ),
    });
    fc.assert(
      fc.property(record, (r) => {
        const h = decodeHint(Buffer.from(JSON.stringify(r) ?? ''), 10);
        const sound = r.v === 1 && typeof r.open === 'boolean' && Array.isArray(r.tags) && r.tags.length <= 10;
        assert.equal(h !== undefined, sound);
        if (!h) return;
        assert.equal(h.open, r.open);
        const names = (r.tags as unknown[]).filter(
          (t): t is string => typeof t === 'string' && /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(t),
        );
        assert.deepEqual(h.tags, [...new Set(names)]);
      }),
      { numRuns: 1000 },
    );
    // And any bytes at all: never a throw.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void decodeHint(Buffer.from(bytes), 100)),
      { numRuns: 300 },
    );
  });

  it('a note is kept by name, replaced, never read past its size limit, and pruned with the rest', async () => {
    const cache = new DiskCache({ dir, maxBytes: 4096 });
    const name = hintName('ghcr.io', 'acme/app');
    assert.equal(await cache.getNote(name), undefined, 'none yet');
    cache.putNote(name, Buffer.from('one'));
    await cache.flush();
    assert.equal((await cache.getNote(name))?.toString(), 'one');
    cache.putNote(name, Buffer.from('two'));
    await cache.flush();
    assert.equal((await cache.getNote(name))?.toString(), 'two', 'replaced');
    assert.equal(await cache.getNote(hintName('ghcr.io', 'acme/other')), undefined, 'another name, another note');
    // A held write waits for the hold's end.
    const release = cache.hold();
    cache.putNote(name, Buffer.from('three'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await cache.getNote(name))?.toString(), 'two');
    release();
    await cache.flush();
    assert.equal((await cache.getNote(name))?.toString(), 'three');
    // A file there that is too large (a hand edit, another program) is not read.
    const [file] = readdirSync(path.join(dir, 'notes'));
    writeFileSync(path.join(dir, 'notes', file), Buffer.alloc(3 * 1024 * 1024, 0x20));
    assert.equal(await cache.getNote(name), undefined);
    // Notes count towards the folder's bound: pruning removes them, oldest first, as it does entries.
    rmSync(path.join(dir, 'notes'), { recursive: true, force: true });
    mkdirSync(path.join(dir, 'notes'));
    cache.putNote(name, Buffer.alloc(8192, 0x61));
    await cache.flush();
    assert.ok(await cache.getNote(name));
    await cache.prune();
    assert.equal(await cache.getNote(name), undefined, 'pruned past the bound');
  });
});
