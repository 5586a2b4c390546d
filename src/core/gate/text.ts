import { checkName, evidenceBlock, oneLine, renderReport, type ReadinessReport } from '../report';

/**
 * A gate report for a terminal: the shared report text (a line per check, findings and next actions under it,
 * what the checks relied on), then the run's facts (flow, record) and the log tail of each check that failed.
 */
export function renderGateText(r: ReadinessReport, options: { heading?: string } = {}): string {
  const heading = [options.heading ?? (r.stage ? `gate ${r.stage}` : 'gate'), r.image, r.version]
    .filter(Boolean)
    .join(' ');
  const notes = Object.entries(r.context ?? {}).map(([k, v]) => `${k}: ${oneLine(v)}`);
  const lines = [renderReport(r, heading, { notes })];
  for (const c of r.checks.filter((x) => x.verdict !== 'pass')) {
    const block = evidenceBlock(c);
    if (block.length)
      lines.push(`  ${checkName(c)}, last ${block.length} log line(s):`, ...block.map((l) => `    ${oneLine(l)}`));
  }
  return lines.join('\n');
}
