import type { ElfFormatError, ElfInfo } from '../elf';
import type { GlibcTarget } from './policy';
import { archOfPlatform, platformOfArch } from './platforms';
import type { Finding, PlatformResult } from './types';
import { baseVerdict, finish, finishPlatform, unreadable } from './verdict';

/** An ELF file met on its own (no runtime around it): parsed, or why not. */
export interface LooseElf {
  path: string;
  elf?: ElfInfo;
  error?: ElfFormatError;
}

/**
 * Files without a runtime, each compared with the target and grouped by the platform its machine says (or matched
 * to the platforms asked for: a stranger is a wrong-architecture error). Object files, kernel modules and core dumps
 * are never loaded, so never checked. Without a target only the requirements are listed.
 */
export function groupLooseFiles(
  files: readonly LooseElf[],
  source: string,
  options: { target?: GlibcTarget; platforms?: readonly string[]; noTargetHint?: string; emptyNote?: string },
): PlatformResult[] {
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
            options.noTargetHint ??
            'No runtime to compare with: pass --max-glibc X.Y or --policy NAME (or set glibc.maxGlibc / glibc.policy)',
        });
      g = { platform, source, target: options.target, ok: true, binaries: [], findings };
      groups.set(platform, g);
    }
    return g;
  };
  for (const f of files) {
    if (f.elf && f.elf.type !== 'exec' && f.elf.type !== 'dyn') continue;
    if (!f.elf) {
      group(wanted?.[0] ?? 'linux/unknown').binaries.push(unreadable(f.path, f.error!));
      continue;
    }
    const match = wanted ? wanted.find((w) => archOfPlatform(w) === f.elf!.arch) : platformOfArch(f.elf.arch);
    const platform = match ?? wanted![0];
    group(platform).binaries.push(
      finish(baseVerdict(f.path, f.elf, wanted ? archOfPlatform(platform) : undefined, options.target)),
    );
  }
  // No ELF file at all: said on the platform's row (a note, so the verdict is nothing checked, never a pass).
  if (!files.length && options.emptyNote)
    group(wanted?.[0] ?? 'linux/unknown').findings.push({
      severity: 'note',
      code: 'no-entrypoint',
      message: options.emptyNote,
    });
  return [...groups.values()].map(finishPlatform);
}
