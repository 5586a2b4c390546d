import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_ARCHIVE_LIMITS, walkArchive } from '../../../src/core/archive';
import type { ReleaseOperatorError } from '../../../src/core/errors';
import { checkArchive } from '../../../src/core/glibc';
import { deflatedZeros, peakRssGrowth, rawZip, tarHeader, tarOf } from '../../helpers/archives';
import { ARTIFACTS } from '../../helpers/paths';

const DIR = path.join(ARTIFACTS, 'glibc', `archive-limits-${process.pid}`);
const MiB = 1024 * 1024;
/** What a refused bomb may cost the process at most: far below what it expands to. */
const MEMORY_BOUND = 128 * MiB;

function write(name: string, bytes: Buffer): string {
  const p = path.join(DIR, name);
  writeFileSync(p, bytes);
  return p;
}

const isLimit = (setting: string) => (e: ReleaseOperatorError) => {
  assert.equal(e.kind, 'environment', e.message);
  assert.match(e.message, new RegExp(setting.replace('.', '\\.')));
  assert.match(e.hint ?? '', /raise it|fixed/);
  return true;
};

describe('glibc: archive limits (bombs and floods are refused within the limits, in bounded memory)', function () {
  // Bombs are built and refused with real compressors on a shared 2-core machine: seconds under load.
  this.timeout(120_000);
  before(() => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
  });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it('a zip bomb that declares its size is refused before a byte is inflated', async () => {
    const file = write(
      'bomb.zip',
      rawZip([{ name: 'bin/tool', deflated: deflatedZeros(64 * MiB), declaredSize: 64 * MiB }]),
    );
    let inflated = 0;
    const r = await peakRssGrowth(() =>
      walkArchive(file, {
        visit: async (_m, body) => {
          for await (const c of body ?? []) inflated += c.length;
        },
      }),
    );
    assert.ok(r.error, 'refused');
    isLimit('limits.archiveRatio')(r.error as ReleaseOperatorError);
    assert.equal(inflated, 0);
    assert.ok(r.growth < MEMORY_BOUND, `grew ${r.growth} bytes`);
  });

  it('a zip bomb that lies about its size stops where its declared size ends', async () => {
    const file = write(
      'liar.zip',
      rawZip([{ name: 'bin/tool', deflated: deflatedZeros(64 * MiB), declaredSize: 4096 }]),
    );
    const r = await peakRssGrowth(() => checkArchive(file));
    const e = r.error as ReleaseOperatorError;
    assert.equal(e?.kind, 'check');
    assert.match(e.message, /liar\.zip!bin\/tool: inflates past the size it declares/);
    assert.ok(r.growth < MEMORY_BOUND, `grew ${r.growth} bytes`);
  });

  it('an overlapping-entries zip bomb (one kernel, many entries) is refused by the expansion of the whole', async () => {
    const kernel = deflatedZeros(8 * MiB);
    const members = Array.from({ length: 2000 }, (_, i) => ({
      name: `f${i}`,
      deflated: kernel,
      declaredSize: 8 * MiB,
    }));
    const file = write('overlap.zip', rawZip(members, { overlap: true }));
    let entries = 0;
    const r = await peakRssGrowth(() =>
      walkArchive(file, {
        visit: async (_m, body) => {
          entries++;
          for await (const _ of body ?? []);
        },
      }),
    );
    isLimit('limits.archiveRatio')(r.error as ReleaseOperatorError);
    assert.ok(entries < 10, `stopped after ${entries} entries`);
    assert.ok(r.growth < MEMORY_BOUND, `grew ${r.growth} bytes`);
  });

  it('a tar.gz bomb (8 GiB of zeros from 8 MiB) is refused within its first megabytes', async () => {
    const zeros = gzipSync(Buffer.alloc(64 * MiB));
    const parts = [gzipSync(tarHeader('bin/tool', 8 * 1024 * MiB - 1)), ...Array.from({ length: 128 }, () => zeros)];
    const file = write('bomb.tar.gz', Buffer.concat(parts));
    let out = 0;
    const r = await peakRssGrowth(() =>
      walkArchive(file, {
        visit: async (_m, body) => {
          for await (const c of body ?? []) out += c.length;
        },
      }),
    );
    isLimit('limits.archiveRatio')(r.error as ReleaseOperatorError);
    assert.ok(out < 64 * MiB, `read ${out} bytes before refusing`);
    assert.ok(r.growth < MEMORY_BOUND, `grew ${r.growth} bytes`);
    // With the ratio limit raised, the bytes limit stops it after 256 MiB (twice the memory bound) streamed through.
    out = 0;
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, archiveRatio: 1e9, archiveBytes: 2 * MEMORY_BOUND };
    const streamed = await peakRssGrowth(() =>
      walkArchive(file, {
        limits,
        visit: async (_m, body) => {
          for await (const c of body ?? []) out += c.length;
        },
      }),
    );
    isLimit('limits.archiveMegabytes')(streamed.error as ReleaseOperatorError);
    assert.ok(out > 2 * MEMORY_BOUND - MiB, `streamed ${out} bytes`);
    assert.ok(streamed.growth < MEMORY_BOUND, `grew ${streamed.growth} bytes while ${out} streamed`);
  });

  it('a tar with 100,000 entries is refused at the entry limit, in bounded memory', async () => {
    // Headers written directly (tar-stream's writer takes seconds per 10,000 entries); the reader is the real one.
    const tar = Buffer.concat([
      ...Array.from({ length: 100_000 }, (_, i) => tarHeader(`d/f${i}`, 0)),
      Buffer.alloc(1024),
    ]);
    const file = write('flood.tar.gz', gzipSync(tar));
    let seen = 0;
    const r = await peakRssGrowth(() => walkArchive(file, { visit: async () => void seen++ }));
    isLimit('limits.archiveEntries')(r.error as ReleaseOperatorError);
    assert.equal(seen, DEFAULT_ARCHIVE_LIMITS.archiveEntries);
    assert.ok(r.growth < MEMORY_BOUND, `grew ${r.growth} bytes`);
  });

  it('a zip with 100,000 entries is refused from its directory, before any entry is read', async () => {
    const empty = deflatedZeros(0);
    const file = write(
      'flood.zip',
      rawZip(Array.from({ length: 100_000 }, (_, i) => ({ name: `f${i}`, deflated: empty, declaredSize: 0 }))),
    );
    let seen = 0;
    await assert.rejects(walkArchive(file, { visit: async () => void seen++ }), isLimit('limits.archiveEntries'));
    assert.equal(seen, 0);
  });

  it('a zstd frame that asks for a 2 GiB window is refused before the window is allocated', async () => {
    // Magic, a frame header descriptor without single-segment, window descriptor exponent 21 (2^31), one raw block.
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01 | (4 << 3), 0, 0, 0x74, 0x61, 0x72, 0x21]);
    const file = write('window.tar.zst', frame);
    const r = await peakRssGrowth(() => walkArchive(file, { visit: async () => undefined }));
    isLimit('fixed limit')(r.error as ReleaseOperatorError);
    assert.match((r.error as Error).message, /window of 2147483648 bytes/);
    assert.ok(r.growth < MEMORY_BOUND, `grew ${r.growth} bytes`);
  });

  it('an xz stream whose dictionary is over 64 MiB is refused with the reason', async () => {
    const xz = execFileSync('xz', ['-c', '--lzma2=dict=256MiB'], { input: Buffer.alloc(1000) });
    await assert.rejects(
      walkArchive(write('bigdict.tar.xz', xz), { visit: async () => undefined }),
      (e: ReleaseOperatorError) => e.kind === 'check' && /dictionary over 64 MiB/.test(e.message),
    );
  });

  it('the limits are settings: a lower entry limit refuses, the default reads', async () => {
    const file = write('four.tar', await tarOf(['a', 'b', 'c', 'd'].map((name) => ({ name, data: name }))));
    await assert.rejects(
      walkArchive(file, { limits: { ...DEFAULT_ARCHIVE_LIMITS, archiveEntries: 3 }, visit: async () => undefined }),
      (e: ReleaseOperatorError) =>
        isLimit('limits.archiveEntries')(e) && /four\.tar holds more entries: the limit of 3/.test(e.message),
    );
    assert.equal((await walkArchive(file, { visit: async () => undefined })).entries, 4);
  });
});
