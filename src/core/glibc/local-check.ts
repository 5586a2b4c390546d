import { closeSync, fstatSync, lstatSync, openSync, readSync, readdirSync, statSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../errors';
import { slicer, syncReader } from '../slices';
import { ElfFormatError, isElf, readElfFile, type ElfInfo } from '../elf';
import { MAX_ELF_BYTES } from '../image/layer';
import type { GlibcTarget } from './policy';
import { archOfPlatform, platformOfArch } from './platforms';
import type { Finding, PlatformResult } from './types';
import { baseVerdict, finish, finishPlatform, unreadable } from './verdict';

const MAX_FILES = 200_000;

/**
 * ELF files at a local path: the file itself, or every ELF file under a folder (symlinks not followed), in name
 * order. Synchronous file calls in slices (see slices.ts): a folder of thousands of files costs a few calls each.
 */
export async function collectLocalElfFiles(
  root: string,
  signal?: AbortSignal,
): Promise<Array<{ path: string; elf?: ElfInfo; error?: ElfFormatError }>> {
  const st = await lstat(root).catch(() => undefined);
  if (!st)
    throw usageError(
      `${root} does not exist.`,
      'Give a file, a folder, or an image reference (docker-daemon:NAME or a registry reference).',
    );
  const out: Array<{ path: string; elf?: ElfInfo; error?: ElfFormatError }> = [];
  const slice = slicer(signal);
  const visit = async (p: string, explicit: boolean) => {
    await slice();
    if (out.length >= MAX_FILES) return;
    let s: Stats;
    try {
      s = lstatSync(p);
    } catch {
      return;
    }
    // A link given by name is followed (once): to a folder, its files; to a regular file, that file; else nothing
    // (opening a FIFO would wait forever).
    const target = explicit && s.isSymbolicLink() ? statSync(p, { throwIfNoEntry: false }) : undefined;
    if (target && !target.isFile() && !target.isDirectory()) return;
    if (s.isDirectory() || target?.isDirectory()) {
      let names: string[] = [];
      try {
        names = readdirSync(p).sort();
      } catch {
        names = [];
      }
      for (const name of names) await visit(path.join(p, name), false);
      return;
    }
    if (!s.isFile() && !target?.isFile()) return;
    let fd: number;
    try {
      fd = openSync(p, 'r');
    } catch {
      return;
    }
    try {
      const head = Buffer.alloc(4);
      const bytesRead = readSync(fd, head, 0, 4, 0);
      if (bytesRead < 4 || !isElf(head)) {
        if (explicit)
          out.push({
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
      // fstat: an explicit symlink's lstat size is the link's, not the file's.
      const size = fstatSync(fd).size;
      if (size > MAX_ELF_BYTES) {
        out.push({ path: p, error: new ElfFormatError(p, `is larger than ${MAX_ELF_BYTES} bytes; not read`) });
        return;
      }
      // Only the parts the loader reads (header, program headers, dynamic and version tables), not the whole file.
      out.push({ path: p, elf: await readElfFile(syncReader(fd, readSync), size, p) });
    } catch (e) {
      if (!(e instanceof ElfFormatError)) throw e;
      out.push({ path: p, error: e });
    } finally {
      closeSync(fd);
    }
  };
  await visit(root, true);
  return out;
}

/**
 * Files on their own have no runtime: each is compared with the target (--max-glibc / --policy), grouped by
 * the platform its machine says. Without a target only the requirements are reported.
 */
export async function checkLocalPath(
  root: string,
  options: { target?: GlibcTarget; platforms?: readonly string[]; signal?: AbortSignal },
): Promise<PlatformResult[]> {
  const files = await collectLocalElfFiles(root, options.signal);
  const wanted = options.platforms?.length ? options.platforms : undefined;
  const groups = new Map<string, PlatformResult>();
  const group = (platform: string) => {
    let g = groups.get(platform);
    if (!g) {
      const findings: Finding[] = [];
      if (!options.target)
        findings.push({
          severity: 'note',
          code: 'no-target',
          message:
            'No runtime to compare with: pass --max-glibc X.Y or --policy NAME (or set glibc.maxGlibc / glibc.policy)',
        });
      g = { platform, source: root, target: options.target, ok: true, binaries: [], findings };
      groups.set(platform, g);
    }
    return g;
  };
  for (const f of files) {
    // Object files, kernel modules and core dumps are never loaded: nothing to check.
    if (f.elf && f.elf.type !== 'exec' && f.elf.type !== 'dyn') continue;
    if (!f.elf) {
      group(wanted?.[0] ?? 'linux/unknown').binaries.push(unreadable(f.path, f.error!));
      continue;
    }
    const own = platformOfArch(f.elf.arch);
    const match = wanted ? wanted.find((w) => archOfPlatform(w) === f.elf!.arch) : own;
    const platform = match ?? wanted![0];
    group(platform).binaries.push(
      finish(baseVerdict(f.path, f.elf, wanted ? archOfPlatform(platform) : undefined, options.target)),
    );
  }
  if (!files.length)
    group(wanted?.[0] ?? 'linux/unknown').findings.push({
      severity: 'note',
      code: 'no-entrypoint',
      message: `No ELF files under ${root}`,
    });
  return [...groups.values()].map(finishPlatform);
}
