import type { Finding } from './types';

/** compiler-style lines (file:line:col) that editors and CI logs turn into links, then a one-line summary. */
export function formatFindings(findings: Finding[], files: string[]): string {
  const lines = findings.map(
    (f) =>
      `${f.file}:${f.region.line}:${f.region.column}: ${f.severity} ${f.ruleId} ${f.message}${f.fix ? ` (fix: ${f.fix.title})` : ''}`,
  );
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  lines.push(
    findings.length
      ? `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info in ${files.length} file(s)`
      : `No findings in ${files.length} file(s)${files.length ? `: ${files.join(', ')}` : ''}`,
  );
  return lines.join('\n');
}
