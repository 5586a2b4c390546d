import type { ElfType } from './constants';

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

/** One version a file needs from one library (Elf_Vernaux). */
export interface VersionNeed {
  name: string;
  /** VER_FLG_WEAK: the loader only warns when the version is missing. */
  weak: boolean;
  flags: number;
  /** The index the symbol version table (.gnu.version) uses for this need. */
  index: number;
}

/** The versions a file needs from one library (Elf_Verneed). */
export interface LibraryNeeds {
  file: string;
  versions: VersionNeed[];
}

/** One version a library defines (Elf_Verdef); the BASE entry names the library itself. */
export interface VersionDefinition {
  name: string;
  index: number;
  flags: number;
  base: boolean;
  weak: boolean;
  /** Names of the parent versions (the Verdaux entries after the first). */
  parents: string[];
}

export interface ElfInfo {
  file: string;
  class: 32 | 64;
  endian: 'little' | 'big';
  type: ElfType;
  machine: number;
  /** e_machine's name, e.g. "x86-64". */
  machineName: string;
  /** OCI architecture (amd64, arm64, arm, 386, s390x, ...), or undefined for machines the product does not know. */
  arch?: string;
  osabi: number;
  programHeaders: ProgramHeader[];
  /** PT_INTERP: the program loader, e.g. /lib64/ld-linux-x86-64.so.2 (glibc) or /lib/ld-musl-x86_64.so.1. */
  interpreter?: string;
  /** Whether a PT_DYNAMIC segment exists. */
  dynamic: boolean;
  needed: string[];
  soname?: string;
  rpath: string[];
  runpath: string[];
  flags1: number;
  versionNeeds: LibraryNeeds[];
  versionDefinitions: VersionDefinition[];
}
