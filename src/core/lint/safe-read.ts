import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isReleaseOperatorError } from '../errors';
import { isInside, readRegularFile as readRepositoryFile } from '../files';

/**
 * The lint's view of the repository's files, over the one safe reader (core/files.ts: regular files only, links
 * only inside the root, bounded, non-blocking open). What cannot be read is not an error for the lint run as a
 * whole: it is listed with the reason, and `fault` marks a file that exists but could not be read (permissions,
 * I/O), which makes the lint verdict an environment fault rather than a pass.
 */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export type ReadResult = { text: string } | { skipped: string; fault?: boolean };

export async function readRegularFile(root: string, rel: string): Promise<ReadResult> {
  const realRoot = await realpath(root).catch(() => path.resolve(root));
  const abs = path.resolve(root, rel);
  if (!isInside(path.resolve(root), abs)) return { skipped: 'it is outside the repository' };
  // A link is followed once, and only to a file inside the repository (the reader below refuses links).
  let target = abs;
  const st = await lstat(abs).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) {
    if (st.code === 'ENOENT' || st.code === 'ENOTDIR') return { skipped: 'no such file' };
    return { skipped: st.message, fault: true };
  }
  if (st.isSymbolicLink()) {
    const link = await readlink(abs).catch(() => undefined);
    if (link === undefined) return { skipped: 'its link cannot be read', fault: true };
    target = path.resolve(path.dirname(abs), link);
    const second = await lstat(target).catch(() => undefined);
    if (!second) return { skipped: `it links to ${link}, which does not exist` };
    if (second.isSymbolicLink()) return { skipped: `it links to another link (${link}); links are followed once` };
  }
  // Folders on the way may be links too: the real path must still be inside the real root.
  const real = await realpath(target).catch(() => undefined);
  if (!real || !isInside(realRoot, real)) return { skipped: 'it links outside the repository' };
  try {
    const bytes = await readRepositoryFile(realRoot, real, { maxBytes: MAX_FILE_BYTES });
    return bytes === undefined ? { skipped: 'no such file' } : { text: bytes.toString('utf8') };
  } catch (e) {
    if (!isReleaseOperatorError(e)) throw e;
    // The reader names the absolute path; the lint lists files by their repository path already.
    const reason = e.message
      .replace(`${real} is `, 'it is ')
      .replace(/; it is not read\.$/, '')
      .replace(/\.$/, '');
    return { skipped: reason, fault: e.kind === 'environment' && e.message.startsWith('Cannot read') };
  }
}

/** Names in a folder of the repository (following the folder itself only when it stays inside the root). */
export async function listFolder(root: string, rel: string): Promise<string[]> {
  const abs = path.resolve(root, rel);
  const realRoot = await realpath(root).catch(() => path.resolve(root));
  const real = await realpath(abs).catch(() => undefined);
  if (!real || !isInside(realRoot, real)) return [];
  return readdir(real).catch(() => [] as string[]);
}
