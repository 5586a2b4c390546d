import path from 'node:path';
import { walkArchive, type ArchiveLimits, type ArchiveSummary } from '../archive';
import { compareDotted, readElfStream, spillArea } from '../elf';
import { MAX_ELF_BYTES } from '../image';
import { groupLooseFiles, type LooseElf } from './group';
import type { GlibcTarget } from './policy';
import type { ArchiveResult, PlatformResult } from './types';
import { finishPlatform } from './verdict';
import { wheelClaim, type WheelClaim } from './wheel';

export interface ArchiveCheckOptions {
  target?: GlibcTarget;
  platforms?: readonly string[];
  /** The archive's name in reports (default: its base name): members are named `NAME!path/in/archive`. */
  name?: string;
  limits?: ArchiveLimits;
  signal?: AbortSignal;
  /** Bytes one ELF member may keep in memory before it is written to a temporary file (tests lower it). */
  memoryBytes?: number;
}

const NESTED = /\.(tar|tgz|tar\.(gz|xz|zst)|zip|whl|jar|gz|xz|zst)$/i;

/**
 * The ELF files of an archive, each compared with the target and grouped by platform, without extracting anything:
 * members stream through the ELF reader one at a time. A Python wheel's platform tag (manylinux_2_17_x86_64) is
 * its promise: with no target given it is the target, and with one given a binary that needs more than the tag
 * promises is an error of its own (pip would install it where it cannot load).
 */
export async function checkArchive(
  file: string,
  opts: ArchiveCheckOptions = {},
): Promise<{ platforms: PlatformResult[]; archive: ArchiveResult }> {
  const name = opts.name ?? path.basename(file);
  const claim = wheelClaim(name);
  const files: LooseElf[] = [];
  const nested: string[] = [];
  const spill = spillArea();
  let summary: ArchiveSummary;
  try {
    summary = await walkArchive(file, {
      name,
      limits: opts.limits,
      signal: opts.signal,
      visit: async (m, body) => {
        if (m.type !== 'file' || !body) return;
        const what = `${name}!${m.path}`;
        const r = await readElfStream(body, {
          file: what,
          size: m.size,
          maxBytes: MAX_ELF_BYTES,
          memoryBytes: opts.memoryBytes,
          spill,
        });
        if (r.kind === 'elf') files.push({ path: what, elf: r.elf });
        else if (r.kind === 'elf-error') files.push({ path: what, error: r.error });
        else if (NESTED.test(m.path)) nested.push(m.path);
      },
    });
  } finally {
    await spill.remove();
  }

  const byTag = claim?.os === 'linux-glibc' ? claim : undefined;
  const target: GlibcTarget | undefined =
    opts.target ??
    (byTag ? { glibc: byTag.glibc, source: `wheel tag ${byTag.tag} (glibc ${byTag.glibc})` } : undefined);
  const platforms = groupLooseFiles(files, name, {
    target,
    platforms: opts.platforms?.length ? opts.platforms : byTag?.arch ? [`linux/${byTag.arch}`] : undefined,
  });
  if (byTag && opts.target) for (const p of platforms) promiseKept(p, byTag);
  const elfFiles = platforms.reduce((n, p) => n + p.binaries.length, 0);
  return { platforms, archive: { ...summary, elfFiles, nested, wheel: claim } };
}

/** A binary of a wheel that needs a newer glibc than the wheel's tag promises. */
function promiseKept(p: PlatformResult, claim: Extract<WheelClaim, { os: 'linux-glibc' }>): void {
  for (const b of p.binaries) {
    if (!b.required || compareDotted(b.required, claim.glibc) <= 0) continue;
    b.ok = false;
    b.findings.push({
      severity: 'error',
      code: 'exceeds-tag',
      message: `${b.path} needs glibc ${b.required}, but the wheel's tag ${claim.tag} promises ${claim.glibc}: pip installs it where it cannot load`,
    });
  }
  finishPlatform(p);
}
