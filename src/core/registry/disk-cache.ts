import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../files';
import { nullLogger, type Logger } from '../log';

/**
 * Manifests and image configs on disk, by digest. A digest names its bytes forever, so an entry never goes stale and
 * a second open of a repository costs only the requests whose answer can change (which digest a tag points at).
 * Nothing read back is trusted: the bytes are hashed on every read and an entry that does not match its name
 * (a torn write, a disk error, a hand edit) is deleted and fetched again. Entries are written to a temporary file
 * and renamed, so a reader never sees half of one, also with several processes at once. The folder is bounded:
 * past `maxBytes` the oldest entries go first.
 */
export interface DiskCacheOptions {
  dir: string;
  /** Default 128 MiB: some 30,000 manifests of a few KiB. */
  maxBytes?: number;
  logger?: Logger;
}

export interface DiskCacheStats {
  hits: number;
  misses: number;
  /** Entries whose bytes did not match their digest (deleted, then fetched again). */
  corrupt: number;
  writes: number;
}

/** Small documents only: a manifest is at most 4 MiB (the registry's own limit), a config far less. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
const DIGEST = /^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$/;
/** A note is a hint of a few KiB (5,000 tag names are about 60 KiB); anything larger is not read. */
const NOTE_MAX_BYTES = 2 * 1024 * 1024;

/** The user's cache folder for this product: $XDG_CACHE_HOME/release-operator, else ~/.cache/release-operator. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : undefined;
  return path.join(base ?? path.join(os.homedir(), '.cache'), 'release-operator');
}

export class DiskCache {
  readonly stats: DiskCacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0 };
  private readonly maxBytes: number;
  private readonly log: Logger;
  /** Bytes in the folder: learnt by one scan at the first write, then kept up to date. */
  private total?: Promise<number>;
  private pending = new Set<Promise<void>>();
  private holds = 0;
  private held: Array<() => void> = [];

  constructor(private readonly o: DiskCacheOptions) {
    this.maxBytes = o.maxBytes ?? 128 * 1024 * 1024;
    this.log = o.logger ?? nullLogger;
  }

  get dir(): string {
    return this.o.dir;
  }

  /** The entry for `digest`, verified; undefined when absent or corrupt (then removed). */
  async get(digest: string): Promise<{ mediaType: string; bytes: Buffer } | undefined> {
    const file = this.file(digest);
    if (!file) return undefined;
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch {
      this.stats.misses++;
      return undefined;
    }
    // One line of media type, then the exact bytes the digest names.
    const nl = raw.indexOf(0x0a);
    const mediaType = nl > 0 && nl < 256 ? raw.subarray(0, nl).toString('latin1') : '';
    const bytes = raw.subarray(nl + 1);
    const [algorithm, hex] = digest.split(':');
    if (!mediaType || createHash(algorithm).update(bytes).digest('hex') !== hex) {
      this.stats.corrupt++;
      this.log.debug(`cache: ${digest} on disk does not match its digest; removed, fetching it again`);
      await rm(file, { force: true }).catch(() => undefined);
      return undefined;
    }
    this.stats.hits++;
    return { mediaType, bytes };
  }

  /**
   * Stores bytes already checked against `digest` (the caller hashed them). Never fails the caller: a cache that
   * cannot be written (read-only home, full disk) only costs the next open its requests. While a hold is on (see
   * hold()), the write waits for its end.
   */
  put(digest: string, mediaType: string, bytes: Buffer): void {
    const file = this.file(digest);
    if (!file || bytes.length > MAX_ENTRY_BYTES || /[\r\n]/.test(mediaType) || mediaType.length >= 255) return;
    this.schedule(() => this.write(file, mediaType, bytes), digest);
  }

  /**
   * Writes wait until the returned function is called (by every holder, when several hold): the Release view's open
   * gets its answer first and writes what it fetched after, so the writes' file system calls and their CPU are not
   * spent while its requests are in flight. Calling the function again does nothing.
   */
  hold(): () => void {
    this.holds++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.holds === 0) for (const start of this.held.splice(0)) start();
    };
  }

  /**
   * A note kept under a name (a repository's last tag listing, see RegistryClient.tagDigestStream): a hint, never
   * an answer, so nothing in it is trusted (its reader checks every part) and a missing, unreadable or oversized one
   * is undefined. At most NOTE_MAX_BYTES.
   */
  async getNote(name: string): Promise<Buffer | undefined> {
    const file = this.noteFile(name);
    try {
      const s = await stat(file);
      if (!s.isFile() || s.size > NOTE_MAX_BYTES) return undefined;
      const bytes = await readFile(file);
      return bytes.length <= NOTE_MAX_BYTES ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  /** Keeps a note (replacing the one of that name); like put(), it never fails the caller and waits for a hold. */
  putNote(name: string, bytes: Buffer): void {
    if (bytes.length > NOTE_MAX_BYTES) return;
    const file = this.noteFile(name);
    this.schedule(async () => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, bytes, { mode: 0o600 });
      this.stats.writes++;
    }, 'a note');
  }

  /** A write that never fails its caller (it is logged), started now or, while a hold is on, when it ends. */
  private schedule(write: () => Promise<void>, what: string): void {
    const start = () => {
      const p = write()
        .catch((e: unknown) => this.log.debug(`cache: cannot write ${what}: ${(e as Error).message}`))
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    };
    if (this.holds) this.held.push(start);
    else start();
  }

  /** Starts the writes a hold keeps waiting, and waits for every write (tests, and a process about to exit). */
  async flush(): Promise<void> {
    for (const start of this.held.splice(0)) start();
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async write(file: string, mediaType: string, bytes: Buffer): Promise<void> {
    const size = await stat(file).then(
      (s) => s.size,
      () => -1,
    );
    if (size >= 0) return; // already there (content-addressed: the same bytes)
    await mkdir(path.dirname(file), { recursive: true });
    const data = Buffer.concat([Buffer.from(`${mediaType}\n`, 'latin1'), bytes]);
    await writeFileAtomic(file, data, { mode: 0o600 });
    this.stats.writes++;
    const total = (await (this.total ??= this.scan())) + data.length;
    this.total = Promise.resolve(total);
    if (total > this.maxBytes) this.total = this.prune();
  }

  /** Oldest first until the folder is back under 3/4 of its bound (so pruning is not done at every write). */
  async prune(): Promise<number> {
    const entries = await this.entries();
    entries.sort((a, b) => a.mtime - b.mtime);
    let total = entries.reduce((n, e) => n + e.size, 0);
    for (const e of entries) {
      if (total <= this.maxBytes * 0.75) break;
      await rm(e.file, { force: true }).catch(() => undefined);
      total -= e.size;
    }
    return total;
  }

  private async scan(): Promise<number> {
    return (await this.entries()).reduce((n, e) => n + e.size, 0);
  }

  private async entries(): Promise<Array<{ file: string; size: number; mtime: number }>> {
    const out: Array<{ file: string; size: number; mtime: number }> = [];
    const names = await readdir(this.o.dir, { recursive: true }).catch(() => [] as string[]);
    for (const name of names) {
      if (
        !/^((sha256|sha512)\/[a-f0-9]{2}\/[a-f0-9]+|notes\/[a-f0-9]{64})(\..+\.tmp)?$/.test(
          name.split(path.sep).join('/'),
        )
      )
        continue;
      const file = path.join(this.o.dir, name);
      const s = await stat(file).catch(() => undefined);
      if (s?.isFile()) out.push({ file, size: s.size, mtime: s.mtimeMs });
    }
    return out;
  }

  /** <dir>/notes/<sha256 of the name>: any name is a file name there. */
  private noteFile(name: string): string {
    return path.join(this.o.dir, 'notes', createHash('sha256').update(name).digest('hex'));
  }

  /** <dir>/sha256/ab/abcdef...: the digest is checked first, so a name can never be a path elsewhere. */
  private file(digest: string): string | undefined {
    const m = DIGEST.exec(digest);
    if (!m) return undefined;
    return path.join(this.o.dir, m[1], m[2].slice(0, 2), m[2]);
  }
}
