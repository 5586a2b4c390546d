import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isReleaseOperatorError } from '../errors';
import { isInside, readRegularFile as readRepositoryFile } from '../files';

/**
 * The lint's view of the repository's files, over the one safe reader (core/files.ts: regular files only, links
 * only inside the root, bounded, non-blocking open). What cannot be read is not an error for the lint run as a
 * whole: it is listed with the reason, and `fault` marks a file that exists but could not be read (permissions,
 * I/O), which makes the lint verdict an environment fault rather than a pass.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

export type ReadResult = { text: string } | { skipped: string; fault?: boolean };

export async function readRegularFile(root: string, rel: string): Promise<ReadResult> {
  const abs = path.resolve(root, rel);
  if (!isInside(path.resolve(root), abs)) return { skipped: 'it is outside the repository' };
  try {
    const bytes = await readRepositoryFile(root, rel, { maxBytes: MAX_FILE_BYTES });
    return bytes === undefined ? { skipped: 'no such file' } : { text: bytes.toString('utf8') };
  } catch (e) {
    if (!isReleaseOperatorError(e)) throw e;
    return { skipped: e.message, fault: e.kind === 'environment' && !/limits\./.test(e.message) };
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
