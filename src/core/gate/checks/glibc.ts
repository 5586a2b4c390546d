import type { PlatformResult } from '../../glibc';
import { checkResult, type CheckFinding, type CheckResult } from '../../report';

/** One platform of a glibc check as a gate check: every ELF file read counts; drift and unreadable files block. */
export function glibcCheck(platform: string, result: PlatformResult | undefined, source: string): CheckResult {
  const meta = { id: 'glibc', title: 'glibc', subject: platform };
  if (!result)
    return checkResult({
      ...meta,
      examined: { count: 0, what: 'ELF files', lookedFor: `the ${platform} image of ${source}` },
      findings: [],
    });
  const findings: CheckFinding[] = [];
  for (const f of result.findings)
    if (f.severity !== 'note')
      findings.push({ severity: f.severity, message: f.message, subject: platform, rule: f.code });
  for (const b of result.binaries) {
    const hard = b.missing.filter((m) => !m.weak);
    if (hard.length)
      findings.push({
        severity: 'error',
        subject: b.path,
        rule: 'missing-version',
        message: `${b.path} needs ${[...new Set(hard.map((m) => `${m.version} (${m.library})`))].join(', ')}${result.provided ? `; the runtime has glibc ${result.provided}` : ''}`,
        evidence: { missing: hard },
      });
    for (const f of b.findings)
      if (f.severity === 'error' && f.code !== 'missing-version')
        findings.push({ severity: 'error', subject: b.path, rule: f.code, message: `${b.path}: ${f.message}` });
  }
  return checkResult({
    ...meta,
    examined: { count: result.binaries.length, what: 'ELF files', lookedFor: 'the entrypoint and glibc.paths' },
    findings,
    evidence: {
      image: result.source,
      runtime: result.provided
        ? `glibc ${result.provided}`
        : result.libc === 'musl'
          ? 'musl'
          : result.target
            ? `target ${result.target.source}`
            : 'none',
      needsUpTo: result.required ? `glibc ${result.required}` : 'no versioned glibc',
      files: result.binaries.map((b) => b.path),
    },
    next: findings.length
      ? [
          {
            text: 'Build the binary against the runtime glibc (same base image release for builder and runtime), then check again',
            command: `release-operator glibc ${source} --platform ${platform}`,
          },
        ]
      : undefined,
  });
}
