import path from 'node:path';
import type { ElfFormatError, ElfInfo } from '../elf';

/** One path of an image's merged filesystem. File contents are not kept: only what the checks read. */
export interface FsEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  /** Symlink target as stored. */
  target?: string;
  /** Index of the layer that last wrote this path (whiteouts only hide lower layers). */
  layer: number;
  /** The parsed ELF header and tables, when the file is an ELF file. */
  elf?: ElfInfo;
  /** Why an ELF file could not be read. */
  elfError?: ElfFormatError;
  /** The first line of a script (#!...), to follow an entrypoint script to its interpreter. */
  shebang?: string;
  /** Text of small configuration files the loader reads (/etc/ld.so.conf and its includes). */
  text?: string;
}

export const MAX_SYMLINK_HOPS = 40;

/** Absolute, normalized, '..' clamped at the root (an image path can never leave the image). */
export function normalizePath(p: string): string {
  const n = path.posix.normalize('/' + p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/**
 * An image's merged root filesystem, built layer by layer (see layer.ts). Symlinks resolve inside the
 * image root: absolute targets restart at the image root and '..' stops at it, as in a chroot.
 */
export class ImageFs {
  /** Every path of the image. Read it freely; write through set() so the index below stays right. */
  readonly entries = new Map<string, FsEntry>();
  /**
   * Every folder that an entry was ever set under (it never shrinks, so it can only say "maybe"): a path that is
   * not in it has nothing below it, so replacing a file costs one lookup instead of a pass over the whole image.
   */
  private readonly parents = new Set<string>();

  constructor() {
    this.entries.set('/', { type: 'dir', mode: 0o755, size: 0, layer: -1 });
  }

  set(p: string, e: FsEntry): void {
    this.entries.set(p, e);
    for (let d = parentOf(p); d !== undefined && !this.parents.has(d); d = parentOf(d)) this.parents.add(d);
  }

  lstat(p: string): FsEntry | undefined {
    return this.entries.get(normalizePath(p));
  }

  /** Follows symlinks (all of them, or all but the last component); undefined on a loop. */
  resolve(p: string, followLast = true): { path: string; entry?: FsEntry } | undefined {
    const pending = normalizePath(p).split('/').filter(Boolean);
    let current = '/';
    let hops = 0;
    while (pending.length) {
      const comp = pending.shift()!;
      if (comp === '.' || comp === '') continue;
      if (comp === '..') {
        current = path.posix.dirname(current);
        continue;
      }
      const candidate = current === '/' ? `/${comp}` : `${current}/${comp}`;
      const e = this.entries.get(candidate);
      if (e?.type === 'symlink' && e.target !== undefined && (pending.length > 0 || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) return undefined;
        pending.unshift(...e.target.split('/').filter(Boolean));
        if (e.target.startsWith('/')) current = '/';
        continue;
      }
      current = candidate;
    }
    return {
      path: current,
      entry:
        this.entries.get(current) ??
        (this.hasChildren(current) ? { type: 'dir', mode: 0o755, size: 0, layer: -1 } : undefined),
    };
  }

  /** The entry a path finally names, symlinks followed. */
  stat(p: string): FsEntry | undefined {
    return this.resolve(p)?.entry;
  }

  /** Regular files at or under a folder (the folder's own symlinks resolved), in path order. */
  filesUnder(dir: string): Array<[string, FsEntry]> {
    const r = this.resolve(dir);
    if (!r?.entry) return [];
    if (r.entry.type === 'file') return [[r.path, r.entry]];
    const prefix = r.path === '/' ? '/' : r.path + '/';
    return [...this.entries]
      .filter(([p, e]) => e.type === 'file' && p.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /** Names directly inside a folder (symlinks in the folder's path resolved). */
  list(dir: string): string[] {
    const r = this.resolve(dir);
    if (!r) return [];
    const prefix = r.path === '/' ? '/' : r.path + '/';
    const names: string[] = [];
    for (const p of this.entries.keys())
      if (p.startsWith(prefix) && p.length > prefix.length && !p.slice(prefix.length).includes('/'))
        names.push(p.slice(prefix.length));
    return names.sort();
  }

  private hasChildren(dir: string): boolean {
    if (!this.parents.has(dir)) return false;
    const prefix = dir === '/' ? '/' : dir + '/';
    for (const p of this.entries.keys()) if (p.startsWith(prefix)) return true;
    return false;
  }

  /** Removes a path and everything under it that lower layers wrote (whiteouts and replaced folders). */
  removeBelow(p: string, layer: number, keepSelf = false): void {
    if (!this.parents.has(p)) {
      const e = this.entries.get(p);
      if (!keepSelf && e && e.layer < layer) this.entries.delete(p);
      return;
    }
    const prefix = p === '/' ? '/' : p + '/';
    for (const [k, e] of this.entries) {
      if (e.layer >= layer) continue;
      if ((!keepSelf && k === p) || k.startsWith(prefix)) this.entries.delete(k);
    }
  }
}

/** The folder a normalized path is in; undefined for the root. */
function parentOf(p: string): string | undefined {
  if (p === '/') return undefined;
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
