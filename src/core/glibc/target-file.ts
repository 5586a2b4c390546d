import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { READABLE_ARCHIVES, sniffContainer } from '../archive';
import { usageError } from '../errors';

const EXPECTED = `an ELF file, a folder, an archive (${READABLE_ARCHIVES}) or an image reference`;

/**
 * What a local target is, by its first bytes: a folder or an ELF file is read as files ('path'), an archive is read
 * member by member ('archive'), and anything else is a usage error that says what was expected: it was never a
 * binary, so it cannot drift. Only regular files are opened (never blocking on a FIFO); other nodes go to the
 * folder reader, which says what they are.
 */
export function localTargetKind(file: string, shown: string): 'path' | 'archive' {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return 'path'; // unreadable or special: the folder reader reports it as it does today
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'path';
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, head.length, 0);
    const c = sniffContainer(head.subarray(0, n));
    if (c.type === 'elf') return 'path';
    if (c.type === 'zip' || c.type === 'tar' || c.type === 'compressed' || c.type === 'unsupported') return 'archive';
    throw usageError(
      `${shown} is ${n < 4 ? `too short to be an ELF file (${n} bytes)` : 'neither an ELF file nor an archive'}; nothing in it can need a glibc.`,
      `Give ${EXPECTED}.`,
    );
  } finally {
    closeSync(fd);
  }
}
