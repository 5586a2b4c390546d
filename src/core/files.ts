import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { lstat, open, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ReleaseOperatorError, environmentError, usageError } from './errors';
import { LIMITS, limitError } from './limits';

/**
 * Reading a file of a repository the product does not control (release-operator.json, a workflow, a version file):
 * only a regular file is read (a FIFO would block for ever, a device would never end), a symbolic link is followed
 * only when it stays inside the root, and the size is bounded. A file that exists but cannot be read is an
 * environment fault (exit 3) naming it, never taken as absent: an unreadable package.json must not let another
 * version source win in silence.
 */
export interface RegularFileOptions {
  /** Default: the fixed limit for repository files (1 MiB). */
  maxBytes?: number;
}

/** The bytes of `file` (absolute, or relative to `root`), or undefined when it does not exist. */
export async function readRegularFile(
  root: string,
  file: string,
  options: RegularFileOptions = {},
): Promise<Buffer | undefined> {
  const abs = path.resolve(root, file);
  const max = options.maxBytes ?? LIMITS.repositoryFileBytes.default;
  let st;
  try {
    st = await lstat(abs);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
    throw unreadableError(abs, e);
  }
  let target = abs;
  if (st.isSymbolicLink()) {
    let real: string;
    try {
      real = await realpath(abs);
    } catch (e) {
      // A dangling link names nothing; a loop or an unreadable folder on the way is a fault.
      if (errno(e) === 'ENOENT') return undefined;
      throw unreadableError(abs, e);
    }
    const realRoot = await realpath(root).catch(() => path.resolve(root));
    if (!isInside(realRoot, real))
      throw usageError(
        `${abs} is a symbolic link to ${real}, outside ${realRoot}; it is not read.`,
        'Make it a regular file inside the repository.',
      );
    target = real;
  }
  let fh;
  try {
    // O_NONBLOCK: a FIFO swapped in after the lstat must not block the open; O_NOFOLLOW: nor a link swapped in.
    fh = await open(target, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    if (errno(e) === 'ELOOP') throw notRegular(abs, 'a symbolic link');
    throw unreadableError(abs, e);
  }
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw notRegular(abs, kindOf(s));
    if (s.size > max) throw limitError('repositoryFileBytes', max, `${abs} is ${s.size} bytes`);
    const buf = Buffer.alloc(Math.min(s.size, max) + 1);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (!bytesRead) break;
      got += bytesRead;
    }
    // It grew while read: still bounded.
    if (got > max) throw limitError('repositoryFileBytes', max, `${abs} grew past the limit while read`);
    return buf.subarray(0, got);
  } catch (e) {
    if (e instanceof ReleaseOperatorError) throw e;
    throw unreadableError(abs, e);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Like readRegularFile, as UTF-8 text. */
export async function readRegularText(
  root: string,
  file: string,
  options: RegularFileOptions = {},
): Promise<string | undefined> {
  return (await readRegularFile(root, file, options))?.toString('utf8');
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** What a file system entry is, in words, for messages. */
export function kindOf(s: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSymbolicLink(): boolean;
}): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function notRegular(file: string, kind: string) {
  return usageError(`${file} is ${kind}, not a regular file; it is not read.`, 'Replace it with a regular file.');
}

/** A file that exists and could not be read: the environment (permissions, I/O), exit 3. */
export function unreadableError(file: string, e: unknown) {
  const code = errno(e);
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ELOOP'
        ? 'too many levels of symbolic links'
        : code === 'EIO'
          ? 'input/output error'
          : (code ?? (e instanceof Error ? e.message : String(e)));
  return environmentError(
    `Cannot read ${file}: ${why}${code && why !== code ? ` (${code})` : ''}.`,
    'Run as a user who can read it, or fix its permissions; a check never passes on files it could not read.',
    e,
  );
}

/**
 * A small local file given by the user (a key, a trusted root), read synchronously: opened non-blocking so a FIFO
 * cannot block, refused unless it is a regular file, bounded. Throws a plain Error with the reason.
 */
export function readSmallFileSync(file: string, maxBytes = LIMITS.repositoryFileBytes.default): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw new Error(`${file} is ${kindOf(s)}, not a regular file`);
    if (s.size > maxBytes) throw new Error(`${file} is ${s.size} bytes, more than ${maxBytes}`);
    const buf = Buffer.alloc(s.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (!n) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `file` whole or not at all: into a file beside it, then renamed over it, so a reader (the editor's watcher
 * of release-operator.json, another process reading the cache) never sees half of it. A symbolic link is written
 * through (its target is replaced, the link stays); an existing file keeps its permissions unless `mode` is given.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  options: { mode?: number } = {},
): Promise<void> {
  const real = await realpath(file).catch(() => file);
  const mode =
    options.mode ??
    (await stat(real).then(
      (s) => s.mode & 0o777,
      () => 0o644,
    ));
  const tmp = `${real}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode });
    await rename(tmp, real);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
