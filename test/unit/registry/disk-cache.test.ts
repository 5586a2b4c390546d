import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiskCache } from '../../../src/core/registry/disk-cache';

const entry = (text: string) => {
  const bytes = Buffer.from(text);
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes };
};

/** The disk cache's writes wait while a hold is on (the Release view's open holds them until it has its answer). */
describe('disk cache: writes held until the holders are done', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ro-disk-hold-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const stored = () =>
    readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => /^sha256\/..\/[a-f0-9]{64}$/.test(f.split(path.sep).join('/'))).length;

  it('writes nothing while held, everything once the last holder ends; ending twice is harmless', async () => {
    const cache = new DiskCache({ dir });
    const a = cache.hold();
    const b = cache.hold();
    const one = entry('{"one":1}');
    const two = entry('{"two":2}');
    cache.put(one.digest, 'application/json', one.bytes);
    cache.put(two.digest, 'application/json', two.bytes);
    // A write takes a millisecond or so: a held one has not started after far longer.
    await sleep(100);
    assert.equal(stored(), 0);
    a();
    a();
    await sleep(100);
    assert.equal(stored(), 0, 'still held by the other holder');
    b();
    while (cache.stats.writes < 2) await sleep(5);
    assert.equal(stored(), 2);
    assert.deepEqual((await new DiskCache({ dir }).get(one.digest))?.bytes, one.bytes);
    // Without a hold a write starts at once.
    const three = entry('{"three":3}');
    cache.put(three.digest, 'application/json', three.bytes);
    await cache.flush();
    assert.equal(stored(), 3);
  });

  it('flush() writes what a hold still keeps (a process about to exit keeps what it fetched)', async () => {
    const cache = new DiskCache({ dir });
    cache.hold();
    const one = entry('{"one":1}');
    cache.put(one.digest, 'application/json', one.bytes);
    await cache.flush();
    assert.equal(stored(), 1);
    assert.equal(cache.stats.writes, 1);
  });
});
