import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * Reading the repository's files without trusting them: only regular files are read (a FIFO among the
 * workflows would otherwise block the read for ever, and no signal ends a blocked read), a symbolic link is
 * followed once and only to a file inside the root, and nothing larger than a Dockerfile or workflow can
 * plausibly be is read. The file is opened non-blocking and checked on the open handle, so it cannot be
 * swapped for something else between the check and the read.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

export type ReadResult = { text: string } | { skipped: string };

export async function readRegularFile(root: string, rel: string): Promise<ReadResult> {
  const realRoot = await realpath(root).catch(() => path.resolve(root));
  const abs = path.resolve(root, rel);
  if (!inside(path.resolve(root), abs)) return { skipped: 'it is outside the repository' };
  let target = abs;
  const st = await lstat(abs).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) return { skipped: st.code === 'ENOENT' ? 'no such file' : st.message };
  if (st.isSymbolicLink()) {
    const link = await readlink(abs).catch(() => undefined);
    if (link === undefined) return { skipped: 'its link cannot be read' };
    target = path.resolve(path.dirname(abs), link);
    const second = await lstat(target).catch(() => undefined);
    if (!second) return { skipped: `it links to ${link}, which does not exist` };
    if (second.isSymbolicLink()) return { skipped: `it links to another link (${link}); links are followed once` };
  }
  // Folders on the way may be links too: the real path must still be inside the real root.
  const real = await realpath(target).catch(() => undefined);
  if (!real || !inside(realRoot, real)) return { skipped: 'it links outside the repository' };
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    return { skipped: (e as NodeJS.ErrnoException).code === 'ELOOP' ? 'it is a link' : (e as Error).message };
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) return { skipped: `it is not a regular file (${kindOf(s)})` };
    if (s.size > MAX_FILE_BYTES)
      return { skipped: `it is ${s.size} bytes, more than a Dockerfile or workflow can be (${MAX_FILE_BYTES})` };
    const buf = await handle.readFile();
    return { text: buf.toString('utf8') };
  } catch (e) {
    return { skipped: (e as Error).message };
  } finally {
    await handle.close();
  }
}

function kindOf(s: {
  isFIFO(): boolean;
  isDirectory(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}) {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isDirectory()) return 'a folder';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a file';
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Names in a folder of the repository (following the folder itself only when it stays inside the root). */
export async function listFolder(root: string, rel: string): Promise<string[]> {
  const abs = path.resolve(root, rel);
  const realRoot = await realpath(root).catch(() => path.resolve(root));
  const real = await realpath(abs).catch(() => undefined);
  if (!real || !inside(realRoot, real)) return [];
  return readdir(real).catch(() => [] as string[]);
}
