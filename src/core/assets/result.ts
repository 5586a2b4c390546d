import { compareDotted, maxVersion } from '../elf';
import type { Release } from '../github';
import { buildAdvice, type BinaryResult } from '../glibc';
import { checkResult, type CheckFinding, type CheckResult, type NextAction } from '../report';
import type { AssetResult } from './types';

/**
 * One checked asset as a row of the readiness report: every Linux binary in it, per architecture, against the
 * policy the asset is held to; the floor it needs and the policy are in the summary and the evidence.
 */
export function assetCheck(a: AssetResult, release: Release): CheckResult {
  const platforms = a.platforms ?? [];
  const binaries = platforms.flatMap((p) => p.binaries.map((b) => ({ platform: p.platform, b })));
  const findings: CheckFinding[] = [];
  if (a.reason) findings.push({ severity: 'error', subject: a.name, rule: 'unreadable', message: a.reason });
  for (const { platform, b } of binaries) findings.push(...binaryFindings(b, platform));
  const target = a.policy?.target;
  if (!target && binaries.length && !platforms.some((p) => p.target))
    findings.push({
      severity: 'error',
      subject: a.name,
      rule: 'no-policy',
      message: `No glibc policy applies to ${a.name}: nothing says which distributions it must run on`,
      next: {
        text: 'Name the policy for this asset in release-operator.json ("glibc": {"assets": {"PATTERN": "el8"}}), or pass --policy',
      },
    });
  if (a.arch) {
    const strangers = [...new Set(binaries.filter(({ b }) => b.arch && b.arch !== a.arch).map(({ b }) => b.arch!))];
    if (strangers.length)
      findings.push({
        severity: 'error',
        subject: a.name,
        rule: 'wrong-architecture',
        message: `${a.name} is named for ${a.arch} but holds ${strangers.join(', ')} binaries`,
      });
  }
  const floor = maxVersion(binaries.map(({ b }) => b.required));
  const perPlatform = Object.fromEntries(
    platforms.map((p) => [
      p.platform,
      { binaries: p.binaries.length, floor: p.required ? `glibc ${p.required}` : 'none' },
    ]),
  );
  const policyText = target?.source ?? platforms.find((p) => p.target)?.target?.source ?? 'no policy';
  const names = platforms.map((p) => p.platform).join(', ');
  const count = binaries.filter(({ b }) => b.kind !== 'unreadable').length;
  const summary = `${count} Linux binar${count === 1 ? 'y' : 'ies'}${names ? ` (${names})` : ''}; needs ${floor ? `glibc ${floor}` : 'no versioned glibc'}; ${policyText}`;
  const problem = findings.some((f) => f.severity === 'error');
  const next: NextAction[] | undefined = problem
    ? [
        {
          text: `${target ? buildAdvice(target.glibc) : 'Build in a toolchain image whose glibc meets the policy'}; check the artifact before upload, then replace the asset`,
          command: `release-operator glibc ${a.name}${target ? policyFlag(target.source) : ''}`,
        },
      ]
    : undefined;
  return checkResult({
    id: 'release-asset',
    title: 'Release asset',
    subject: a.name,
    summary: problem
      ? `${summary}; ${plural(findings.filter((f) => f.severity === 'error').length, 'problem')}`
      : summary,
    examined: { count, what: 'Linux binaries', one: 'Linux binary' },
    findings,
    evidence: {
      release: release.tag,
      draft: release.draft,
      asset: a.name,
      size: a.size,
      kind: a.archive?.kind ?? (binaries.length ? 'elf' : undefined),
      entries: a.archive?.entries,
      policy: policyText,
      floor: floor ? `glibc ${floor}` : 'none',
      platforms: perPlatform,
      binaries: binaries.map(({ platform, b }) => ({ path: b.path, platform, needs: b.required ?? null, ok: b.ok })),
    },
    basis: a.policy?.basis ? [a.policy.basis] : undefined,
    next,
  });
}

/** The CLI flag that holds a file to the same target: "policy el8 (glibc 2.28)" -> --policy el8, else --max-glibc. */
function policyFlag(source: string): string {
  const name = /^policy (\S+)/.exec(source)?.[1];
  if (name) return ` --policy ${name}`;
  const version = /(\d+\.\d+(\.\d+)?)/.exec(source)?.[1];
  return version ? ` --max-glibc ${version}` : '';
}

/** A binary's problems: the versions it lacks as one finding, every other error of its own. */
function binaryFindings(b: BinaryResult, platform: string): CheckFinding[] {
  const out: CheckFinding[] = [];
  const hard = b.missing.filter((m) => !m.weak);
  if (hard.length)
    out.push({
      severity: 'error',
      subject: b.path,
      rule: 'exceeds-target',
      message: `${b.path} (${platform}) needs ${versionsByLibrary(hard)}: newer than the policy`,
      evidence: { needs: b.required, missing: hard },
    });
  for (const f of b.findings) {
    if (f.code === 'exceeds-target') {
      if (f.severity === 'warning')
        out.push({ severity: 'warning', subject: b.path, rule: f.code, message: f.message });
      continue;
    }
    if (f.severity === 'error' || f.severity === 'warning')
      out.push({ severity: f.severity, subject: b.path, rule: f.code, message: f.message });
  }
  return out;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** "GLIBC_2.33, GLIBC_2.38 from libc.so.6; GLIBCXX_3.4.30 from libstdc++.so.6", versions in order. */
function versionsByLibrary(missing: ReadonlyArray<{ library: string; version: string }>): string {
  const by = new Map<string, Set<string>>();
  for (const m of missing) by.set(m.library, (by.get(m.library) ?? new Set()).add(m.version));
  return [...by]
    .map(
      ([lib, vs]) =>
        `${[...vs].sort((a, b) => compareDotted(a.replace(/^\D+/, ''), b.replace(/^\D+/, ''))).join(', ')} from ${lib}`,
    )
    .join('; ');
}
