import path from 'node:path';
import type { ElfInfo } from '../elf';

/** Libraries that glibc itself ships (they use GLIBC_PRIVATE among themselves, legitimately). */
const GLIBC_LIBS =
  /^(ld-linux[\w.-]*\.so(\.\d+)*|ld64\.so\.\d+|ld\.so(\.\d+)*|lib(c|m|mvec|nsl|nss_\w+|resolv|rt|pthread|dl|util|anl|BrokenLocale|thread_db|c_malloc_debug|memusage|pcprofile|SegFault)(\.so(\.\d+)*|-[\d.]+\.so))$/;
/** Programs of Debian's libc-bin / glibc-common that need GLIBC_PRIVATE. */
const GLIBC_PROGRAMS = new Set([
  'gencat',
  'getent',
  'iconv',
  'ld.so',
  'pldd',
  'ldconfig',
  'locale',
  'localedef',
  'getconf',
  'iconvconfig',
  'zdump',
  'sprof',
  'nscd',
  'memusagestat',
  'catchsegv',
]);

/** Whether a file is part of glibc, so GLIBC_PRIVATE in it is not an application's fault. */
export function isGlibcComponent(p: string, elf: ElfInfo): boolean {
  const base = path.posix.basename(p);
  if (elf.soname && GLIBC_LIBS.test(elf.soname)) return true;
  if (GLIBC_LIBS.test(base)) return true;
  if (/\/(gconv|audit)\//.test(p)) return true;
  return GLIBC_PROGRAMS.has(base) && /^\/(usr\/)?s?bin\/|^\/usr\/lib(exec)?\//.test(p);
}

export function libcOfInterpreter(interp: string | undefined): 'glibc' | 'musl' | 'unknown' {
  if (!interp) return 'unknown';
  if (/ld-musl/.test(interp)) return 'musl';
  if (/\/ld[-.]/.test(interp) || /ld64\.so/.test(interp)) return 'glibc';
  return 'unknown';
}
