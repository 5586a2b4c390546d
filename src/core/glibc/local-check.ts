import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../errors';
import { errno, kindOf } from '../files';
import { DEFAULT_LIMITS, limitError } from '../limits';
import { slicer, syncReader } from '../slices';
import { ElfFormatError, isElf, readElfFile, type ElfInfo } from '../elf';
import { MAX_ELF_BYTES } from '../image';
import type { GlibcTarget } from './policy';
import { groupLooseFiles } from './group';
import type { PlatformResult, UnreadablePath } from './types';

export interface LocalElfFiles {
  files: Array<{ path: string; elf?: ElfInfo; error?: ElfFormatError }>;
  /** Files and folders that exist and could not be read: the check cannot pass over them. */
  unreadable: UnreadablePath[];
}

/**
 * ELF files at a local path: the file itself, or every ELF file under a folder (symbolic links inside it are not
 * followed, so nothing is read twice or from outside), in name order. Only regular files are opened, never blocking
 * (a FIFO would wait for ever). What cannot be read (permissions, I/O) is listed, never skipped in silence, and more
 * files than limits.files is an environment fault. Synchronous file calls in slices (see slices.ts): a folder of
 * thousands of files costs a few calls each.
 */
async function collectLocalElfFiles(
  root: string,
  signal?: AbortSignal,
  maxFiles = DEFAULT_LIMITS.files,
): Promise<LocalElfFiles> {
  const st = await lstat(root).catch((e: unknown) => e as NodeJS.ErrnoException);
  if (st instanceof Error && (errno(st) === 'ENOENT' || errno(st) === 'ENOTDIR'))
    throw usageError(
      `${root} does not exist.`,
      'Give a file, a folder, or an image reference (docker-daemon:NAME or a registry reference).',
    );
  const files: LocalElfFiles['files'] = [];
  const unreadableList: UnreadablePath[] = [];
  const cannot = (p: string, e: unknown) =>
    void unreadableList.push({ path: p, reason: errno(e) ?? (e instanceof Error ? e.message : String(e)) });
  if (st instanceof Error) {
    cannot(root, st);
    return { files, unreadable: unreadableList };
  }
  const slice = slicer(signal);
  let seen = 0;
  const visit = async (p: string, explicit: boolean) => {
    await slice();
    if (++seen > maxFiles) throw limitError('files', maxFiles, `${root} holds more files`);
    let s: Stats;
    try {
      s = lstatSync(p);
    } catch (e) {
      return cannot(p, e);
    }
    // A link given by name is followed, once: to a folder, its files; to a regular file, that file. Links met
    // inside the folder are not followed (their targets are visited where they are, or are outside).
    let real = p;
    if (explicit && s.isSymbolicLink()) {
      try {
        real = realpathSync(p);
        s = lstatSync(real);
      } catch (e) {
        return cannot(p, e);
      }
    }
    if (s.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(real).sort();
      } catch (e) {
        return cannot(p, e);
      }
      for (const name of names) await visit(path.join(p, name), false);
      return;
    }
    if (!s.isFile()) {
      // A FIFO, socket or device inside a folder is no program; one named on the command line is a mistake.
      if (explicit) throw usageError(`${p} is ${kindOf(s)}, not a regular file or a folder; it is not read.`);
      return;
    }
    let fd: number;
    try {
      // O_NONBLOCK: should the file turn into a FIFO after the lstat, opening it still cannot block.
      fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (e) {
      return cannot(p, e);
    }
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile()) return;
      const head = Buffer.alloc(4);
      const bytesRead = readSync(fd, head, 0, 4, 0);
      if (bytesRead < 4 || !isElf(head)) {
        if (explicit)
          files.push({
            path: p,
            error: new ElfFormatError(
              p,
              bytesRead < 4
                ? `too short for an ELF header (${bytesRead} bytes)`
                : 'not an ELF file (no \\x7fELF magic)',
            ),
          });
        return;
      }
      const size = opened.size;
      if (size > MAX_ELF_BYTES) {
        files.push({ path: p, error: new ElfFormatError(p, `is larger than ${MAX_ELF_BYTES} bytes; not read`) });
        return;
      }
      // Only the parts the loader reads (header, program headers, dynamic and version tables), not the whole file.
      files.push({ path: p, elf: await readElfFile(syncReader(fd, readSync), size, p) });
    } catch (e) {
      if (e instanceof ElfFormatError) files.push({ path: p, error: e });
      else if (errno(e)) cannot(p, e);
      else throw e;
    } finally {
      closeSync(fd);
    }
  };
  await visit(root, true);
  return { files, unreadable: unreadableList };
}

/**
 * Files on their own have no runtime: each is compared with the target (--max-glibc / --policy), grouped by
 * the platform its machine says. Without a target only the requirements are reported.
 */
export async function checkLocalPath(
  root: string,
  options: { target?: GlibcTarget; platforms?: readonly string[]; signal?: AbortSignal; maxFiles?: number },
): Promise<{ platforms: PlatformResult[]; unreadable: UnreadablePath[] }> {
  const { files, unreadable: cannotRead } = await collectLocalElfFiles(root, options.signal, options.maxFiles);
  const platforms = groupLooseFiles(files, root, {
    target: options.target,
    platforms: options.platforms,
    emptyNote: cannotRead.length ? undefined : `No ELF files under ${root}`,
  });
  return { platforms, unreadable: cannotRead };
}
