import { ByteView, MissingBytes, type Piece } from './bytes';
import * as C from './constants';
import { ElfFormatError } from './errors';
import type { ElfInfo, LibraryNeeds, ProgramHeader, VersionDefinition } from './types';

const MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** True when the bytes start with the ELF magic (cheap test before reading a whole file). */
export function isElf(head: Uint8Array): boolean {
  return head.length >= 4 && MAGIC.every((b, i) => head[i] === b);
}

/**
 * Reads an ELF file's identity, program headers, dynamic segment and version tables the way the loader does:
 * through PT_LOAD / PT_DYNAMIC, never the section headers, so binaries with stripped section headers still
 * work. Throws ElfFormatError (a ReleaseOperatorError) for anything truncated or malformed, and nothing else.
 */
export function parseElf(bytes: Uint8Array, file: string): ElfInfo {
  return parseElfPieces([{ offset: 0, bytes }], bytes.length, file);
}

/**
 * parseElf over a file of `size` bytes of which only `pieces` are in memory: a read outside them throws
 * MissingBytes (read that range and call again; see readElfFile).
 */
export function parseElfPieces(pieces: readonly Piece[], size: number, file: string): ElfInfo {
  try {
    return parse(pieces, size, file);
  } catch (e) {
    if (e instanceof ElfFormatError || e instanceof MissingBytes) throw e;
    // A reader bug must still reach the user as a named, readable failure.
    throw new ElfFormatError(file, `could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

function parse(pieces: readonly Piece[], size: number, file: string): ElfInfo {
  if (size < 16) throw new ElfFormatError(file, `too short for an ELF header (${size} bytes)`);
  const ident = new ByteView(file, pieces, true, size);
  const byte = (i: number) => ident.u8(i, 'e_ident');
  if (!MAGIC.every((b, i) => byte(i) === b)) throw new ElfFormatError(file, 'not an ELF file (no \\x7fELF magic)');
  const cls = byte(4);
  const data = byte(5);
  if (cls !== 1 && cls !== 2)
    throw new ElfFormatError(file, `unknown ELF class ${cls} (expected 1 for 32-bit or 2 for 64-bit)`);
  if (data !== 1 && data !== 2)
    throw new ElfFormatError(file, `unknown ELF data encoding ${data} (expected 1 little or 2 big endian)`);
  if (byte(6) !== 1) throw new ElfFormatError(file, `unknown ELF version ${byte(6)}`);
  const is64 = cls === 2;
  const v = new ByteView(file, pieces, data === 1, size);
  const ehsize = is64 ? 64 : 52;
  v.check(0, ehsize, 'the ELF header');

  const type = v.u16(16, 'e_type');
  const machine = v.u16(18, 'e_machine');
  const phoff = v.word(is64 ? 32 : 28, is64, 'e_phoff');
  const shoff = v.word(is64 ? 40 : 32, is64, 'e_shoff');
  const phentsize = v.u16(is64 ? 54 : 42, 'e_phentsize');
  let phnum = v.u16(is64 ? 56 : 44, 'e_phnum');
  const shentsize = v.u16(is64 ? 58 : 46, 'e_shentsize');
  if (phnum === 0xffff) {
    // PN_XNUM: the real count is in section header 0's sh_info.
    if (!shoff) throw new ElfFormatError(file, 'e_phnum is PN_XNUM but there is no section header 0 to hold the count');
    phnum = v.u32(shoff + (is64 ? 44 : 28), 'section header 0 sh_info (program header count)');
    void shentsize;
  }
  const phMin = is64 ? 56 : 32;
  if (phnum > 0 && phentsize < phMin)
    throw new ElfFormatError(file, `e_phentsize ${phentsize} is smaller than a program header (${phMin})`);
  if (phnum > C.LIMITS.programHeaders) throw new ElfFormatError(file, `e_phnum ${phnum} is implausibly large`);
  v.check(phoff, phnum * phentsize, 'the program header table');

  const phs: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const what = `program header ${i}`;
    phs.push(
      is64
        ? {
            type: v.u32(o, what),
            flags: v.u32(o + 4, what),
            offset: v.u64(o + 8, what),
            vaddr: v.u64(o + 16, what),
            filesz: v.u64(o + 32, what),
            memsz: v.u64(o + 40, what),
          }
        : {
            type: v.u32(o, what),
            offset: v.u32(o + 4, what),
            vaddr: v.u32(o + 8, what),
            filesz: v.u32(o + 16, what),
            memsz: v.u32(o + 20, what),
            flags: v.u32(o + 24, what),
          },
    );
  }

  const m = C.MACHINES[machine];
  const info: ElfInfo = {
    file,
    class: is64 ? 64 : 32,
    endian: data === 1 ? 'little' : 'big',
    type: C.ET_NAMES[type] ?? 'unknown',
    machine,
    machineName: m?.name ?? `machine ${machine}`,
    arch: archOf(machine, is64, data === 1),
    osabi: byte(7),
    programHeaders: phs,
    dynamic: false,
    needed: [],
    rpath: [],
    runpath: [],
    flags1: 0,
    versionNeeds: [],
    versionDefinitions: [],
  };

  const interp = phs.find((p) => p.type === C.PT_INTERP);
  if (interp) {
    v.check(interp.offset, interp.filesz, 'PT_INTERP');
    info.interpreter = v.cstring(
      interp.offset,
      interp.offset + interp.filesz,
      C.LIMITS.stringLength,
      'the PT_INTERP path',
    );
  }
  const dyn = phs.find((p) => p.type === C.PT_DYNAMIC);
  if (dyn) readDynamic(v, is64, phs, dyn, info);
  return info;
}

/** e_machine plus class and byte order -> OCI architecture (ppc64 LE is ppc64le, 64-bit RISC-V is riscv64...). */
function archOf(machine: number, is64: boolean, le: boolean): string | undefined {
  const m = C.MACHINES[machine];
  if (!m) return undefined;
  if (machine === 21) return le ? 'ppc64le' : 'ppc64';
  if (machine === 8) return is64 ? (le ? 'mips64le' : 'mips64') : le ? 'mipsle' : 'mips';
  if (machine === 22) return is64 ? 's390x' : 's390';
  if (machine === 243) return is64 ? 'riscv64' : 'riscv32';
  return m.arch;
}

/** Maps a virtual address to a file offset through the PT_LOAD segment that holds it, as the loader maps it. */
function vaddrToOffset(v: ByteView, phs: ProgramHeader[], addr: number, what: string): number {
  for (const p of phs) {
    if (p.type === C.PT_LOAD && addr >= p.vaddr && addr < p.vaddr + p.filesz) return addr - p.vaddr + p.offset;
  }
  throw new ElfFormatError(v.file, `${what} address 0x${addr.toString(16)} is not inside any PT_LOAD segment`);
}

function readDynamic(v: ByteView, is64: boolean, phs: ProgramHeader[], dyn: ProgramHeader, info: ElfInfo): void {
  info.dynamic = true;
  const entsize = is64 ? 16 : 8;
  v.check(dyn.offset, dyn.filesz, 'the PT_DYNAMIC segment');
  const count = Math.min(Math.floor(dyn.filesz / entsize), C.LIMITS.dynamicEntries);
  const entries: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const o = dyn.offset + i * entsize;
    const tag = is64 ? v.u64Tag(o) : v.u32(o, `dynamic entry ${i} tag`);
    if (tag === C.DT_NULL) break;
    // Tags above 2^53 (processor-specific ranges on 64-bit) carry nothing the check needs; values may be any word.
    const val = is64 ? v.u64Loose(o + 8) : v.u32(o + 4, `dynamic entry ${i} value`);
    entries.push([tag, val]);
  }
  const one = (tag: number) => entries.find(([t]) => t === tag)?.[1];
  const all = (tag: number) => entries.filter(([t]) => t === tag).map(([, val]) => val);

  const strtabAddr = one(C.DT_STRTAB);
  const strsz = one(C.DT_STRSZ);
  const strings = [C.DT_NEEDED, C.DT_SONAME, C.DT_RPATH, C.DT_RUNPATH, C.DT_VERNEED, C.DT_VERDEF].some(
    (t) => one(t) !== undefined,
  );
  if (!strings) {
    info.flags1 = one(C.DT_FLAGS_1) ?? 0;
    return;
  }
  if (strtabAddr === undefined) throw new ElfFormatError(v.file, 'the dynamic segment has names but no DT_STRTAB');
  if (strsz === undefined) throw new ElfFormatError(v.file, 'the dynamic segment has no DT_STRSZ');
  const strOff = vaddrToOffset(v, phs, strtabAddr, 'DT_STRTAB');
  v.check(strOff, strsz, 'the dynamic string table (DT_STRTAB/DT_STRSZ)');
  const str = (idx: number, what: string) => {
    if (idx >= strsz) throw new ElfFormatError(v.file, `${what} string index ${idx} is beyond DT_STRSZ ${strsz}`);
    return v.cstring(strOff + idx, strOff + strsz, C.LIMITS.stringLength, what);
  };

  info.needed = all(C.DT_NEEDED).map((i) => str(i, 'DT_NEEDED'));
  const soname = one(C.DT_SONAME);
  if (soname !== undefined) info.soname = str(soname, 'DT_SONAME');
  const paths = (tag: number, what: string) => all(tag).flatMap((i) => str(i, what).split(':').filter(Boolean));
  info.rpath = paths(C.DT_RPATH, 'DT_RPATH');
  info.runpath = paths(C.DT_RUNPATH, 'DT_RUNPATH');
  info.flags1 = one(C.DT_FLAGS_1) ?? 0;

  const verneed = one(C.DT_VERNEED);
  if (verneed !== undefined) {
    const num = one(C.DT_VERNEEDNUM);
    if (num === undefined) throw new ElfFormatError(v.file, 'DT_VERNEED without DT_VERNEEDNUM');
    info.versionNeeds = readVerneed(v, vaddrToOffset(v, phs, verneed, 'DT_VERNEED'), num, str);
  }
  const verdef = one(C.DT_VERDEF);
  if (verdef !== undefined) {
    const num = one(C.DT_VERDEFNUM);
    if (num === undefined) throw new ElfFormatError(v.file, 'DT_VERDEF without DT_VERDEFNUM');
    info.versionDefinitions = readVerdef(v, vaddrToOffset(v, phs, verdef, 'DT_VERDEF'), num, str);
  }
}

type Str = (idx: number, what: string) => string;

function readVerneed(v: ByteView, start: number, num: number, str: Str): LibraryNeeds[] {
  if (num > C.LIMITS.versionEntries) throw new ElfFormatError(v.file, `DT_VERNEEDNUM ${num} is implausibly large`);
  const out: LibraryNeeds[] = [];
  let o = start;
  let aux = 0;
  for (let i = 0; i < num; i++) {
    const what = `version need ${i}`;
    const version = v.u16(o, what);
    if (version !== 1) throw new ElfFormatError(v.file, `${what} has unknown vn_version ${version}`);
    const cnt = v.u16(o + 2, what);
    const lib: LibraryNeeds = { file: str(v.u32(o + 4, what), `${what} vn_file`), versions: [] };
    let a = o + v.u32(o + 8, what);
    for (let j = 0; j < cnt; j++) {
      if (++aux > C.LIMITS.auxEntries) throw new ElfFormatError(v.file, 'too many version need entries');
      const w = `${what} entry ${j}`;
      const flags = v.u16(a + 4, w);
      lib.versions.push({
        name: str(v.u32(a + 8, w), `${w} vna_name`),
        flags,
        weak: (flags & C.VER_FLG_WEAK) !== 0,
        index: v.u16(a + 6, w) & 0x7fff,
      });
      const next = v.u32(a + 12, w);
      if (next === 0) break;
      a += next;
    }
    out.push(lib);
    const next = v.u32(o + 12, what);
    if (next === 0) break;
    o += next;
  }
  return out;
}

function readVerdef(v: ByteView, start: number, num: number, str: Str): VersionDefinition[] {
  if (num > C.LIMITS.versionEntries) throw new ElfFormatError(v.file, `DT_VERDEFNUM ${num} is implausibly large`);
  const out: VersionDefinition[] = [];
  let o = start;
  let aux = 0;
  for (let i = 0; i < num; i++) {
    const what = `version definition ${i}`;
    const version = v.u16(o, what);
    if (version !== 1) throw new ElfFormatError(v.file, `${what} has unknown vd_version ${version}`);
    const flags = v.u16(o + 2, what);
    const index = v.u16(o + 4, what);
    const cnt = v.u16(o + 6, what);
    const names: string[] = [];
    let a = o + v.u32(o + 12, what);
    for (let j = 0; j < cnt; j++) {
      if (++aux > C.LIMITS.auxEntries) throw new ElfFormatError(v.file, 'too many version definition entries');
      names.push(str(v.u32(a, `${what} aux ${j}`), `${what} vda_name`));
      const next = v.u32(a + 4, `${what} aux ${j}`);
      if (next === 0) break;
      a += next;
    }
    if (!names.length) throw new ElfFormatError(v.file, `${what} has no name`);
    out.push({
      name: names[0],
      index,
      flags,
      base: (flags & C.VER_FLG_BASE) !== 0,
      weak: (flags & C.VER_FLG_WEAK) !== 0,
      parents: names.slice(1),
    });
    const next = v.u32(o + 16, what);
    if (next === 0) break;
    o += next;
  }
  return out;
}
