import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ElfFormatError, parseElf } from '../../../src/core/elf';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { ARTIFACTS } from '../../helpers/paths';
import { FOREIGN, TRIXIE, fixtureFile } from '../../helpers/elf-fixtures';

/** parseElf's whole contract on bad input: an ElfFormatError (a ReleaseOperatorError) naming the file, or a result. */
function parsesOrNamesTheFile(bytes: Uint8Array, name: string): 'ok' | 'error' {
  try {
    parseElf(bytes, name);
    return 'ok';
  } catch (e) {
    assert.ok(
      e instanceof ElfFormatError && e instanceof ReleaseOperatorError,
      `threw a non-ReleaseOperatorError: ${String(e)}`,
    );
    assert.ok(e.message.startsWith(`${name}: `), e.message);
    return 'error';
  }
}

/** A copy with the section header table zeroed and e_shoff/e_shnum/e_shstrndx cleared, as sstrip-like tools leave it. */
function zeroSectionHeaders(src: string, dest: string): void {
  const b = Buffer.from(readFileSync(src));
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const rd = (o: number, n: number) =>
    n === 8
      ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o))
      : n === 4
        ? le
          ? b.readUInt32LE(o)
          : b.readUInt32BE(o)
        : le
          ? b.readUInt16LE(o)
          : b.readUInt16BE(o);
  const shoff = rd(is64 ? 40 : 32, is64 ? 8 : 4);
  const shentsize = rd(is64 ? 58 : 46, 2);
  const shnum = rd(is64 ? 60 : 48, 2);
  assert.ok(shoff > 0 && shnum > 0, `${src} has section headers to remove`);
  b.fill(0, shoff, shoff + shentsize * shnum);
  b.fill(0, is64 ? 40 : 32, is64 ? 48 : 36); // e_shoff
  b.fill(0, is64 ? 58 : 46, is64 ? 64 : 52); // e_shentsize, e_shnum, e_shstrndx
  writeFileSync(dest, b);
}

describe('ELF reader on stripped, truncated and random input', () => {
  const dir = path.join(ARTIFACTS, 'elf');
  before(() => mkdirSync(dir, { recursive: true }));

  for (const src of [
    '/bin/ls',
    `${TRIXIE}/coreutils_amd64/usr/bin/wc`,
    `${FOREIGN}/busybox_s390x/bin/busybox`,
    `${FOREIGN}/busybox_armhf/bin/busybox`,
  ]) {
    it(`reads ${src} with its section headers zeroed, through the program headers`, () => {
      const dest = path.join(dir, `noshdr-${path.basename(path.dirname(path.dirname(src)))}-${path.basename(src)}`);
      zeroSectionHeaders(fixtureFile(src), dest);
      // readelf reads versions through sections: on the stripped copy it sees none, so the tables must come from PT_DYNAMIC.
      assert.doesNotMatch(
        execFileSync('readelf', ['-V', '--wide', dest], { encoding: 'utf8' }),
        /Version needs section/,
      );
      const original = parseElf(readFileSync(src), 'x');
      const stripped = parseElf(readFileSync(dest), 'x');
      assert.ok(stripped.versionNeeds.length > 0);
      assert.deepEqual(stripped.versionNeeds, original.versionNeeds);
      assert.deepEqual(stripped.needed, original.needed);
      assert.equal(stripped.interpreter, original.interpreter);
    });
  }

  it('every prefix of a small real ELF file is an error naming the file, and the whole file parses', function () {
    this.timeout(120_000);
    const file = fixtureFile('/usr/lib/x86_64-linux-gnu/libBrokenLocale.so.1');
    const bytes = readFileSync(file);
    const full = parseElf(bytes, file);
    assert.ok(full.versionNeeds.length && full.versionDefinitions.length);
    // The last byte the reader needs: the end of the furthest table it reads.
    let errors = 0;
    for (let n = 0; n < bytes.length; n++) {
      const r = parsesOrNamesTheFile(bytes.subarray(0, n), 'libBrokenLocale.so.1');
      if (r === 'error') errors++;
      if (n < 64) assert.equal(r, 'error', `a ${n}-byte prefix has no complete header`);
    }
    assert.ok(errors > 64);
  });

  it('a truncated copy on disk gives an error that names it', () => {
    const dest = path.join(dir, 'truncated-ls');
    writeFileSync(dest, readFileSync('/bin/ls').subarray(0, 1000));
    assert.throws(
      () => parseElf(readFileSync(dest), dest),
      (e: Error) =>
        e instanceof ElfFormatError && e.message.startsWith(dest) && /outside the file|truncated/.test(e.message),
    );
  });

  it('random bytes, with and without the ELF magic, never throw anything but ElfFormatError', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.boolean(),
        fc.constantFrom(1, 2),
        fc.constantFrom(1, 2),
        (body, magic, cls, data) => {
          const b = new Uint8Array(body);
          if (magic && b.length >= 7) b.set([0x7f, 0x45, 0x4c, 0x46, cls, data, 1]);
          parsesOrNamesTheFile(b, 'random.bin');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a real file with random bytes overwritten in its headers and tables never throws anything else', function () {
    this.timeout(120_000);
    const bytes = readFileSync(fixtureFile(`${FOREIGN}/busybox_s390x/bin/busybox`));
    const head = bytes.subarray(0, 64 * 1024);
    let oks = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: head.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (edits) => {
          const b = Buffer.from(head);
          for (const [o, v] of edits) b[o] = v;
          if (parsesOrNamesTheFile(Buffer.concat([b, bytes.subarray(head.length)]), 'mutated') === 'ok') oks++;
        },
      ),
      { numRuns: 800 },
    );
    assert.ok(oks > 0, 'some mutations land in bytes the reader ignores');
  });
});
