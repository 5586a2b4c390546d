import assert from 'node:assert/strict';
import { open, readdir, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ElfFormatError, isElf, parseElf, parseElfChunks, readElfFile } from '../../../src/core/elf';
import { FOREIGN, HOST_LIBC, TRIXIE, fixtureFile } from '../../helpers/elf-fixtures';

/** What a parse gives: the result, or the error's message (the two readers must agree on both). */
function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    assert.ok(e instanceof ElfFormatError, `threw a non-ElfFormatError: ${String(e)}`);
    return `error: ${e.message}`;
  }
}
async function outcomeAsync(f: () => Promise<unknown>): Promise<unknown> {
  try {
    return await f();
  } catch (e) {
    assert.ok(e instanceof ElfFormatError, `threw a non-ElfFormatError: ${String(e)}`);
    return `error: ${e.message}`;
  }
}

/** A file handle over bytes in memory that counts what is read (the real-file cases below use real handles). */
function memoryHandle(bytes: Uint8Array) {
  const stats = { reads: 0, bytes: 0 };
  return {
    stats,
    read: async (buffer: Buffer, offset: number, length: number, position: number) => {
      const n = Math.max(0, Math.min(length, bytes.length - position));
      buffer.set(bytes.subarray(position, position + n), offset);
      stats.reads++;
      stats.bytes += n;
      return { bytesRead: n, buffer };
    },
  };
}

const REAL = [
  '/bin/ls',
  HOST_LIBC,
  '/bin/busybox',
  '/usr/lib/x86_64-linux-gnu/libstdc++.so.6',
  `${TRIXIE}/libc6_amd64/usr/lib/x86_64-linux-gnu/libc.so.6`,
  `${FOREIGN}/coreutils_arm64/bin/ls`,
  `${FOREIGN}/libc6_i386/lib/i386-linux-gnu/libc.so.6`,
  `${FOREIGN}/busybox_armhf/bin/busybox`,
  `${FOREIGN}/libc6_s390x/lib/s390x-linux-gnu/libc.so.6`,
];

describe('ELF reader on a file read in parts (readElfFile)', () => {
  it('real files of every class and byte order: the same result as the whole file, from a few small reads', async () => {
    for (const file of REAL) {
      const whole = readFileSync(fixtureFile(file));
      const fh = await open(file, 'r');
      try {
        assert.deepEqual(await readElfFile(fh, whole.length, file), parseElf(whole, file), file);
      } finally {
        await fh.close();
      }
      const mem = memoryHandle(whole);
      await readElfFile(mem, whole.length, file);
      assert.ok(mem.stats.reads <= 6, `${file}: ${mem.stats.reads} reads`);
      if (whole.length > 1024 * 1024)
        assert.ok(mem.stats.bytes < whole.length / 4, `${file}: read ${mem.stats.bytes} of ${whole.length} bytes`);
    }
  });

  it("every ELF file of this machine's library folder: the same result as the whole file", async function () {
    this.timeout(120_000);
    const dir = '/usr/lib/x86_64-linux-gnu';
    let checked = 0;
    let readBytes = 0;
    let total = 0;
    for (const name of (await readdir(dir)).sort()) {
      const file = path.join(dir, name);
      const s = await stat(file).catch(() => undefined);
      if (!s?.isFile() || s.size < 4 || s.size > 256 * 1024 * 1024) continue;
      const whole = readFileSync(file);
      if (!isElf(whole)) continue;
      const mem = memoryHandle(whole);
      assert.deepEqual(
        await outcomeAsync(() => readElfFile(mem, whole.length, file)),
        outcome(() => parseElf(whole, file)),
        file,
      );
      checked++;
      readBytes += mem.stats.bytes;
      total += whole.length;
    }
    assert.ok(checked > 50, `only ${checked} ELF files in ${dir}`);
    assert.ok(readBytes < total / 4, `read ${readBytes} of ${total} bytes`);
  });

  it('every prefix of a small real ELF file (a truncated file): the same result or error as the whole-buffer reader', async function () {
    this.timeout(120_000);
    const file = fixtureFile('/usr/lib/x86_64-linux-gnu/libBrokenLocale.so.1');
    const bytes = readFileSync(file);
    for (let n = 0; n <= bytes.length; n += n < 2048 ? 1 : 7) {
      const prefix = bytes.subarray(0, n);
      assert.deepEqual(
        await outcomeAsync(() => readElfFile(memoryHandle(prefix), n, 'lib')),
        outcome(() => parseElf(prefix, 'lib')),
        `prefix of ${n} bytes`,
      );
    }
  });

  it('a file that shrinks after its size was taken is parsed as it is then (an error naming it, not a hang)', async () => {
    const whole = readFileSync(HOST_LIBC);
    for (const cut of [100, 4096, 70_000, whole.length - 100]) {
      const now = whole.subarray(0, cut);
      assert.deepEqual(
        await outcomeAsync(() => readElfFile(memoryHandle(now), whole.length, 'libc')),
        outcome(() => parseElf(now, 'libc')),
        `cut at ${cut}`,
      );
    }
  });

  it('a real file with random bytes overwritten in its first 64 KiB: both readers agree', async function () {
    this.timeout(120_000);
    const bytes = readFileSync(fixtureFile(`${FOREIGN}/libc6_s390x/lib/s390x-linux-gnu/libc.so.6`));
    const head = 96 * 1024;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: head - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async (edits) => {
          const b = Buffer.from(bytes);
          for (const [o, v] of edits) b[o] = v;
          assert.deepEqual(
            await outcomeAsync(() => readElfFile(memoryHandle(b), b.length, 'mutated')),
            outcome(() => parseElf(b, 'mutated')),
          );
        },
      ),
      { numRuns: 400 },
    );
  });
  describe('an ELF file held as the chunks a stream gave (parseElfChunks)', () => {
    const split = (bytes: Uint8Array, sizes: number[]) => {
      const out: Array<{ offset: number; bytes: Uint8Array }> = [];
      for (let o = 0, i = 0; o < bytes.length; i++) {
        const n = Math.max(1, sizes[i % sizes.length]);
        out.push({ offset: o, bytes: bytes.subarray(o, o + n) });
        o += n;
      }
      return out;
    };

    it('real files cut in chunks of every size down to one byte: the same result as the whole buffer', function () {
      this.timeout(120_000);
      for (const file of REAL) {
        const whole = readFileSync(fixtureFile(file));
        for (const sizes of [[65536], [16384, 1, 7, 4093], [512], [3]]) {
          if (sizes[0] === 3 && whole.length > 3_000_000) continue; // a million one-off chunks proves nothing more
          assert.deepEqual(
            parseElfChunks(split(whole, sizes), whole.length, file),
            parseElf(whole, file),
            `${file} in chunks of ${sizes.join(',')}`,
          );
        }
      }
    });

    it('a stream cut short (fewer bytes than the header said): the same error as the whole-buffer reader', () => {
      const whole = readFileSync(HOST_LIBC);
      for (const cut of [0, 10, 100, 4096, 70_000, whole.length - 100]) {
        const came = whole.subarray(0, cut);
        assert.deepEqual(
          outcome(() => parseElfChunks(split(came, [4096, 13]), whole.length, 'libc')),
          outcome(() => parseElf(came, 'libc')),
          `cut at ${cut}`,
        );
      }
    });
  });
});
