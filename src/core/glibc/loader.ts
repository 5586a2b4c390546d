import path from 'node:path';
import type { ElfInfo } from '../elf';
import type { ImageFs } from '../image';
import { ARCHES } from './platforms';

/** An ELF object the loader would map: where it was found in the image and what it says. */
export interface LoadedObject {
  path: string;
  elf: ElfInfo;
}

const MAX_CONF_DEPTH = 8;

/** Folders listed in /etc/ld.so.conf and its includes (what ldconfig puts in the cache), in order. */
function ldSoConfDirs(fs: ImageFs): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const read = (file: string, depth: number) => {
    if (depth > MAX_CONF_DEPTH || seen.has(file)) return;
    seen.add(file);
    const text = fs.stat(file)?.text;
    if (!text) return;
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (!line || line.startsWith('hwcap ')) continue;
      if (line.startsWith('include ')) {
        for (const pattern of line.slice(8).trim().split(/\s+/)) {
          const abs = pattern.startsWith('/') ? pattern : path.posix.join(path.posix.dirname(file), pattern);
          for (const f of glob(fs, abs)) read(f, depth + 1);
        }
      } else for (const d of line.split(/[:\s,]+/)) if (d.startsWith('/')) out.push(d);
    }
  };
  read('/etc/ld.so.conf', 0);
  return out;
}

/** A glob with wildcards in the last component only (what ld.so.conf include lines use). */
function glob(fs: ImageFs, pattern: string): string[] {
  const dir = path.posix.dirname(pattern);
  const base = path.posix.basename(pattern);
  if (!/[*?[]/.test(base)) return [pattern];
  const re = new RegExp(
    '^' +
      base
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return fs
    .list(dir)
    .filter((n) => re.test(n))
    .map((n) => path.posix.join(dir, n));
}

/** The built-in search path: Debian's multiarch folders first, then the classic ones. */
function defaultDirs(arch: string | undefined, bits: 32 | 64): string[] {
  const t = arch ? ARCHES[arch]?.triplet : undefined;
  return [
    ...(t ? [`/lib/${t}`, `/usr/lib/${t}`] : []),
    ...(bits === 64 ? ['/lib64', '/usr/lib64'] : ['/lib32', '/usr/lib32']),
    '/lib',
    '/usr/lib',
  ];
}

/** Expands $ORIGIN / ${ORIGIN} and $LIB in a run path, as ld.so does. */
function expand(dir: string, origin: string, bits: 32 | 64): string {
  return dir.replace(/\$(\{ORIGIN\}|ORIGIN)/g, origin).replace(/\$(\{LIB\}|LIB)/g, bits === 64 ? 'lib64' : 'lib');
}

/**
 * Finds libraries the way glibc's ld.so does, inside an image: a name with a slash is a path; otherwise
 * DT_RPATH of the requester and the executable (only when the requester has no DT_RUNPATH), LD_LIBRARY_PATH,
 * DT_RUNPATH, the ld.so.conf folders (standing in for ld.so.cache), then the default folders. A candidate of
 * another class or machine is skipped, as the loader skips it.
 */
export class LibraryResolver {
  private readonly confDirs: string[];
  private readonly cache = new Map<string, LoadedObject | null>();
  constructor(
    readonly fs: ImageFs,
    readonly ldLibraryPath: string[] = [],
  ) {
    this.confDirs = ldSoConfDirs(fs);
  }

  find(name: string, requester: LoadedObject, executable: LoadedObject): LoadedObject | undefined {
    const e = requester.elf;
    if (name.includes('/')) return this.candidate(path.posix.resolve(path.posix.dirname(requester.path), name), e);
    const dirs: string[] = [];
    if (!e.runpath.length) {
      dirs.push(...e.rpath.map((d) => expand(d, path.posix.dirname(requester.path), e.class)));
      if (executable !== requester && !executable.elf.runpath.length)
        dirs.push(...executable.elf.rpath.map((d) => expand(d, path.posix.dirname(executable.path), e.class)));
    }
    dirs.push(...this.ldLibraryPath);
    dirs.push(...e.runpath.map((d) => expand(d, path.posix.dirname(requester.path), e.class)));
    dirs.push(...this.confDirs, ...defaultDirs(e.arch, e.class));
    for (const d of dirs) {
      const hit = this.candidate(path.posix.join(d, name), e);
      if (hit) return hit;
    }
    return undefined;
  }

  private candidate(p: string, like: ElfInfo): LoadedObject | undefined {
    const key = `${like.machine}/${like.class}:${p}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const r = this.fs.resolve(p);
    const elf = r?.entry?.type === 'file' ? r.entry.elf : undefined;
    const ok = elf && elf.machine === like.machine && elf.class === like.class ? { path: r!.path, elf } : undefined;
    this.cache.set(key, ok ?? null);
    return ok;
  }
}
