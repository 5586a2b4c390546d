import type { CheckResult } from '../report';
import type { SizeReport } from './types';
import { formatGrowth, formatSize } from './units';

const short = (d: string) => d.slice(0, 19);
const cut = (s: string | undefined, n = 90) =>
  !s ? '(instruction unknown)' : s.length > n ? `${s.slice(0, n - 1)}…` : s;

/** Per platform: the size, the largest layers with their instructions, what changed since the previous release. */
export function formatSizeReport(report: SizeReport, checks: readonly CheckResult[], top = 5): string {
  const { image, previous } = report;
  const lines = [
    `${image.reference} ${short(image.digest)}`,
    previous
      ? `compared with ${previous.tag}: ${previous.why}`
      : `no previous release: ${report.noPrevious ?? 'none found'}`,
  ];
  for (const p of image.platforms) {
    const d = report.deltas.find((x) => x.platform === p.platform);
    const growth =
      d?.growth !== undefined
        ? `, ${formatGrowth(d.growth)} since ${previous!.tag} (${formatSize(d.previous!)})`
        : previous
          ? `, new since ${previous.tag}`
          : '';
    lines.push('', `${p.platform}  ${formatSize(p.compressed)} compressed in ${p.layers.length} layer(s)${growth}`);
    lines.push('  largest layers:');
    for (const l of [...p.layers].sort((a, b) => b.size - a.size).slice(0, top))
      lines.push(`    ${formatSize(l.size).padStart(9)}  ${short(l.digest)}  ${cut(l.instruction)}`);
    if (p.historyNote) lines.push(`  (instructions unknown: ${p.historyNote})`);
    if (d && d.previous !== undefined) {
      for (const l of d.added)
        lines.push(`  new:     ${formatSize(l.size).padStart(9)}  ${short(l.digest)}  ${cut(l.instruction)}`);
      for (const l of d.removed)
        lines.push(`  removed: ${formatSize(l.size).padStart(9)}  ${short(l.digest)}  ${cut(l.instruction)}`);
      if (!d.added.length && !d.removed.length) lines.push('  same layers as the previous release');
    }
  }
  lines.push('');
  for (const c of checks) {
    lines.push(`${c.verdict}: ${c.title}${c.subject ? ` ${c.subject}` : ''}: ${c.summary}`);
    for (const f of c.findings.filter((x) => x.severity === 'error')) lines.push(`  problem: ${f.message}`);
    for (const n of c.verdict === 'pass' ? [] : (c.next ?? []))
      lines.push(`  next: ${n.text}${n.command ? `: ${n.command}` : ''}`);
  }
  return lines.join('\n');
}
