import {
  checkName,
  evidenceBlock,
  evidencePairs,
  nextText,
  oneLine,
  VERDICT_WORDS,
  type ReadinessReport,
} from '../report';

/**
 * A gate report for a terminal: a heading with the verdict, one line per check, its findings and next actions
 * under it, then the run's facts. (Thin adapter: the shared text renderer of core/report takes its place.)
 */
export function renderGateText(r: ReadinessReport, options: { verbose?: boolean; heading?: string } = {}): string {
  const width = Math.max(0, ...r.checks.map((c) => checkName(c).length));
  const head = [options.heading ?? (r.stage ? `gate ${r.stage}` : 'gate'), r.image, r.version]
    .filter(Boolean)
    .join(' ');
  const lines = [`${head}: ${r.summary}`];
  for (const c of r.checks) {
    lines.push(`  ${VERDICT_WORDS[c.verdict].padEnd(15)}  ${checkName(c).padEnd(width)}  ${oneLine(c.summary)}`);
    for (const f of c.findings) {
      const where = f.location ? ` (${f.location.file}${f.location.line ? `:${f.location.line}` : ''})` : '';
      lines.push(`      ${f.severity === 'error' ? 'problem' : f.severity}: ${oneLine(f.message)}${where}`);
    }
    if (options.verbose || c.verdict !== 'pass') for (const [k, v] of evidencePairs(c)) lines.push(`      ${k}: ${v}`);
    const block = evidenceBlock(c);
    if (block.length && c.verdict !== 'pass')
      lines.push(`      last ${block.length} log line(s):`, ...block.map((l) => `        ${oneLine(l)}`));
    for (const n of c.next ?? []) lines.push(`      next: ${oneLine(nextText(n))}`);
  }
  for (const [k, v] of Object.entries(r.context ?? {})) lines.push(`  ${k}: ${oneLine(v)}`);
  return lines.join('\n');
}
