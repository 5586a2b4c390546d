/** ELF constants from the System V gABI and the GNU symbol-versioning extension (only what the reader uses). */
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DT_VERDEF = 0x6ffffffc;
export const DT_VERDEFNUM = 0x6ffffffd;
export const DT_VERNEED = 0x6ffffffe;
export const DT_VERNEEDNUM = 0x6fffffff;

export const VER_FLG_BASE = 0x1;
export const VER_FLG_WEAK = 0x2;

export const ET_NAMES: Record<number, ElfType> = { 1: 'rel', 2: 'exec', 3: 'dyn', 4: 'core' };
export type ElfType = 'rel' | 'exec' | 'dyn' | 'core' | 'unknown';

/** e_machine -> OCI architecture (GOARCH spelling), so a binary can be matched against an image platform. */
export const MACHINES: Record<number, { name: string; arch: string }> = {
  3: { name: 'Intel 80386', arch: '386' },
  8: { name: 'MIPS', arch: 'mips' },
  20: { name: 'PowerPC', arch: 'ppc' },
  21: { name: 'PowerPC64', arch: 'ppc64' },
  22: { name: 'IBM S/390', arch: 's390x' },
  40: { name: 'ARM', arch: 'arm' },
  62: { name: 'x86-64', arch: 'amd64' },
  183: { name: 'AArch64', arch: 'arm64' },
  243: { name: 'RISC-V', arch: 'riscv64' },
  258: { name: 'LoongArch', arch: 'loong64' },
};

/** Caps that keep a hostile file from making the reader loop or allocate without end. */
export const LIMITS = {
  programHeaders: 4096,
  dynamicEntries: 65536,
  versionEntries: 65536,
  auxEntries: 65536,
  stringLength: 65536,
};
