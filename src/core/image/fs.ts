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

const MAX_SYMLINK_HOPS = 40;

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
  /** Every path of the image. Read it freely; write through set() and remove() so the index below stays right. */
  readonly entries = new Map<string, FsEntry>();
  /**
   * The paths directly under each folder that hold an entry or something below one: a folder's subtree is walked
   * without looking at the rest of the image. (A layer that hides ten thousand folders, each with `.wh..wh..opq`,
   * once cost a pass over the whole image per folder: minutes for a layer of a few MiB.)
   */
  private readonly kids = new Map<string, Set<string>>();

  constructor() {
    this.entries.set('/', { type: 'dir', mode: 0o755, size: 0, layer: -1 });
  }

  set(p: string, e: FsEntry): void {
    this.entries.set(p, e);
    for (let c = p, d = parentOf(p); d !== undefined; c = d, d = parentOf(d)) {
      let k = this.kids.get(d);
      if (!k) this.kids.set(d, (k = new Set()));
      if (k.has(c)) break;
      k.add(c);
    }
  }

  /** Removes one path's entry (what is below it stays), and the index of folders left with nothing. */
  remove(p: string): void {
    this.entries.delete(p);
    for (let c = p, d = parentOf(p); d !== undefined; c = d, d = parentOf(d)) {
      if (this.entries.has(c) || this.kids.get(c)?.size) break;
      this.kids.delete(c);
      this.kids.get(d)?.delete(c);
    }
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
    const out: Array<[string, FsEntry]> = [];
    for (const p of this.below(r.path)) {
      const e = this.entries.get(p);
      if (e?.type === 'file') out.push([p, e]);
    }
    return out.sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /** Names directly inside a folder (symlinks in the folder's path resolved). */
  list(dir: string): string[] {
    const r = this.resolve(dir);
    if (!r) return [];
    const prefix = r.path === '/' ? '/' : r.path + '/';
    return [...(this.kids.get(r.path) ?? [])]
      .filter((p) => this.entries.has(p))
      .map((p) => p.slice(prefix.length))
      .sort();
  }

  private hasChildren(dir: string): boolean {
    return Boolean(this.kids.get(dir)?.size);
  }

  /** Every path strictly below a folder, from the index (its subtree only). */
  private below(dir: string): string[] {
    const out: string[] = [];
    const stack = [...(this.kids.get(dir) ?? [])];
    for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
      out.push(p);
      const k = this.kids.get(p);
      if (k) stack.push(...k);
    }
    return out;
  }

  /** Removes a path and everything under it that lower layers wrote (whiteouts and replaced folders). */
  removeBelow(p: string, layer: number, keepSelf = false): void {
    for (const k of this.below(p)) {
      const e = this.entries.get(k);
      if (e && e.layer < layer) this.remove(k);
    }
    const self = this.entries.get(p);
    if (!keepSelf && self && self.layer < layer) this.remove(p);
  }
}

/** The folder a normalized path is in; undefined for the root. */
function parentOf(p: string): string | undefined {
  if (p === '/') return undefined;
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
