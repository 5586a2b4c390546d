import type { LintRun } from './project';
import type { Finding } from './types';

const where = (f: { file: string; region: { line: number; column: number } }) =>
  `${f.file}:${f.region.line}:${f.region.column}`;

function findingLines(f: Finding): string[] {
  const sure = f.confidence === 'proven' ? '' : ` [${f.confidence}]`;
  return [
    `${where(f)}: ${f.severity} ${f.ruleId}${sure} ${f.message}${f.fix ? ` (fix: ${f.fix.title})` : ''}`,
    ...f.evidence.map((e) => `    ${where(e)}: ${e.message}`),
  ];
}

/**
 * Compiler-style lines (file:line:col) that editors and CI logs turn into links, each followed by the evidence
 * it rests on (indented), then a summary that says what was examined. `verbose` also lists the suppressed
 * findings with their reasons, what each rule examined, and files that could not be read.
 */
export function formatRun(run: LintRun, verbose = false): string {
  const lines: string[] = [];
  for (const f of run.findings) lines.push(...findingLines(f));
  const s = run.stats;
  const count = (sev: Finding['severity']) => run.findings.filter((f) => f.severity === sev).length;
  if (verbose && run.suppressed.length) {
    lines.push('', `Suppressed (${run.suppressed.length}):`);
    for (const f of run.suppressed)
      lines.push(
        `  ${where(f)}: ${f.severity} ${f.ruleId} ${f.message}`,
        `    suppressed on line ${f.suppression.line}: ${f.suppression.reason}`,
      );
  }
  if (verbose) {
    lines.push('', 'Examined:');
    for (const [id, r] of Object.entries(s.rules).sort()) lines.push(`  ${id}: ${r.count} ${r.what}`);
    for (const f of run.files) lines.push(`  file: ${f}`);
  }
  for (const k of run.skipped) lines.push(`${k.file}: not read: ${k.reason}`);
  const files = s.dockerfiles + s.workflows;
  if (files === 0) {
    lines.push(`Nothing checked: looked for ${run.lookedFor}, and found none.`);
    return lines.join('\n');
  }
  const examined = `${s.dockerfiles} Dockerfile(s) (${s.stages} stages) and ${s.workflows} workflow(s) (${s.jobs} jobs, ${s.steps} steps)`;
  const suppressed = run.suppressed.length
    ? `, ${run.suppressed.length} suppressed${verbose ? '' : ' (--verbose lists them)'}`
    : '';
  lines.push(
    run.findings.length
      ? `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info${suppressed} in ${examined}`
      : `No findings${suppressed} in ${examined}: ${run.files.join(', ')}`,
  );
  return lines.join('\n');
}
