import { neutralize } from '../neutralize';
import type { ArchiveResult, GlibcReport, PlatformResult } from './types';

/**
 * The JSON document of `glibc --json`: per platform, platform/provided/required/ok and binaries with
 * path/required/missing.
 */
export function toJson(report: GlibcReport): unknown {
  return {
    target: report.target,
    ok: report.ok,
    verdict: glibcVerdict(report),
    unreadable: report.unreadable,
    examined: examinedCount(report),
    ...(report.archive ? { archive: report.archive } : {}),
    platforms: report.platforms.map((p) => ({
      platform: p.platform,
      source: p.source,
      provided: p.provided ?? null,
      libc: p.libc ?? null,
      target: p.target ?? null,
      required: p.required ?? null,
      ok: p.ok,
      findings: p.findings,
      binaries: p.binaries.map((b) => ({
        path: b.path,
        required: b.required ?? null,
        missing: b.missing,
        ok: b.ok,
        kind: b.kind,
        libc: b.libc,
        arch: b.arch ?? null,
        interpreter: b.interpreter ?? null,
        needs: b.needs,
        findings: b.findings,
      })),
    })),
  };
}

function header(p: PlatformResult): string {
  const parts = [
    p.provided
      ? `runtime glibc ${p.provided}`
      : p.libc === 'musl'
        ? 'runtime musl'
        : p.target
          ? `target ${p.target.source}`
          : 'no runtime',
  ];
  if (p.provided && p.target) parts.push(`target ${p.target.source}`);
  parts.push(p.required ? `needs up to glibc ${p.required}` : 'needs no versioned glibc');
  // A platform with no binary examined passed nothing: it says so instead of OK.
  const mark = !p.ok ? 'DRIFT' : p.binaries.length ? 'OK' : 'NOTHING CHECKED';
  return `${neutralize(p.platform)}  ${neutralize(p.source)}: ${parts.join(', ')}  ${mark}`;
}

/**
 * pass, problem (drift or another error), environment (something could not be read) or nothing-checked (no ELF
 * program or library examined): only the first is a pass.
 */
export function glibcVerdict(report: GlibcReport): 'pass' | 'problem' | 'environment' | 'nothing-checked' {
  if (report.unreadable.length) return 'environment';
  if (!report.ok) return 'problem';
  return examinedCount(report) ? 'pass' : 'nothing-checked';
}

/**
 * A readable report: one block per platform, one line per binary, its problems indented under it. Paths and names
 * come from the image: each is one line, control characters escaped.
 */
export function formatGlibcReport(report: GlibcReport): string {
  const lines: string[] = report.archive ? archiveLines(report.archive) : [];
  for (const p of report.platforms) {
    lines.push(header(p));
    for (const f of p.findings) lines.push(`  ${f.severity}: ${neutralize(f.message)}`);
    for (const b of p.binaries) {
      const what =
        b.kind === 'static'
          ? 'static'
          : b.kind === 'unreadable'
            ? 'unreadable'
            : b.required
              ? `glibc ${b.required}`
              : b.libc;
      lines.push(`  ${b.ok ? 'ok  ' : 'FAIL'} ${neutralize(b.path)}  (${what})`);
      for (const f of b.findings)
        if (f.severity !== 'note' || b.kind === 'static')
          lines.push(`         ${f.severity}: ${neutralize(f.message)}`);
    }
    if (!p.binaries.length) lines.push('  (no ELF files checked)');
  }
  if (report.unreadable.length) {
    lines.push(
      `could not read ${report.unreadable.length} file${report.unreadable.length === 1 ? '' : 's'} or folder${report.unreadable.length === 1 ? '' : 's'}:`,
    );
    for (const u of report.unreadable.slice(0, 20)) lines.push(`  ${neutralize(u.path)}  (${neutralize(u.reason)})`);
    if (report.unreadable.length > 20) lines.push(`  ... and ${report.unreadable.length - 20} more (--json lists all)`);
    lines.push(
      'glibc: not checked: what could not be read may need a newer glibc; run as a user who can read every file (environment fault).',
    );
    return lines.join('\n');
  }
  const compared = report.platforms.some((p) => p.provided || p.target || p.libc === 'musl');
  lines.push(
    !examinedCount(report) && report.ok
      ? `glibc: nothing checked: no ELF program or shared library in ${neutralize(report.target)}.`
      : !report.ok
        ? `glibc: ${driftSummary(report)}`
        : compared
          ? 'glibc: no drift.'
          : 'glibc: requirements listed; no runtime or target to compare them with.',
  );
  return lines.join('\n');
}

/** One line for a notification: the first failing binary and what it lacks. */
export function driftSummary(report: GlibcReport): string {
  for (const p of report.platforms) {
    for (const b of p.binaries) {
      if (b.ok) continue;
      const hard = b.missing.filter((m) => !m.weak);
      if (hard.length) {
        const needs = [...new Set(hard.map((m) => `${m.version} (${m.library})`))].join(', ');
        const has = p.provided
          ? `; the runtime has glibc ${p.provided}`
          : p.target
            ? `; target is ${p.target.source}`
            : '';
        return neutralize(`${p.platform}: ${b.path} needs ${needs}${has}.`);
      }
      const err = b.findings.find((f) => f.severity === 'error');
      if (err) return neutralize(`${p.platform}: ${err.message}.`);
    }
    const err = p.findings.find((f) => f.severity === 'error');
    if (err) return neutralize(`${p.platform}: ${err.message}.`);
  }
  if (report.unreadable.length)
    return neutralize(
      `${report.unreadable.length} file(s) could not be read, e.g. ${report.unreadable[0].path} (${report.unreadable[0].reason}).`,
    );
  return 'no drift.';
}

/** ELF programs and shared objects the check examined: 0 is "nothing checked", never a pass. */
export function examinedCount(report: GlibcReport): number {
  return report.platforms.reduce((n, p) => n + p.binaries.length, 0);
}

/** What an archive held, before its platforms: kind, entries, ELF files, and what was not read. */
function archiveLines(a: ArchiveResult): string[] {
  const lines = [
    `archive ${neutralize(a.name)} (${a.kind}): ${a.entries} entr${a.entries === 1 ? 'y' : 'ies'}, ${a.elfFiles} ELF program${a.elfFiles === 1 ? '' : 's'} or librar${a.elfFiles === 1 ? 'y' : 'ies'}`,
  ];
  if (a.wheel)
    lines.push(`  wheel tag ${a.wheel.tag}${a.wheel.os === 'linux-glibc' ? ` promises glibc ${a.wheel.glibc}` : ''}`);
  for (const u of a.unread) lines.push(`  not read: ${neutralize(`${a.name}!${u.path}`)} (${neutralize(u.reason)})`);
  if (a.nested.length)
    lines.push(
      `  archives inside are not opened: ${a.nested.slice(0, 5).join(', ')}${a.nested.length > 5 ? ', ...' : ''}`,
    );
  return lines;
}
