import { compareDotted, glibcVersionOf, maxVersion, type ElfFormatError, type ElfInfo } from '../elf';
import { isGlibcComponent, libcOfInterpreter } from './components';
import type { GlibcTarget } from './policy';
import type { BinaryResult, Finding, LibraryNeedResult, MissingVersion, PlatformResult } from './types';

/** What one ELF object needs, per library, as reported to people. */
function needsOf(elf: ElfInfo): LibraryNeedResult[] {
  // A file may list a library or a version more than once: each is said once.
  const byLibrary = new Map<string, LibraryNeedResult>();
  for (const n of elf.versionNeeds) {
    const r = byLibrary.get(n.file) ?? { library: n.file, versions: [], weak: [] };
    byLibrary.set(n.file, r);
    for (const v of n.versions) {
      if (!r.versions.includes(v.name)) r.versions.push(v.name);
      if (v.weak && !r.weak.includes(v.name)) r.weak.push(v.name);
    }
  }
  return [...byLibrary.values()];
}

/** Highest GLIBC_x.y among an object's needs. */
function highestGlibc(elf: ElfInfo): string | undefined {
  return maxVersion(elf.versionNeeds.flatMap((n) => n.versions.map((v) => glibcVersionOf(v.name))));
}

/** A binary that could not be read: one error naming the file and the problem. */
export function unreadable(p: string, error: ElfFormatError): BinaryResult {
  return {
    path: p,
    kind: 'unreadable',
    libc: 'unknown',
    needs: [],
    missing: [],
    findings: [{ severity: 'error', code: 'unreadable', message: error.message }],
    ok: false,
  };
}

/** The part of a verdict that needs no runtime: identity, static note, GLIBC_PRIVATE, target comparison. */
export function baseVerdict(
  p: string,
  elf: ElfInfo,
  expectedArch: string | undefined,
  target: GlibcTarget | undefined,
  objects: Array<{ path: string; elf: ElfInfo }> = [],
): BinaryResult {
  const findings: Finding[] = [];
  const isStatic = !elf.interpreter && !elf.needed.length;
  const r: BinaryResult = {
    path: p,
    kind: isStatic ? 'static' : 'dynamic',
    libc: isStatic
      ? 'none'
      : elf.interpreter
        ? libcOfInterpreter(elf.interpreter)
        : elf.needed.some((n) => /^libc\.musl/.test(n))
          ? 'musl'
          : elf.needed.includes('libc.so.6')
            ? 'glibc'
            : 'unknown',
    arch: elf.arch,
    interpreter: elf.interpreter,
    needs: needsOf(elf),
    missing: [],
    findings,
    ok: true,
  };
  if (expectedArch && elf.arch !== expectedArch) {
    findings.push({
      severity: 'error',
      code: 'wrong-architecture',
      message: `${p} is ${elf.class}-bit ${elf.machineName} (${elf.arch ?? 'unknown'}), not ${expectedArch}`,
    });
  }
  if (isStatic)
    findings.push({
      severity: 'note',
      code: 'static',
      message: `${p} is statically linked: it needs no glibc from the runtime`,
    });
  if (!isGlibcComponent(p, elf) && elf.versionNeeds.some((n) => n.versions.some((v) => v.name === 'GLIBC_PRIVATE'))) {
    findings.push({
      severity: 'error',
      code: 'glibc-private',
      message: `${p} needs GLIBC_PRIVATE: it uses glibc internals and only runs with the exact glibc build it was linked against`,
    });
  }
  // The glibc a binary needs includes what its own (non-glibc) libraries need.
  const all = [{ path: p, elf }, ...objects.filter((o) => !isGlibcComponent(o.path, o.elf))];
  r.required = maxVersion(all.map((o) => highestGlibc(o.elf)));
  if (target) {
    for (const o of all) {
      for (const n of o.elf.versionNeeds) {
        for (const v of n.versions) {
          const g = glibcVersionOf(v.name);
          const again = r.missing.some((m) => m.library === n.file && m.version === v.name && m.neededBy === o.path);
          if (g && compareDotted(g, target.glibc) > 0 && !again) {
            r.missing.push({ library: n.file, version: v.name, neededBy: o.path, weak: v.weak });
            findings.push({
              severity: v.weak ? 'warning' : 'error',
              code: 'exceeds-target',
              message: `${o.path} needs ${v.name} from ${n.file}${v.weak ? ' (weak)' : ''}, newer than ${target.source}`,
            });
          }
        }
      }
    }
    const other = new Set(
      all
        .flatMap((o) => o.elf.versionNeeds.flatMap((n) => n.versions.map((v) => v.name)))
        .filter((n) => !glibcVersionOf(n) && n !== 'GLIBC_PRIVATE'),
    );
    if (other.size && !objects.length)
      findings.push({
        severity: 'note',
        code: 'unchecked-versions',
        message: `${p} also needs ${[...other].sort().join(', ')}; without a runtime these are not checked`,
      });
  }
  return r;
}

/** Adds missing versions found against a runtime; weak ones are warnings, as the loader only warns. */
export function addMissing(r: BinaryResult, m: MissingVersion): void {
  if (r.missing.some((x) => x.library === m.library && x.version === m.version && x.neededBy === m.neededBy)) return;
  r.missing.push(m);
  const by = m.neededBy === r.path ? r.path : `${m.neededBy} (loaded by ${r.path})`;
  r.findings.push({
    severity: m.weak ? 'warning' : 'error',
    code: m.weak ? 'weak-version' : 'missing-version',
    message: `${by} needs ${m.version} from ${m.library}, which the runtime's ${m.library} does not define${m.weak ? ' (weak: the loader only warns)' : ''}`,
  });
}

export function finish(r: BinaryResult): BinaryResult {
  r.ok = !r.findings.some((f) => f.severity === 'error');
  return r;
}

export function finishPlatform(p: PlatformResult): PlatformResult {
  p.required = maxVersion(p.binaries.map((b) => b.required));
  p.ok = p.binaries.every((b) => b.ok) && !p.findings.some((f) => f.severity === 'error');
  return p;
}
