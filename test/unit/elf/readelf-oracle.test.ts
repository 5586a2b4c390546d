import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseElf } from '../../../src/core/elf';
import {
  FOREIGN,
  HOST_LIBC,
  TRIXIE,
  fixtureFile,
  readelfDynamic,
  readelfHeader,
  readelfVersions,
} from '../../helpers/elf-fixtures';

// Real files of every class and byte order the product meets, each read by us and by binutils' readelf.
const FILES = [
  ['x86-64 executable', '/bin/ls'],
  ['x86-64 glibc 2.36', HOST_LIBC],
  ['x86-64 static', '/bin/busybox'],
  ['x86-64 libstdc++ (GLIBCXX, weak needs)', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6'],
  ['trixie x86-64 (GLIBC_2.38)', `${TRIXIE}/coreutils_amd64/usr/bin/wc`],
  ['trixie glibc 2.41', `${TRIXIE}/libc6_amd64/usr/lib/x86_64-linux-gnu/libc.so.6`],
  ['arm64 executable', `${FOREIGN}/coreutils_arm64/bin/ls`],
  ['arm64 glibc', `${FOREIGN}/libc6_arm64/lib/aarch64-linux-gnu/libc.so.6`],
  ['i386 32-bit', `${FOREIGN}/busybox_i386/bin/busybox`],
  ['i386 glibc', `${FOREIGN}/libc6_i386/lib/i386-linux-gnu/libc.so.6`],
  ['armhf 32-bit', `${FOREIGN}/busybox_armhf/bin/busybox`],
  ['s390x big endian', `${FOREIGN}/busybox_s390x/bin/busybox`],
  ['s390x big-endian glibc', `${FOREIGN}/libc6_s390x/lib/s390x-linux-gnu/libc.so.6`],
] as const;

const MACHINE_NAMES: Record<string, string> = {
  'Advanced Micro Devices X86-64': 'x86-64',
  AArch64: 'AArch64',
  'Intel 80386': 'Intel 80386',
  ARM: 'ARM',
  'IBM S/390': 'IBM S/390',
};

describe('ELF reader against readelf on real files', () => {
  for (const [label, file] of FILES) {
    it(`${label}: ${file}`, () => {
      const elf = parseElf(readFileSync(fixtureFile(file)), file);
      const h = readelfHeader(file);
      assert.equal(elf.class, h.class);
      assert.equal(elf.endian, h.endian);
      assert.equal(elf.machineName, MACHINE_NAMES[h.machine] ?? h.machine);
      assert.equal(elf.interpreter, h.interpreter);

      const d = readelfDynamic(file);
      assert.deepEqual(elf.needed, d.needed);
      assert.equal(elf.soname, d.soname);
      assert.deepEqual(elf.runpath, d.runpath);
      assert.deepEqual(elf.rpath, d.rpath);

      const v = readelfVersions(file);
      assert.deepEqual(
        elf.versionNeeds.map((n) => ({
          file: n.file,
          versions: n.versions.map((x) => ({ name: x.name, weak: x.weak })),
        })),
        v.needs,
      );
      assert.deepEqual(
        elf.versionDefinitions.map((x) => ({ name: x.name, base: x.base, parents: x.parents })),
        v.defs,
      );
    });
  }

  it('sees the glibc versions the files are known to carry', () => {
    const libc = parseElf(readFileSync(HOST_LIBC), HOST_LIBC);
    assert.ok(libc.versionDefinitions.some((d) => d.name === 'GLIBC_2.36'));
    assert.ok(!libc.versionDefinitions.some((d) => d.name === 'GLIBC_2.38'));
    const wc = parseElf(readFileSync(`${TRIXIE}/coreutils_amd64/usr/bin/wc`), 'wc');
    assert.ok(wc.versionNeeds.find((n) => n.file === 'libc.so.6')!.versions.some((x) => x.name === 'GLIBC_2.38'));
    const s390 = parseElf(readFileSync(`${FOREIGN}/busybox_s390x/bin/busybox`), 's390x');
    assert.equal(s390.arch, 's390x');
    assert.equal(s390.endian, 'big');
  });
});
