import { short } from '../registry';
import { describeBasis } from '../report';
import type { DeletionOutcome, PlannedDeletion, PrunePlan, PruneResult } from './types';

const via = (p: PrunePlan) => (p.backend === 'github-packages' ? 'the GitHub Packages API' : 'the registry API');

/** The plan for a person: what stays and why, what goes and why (children under their parent), and notes. */
export function formatPlan(plan: PrunePlan, opts: { dryRun?: boolean } = {}): string {
  const c = plan.counts;
  const lines = [
    `Prune plan for ${plan.repository} through ${via(plan)}${opts.dryRun ? ' (dry run: nothing was changed)' : ''}`,
    `planned at ${plan.plannedAt}`,
    'policy:',
    ...plan.policy.map((p) => `  ${p}`),
    ...plan.basis.map((b) => `  ${describeBasis(b)}`),
    `tags: ${c.tags} (keep ${c.keptTags}, delete ${c.deletedTags}); manifests: ${c.manifests} (delete ${c.deletedManifests}; ${c.untaggedOnly} tag(s) removed from manifests that stay)`,
    'keep:',
  ];
  const width = Math.min(32, Math.max(0, ...plan.kept.map((k) => k.tag.length)));
  for (const k of plan.kept) lines.push(`  ${k.tag.padEnd(width)}  ${short(k.digest)}  ${k.reason}`);
  if (!plan.kept.length) lines.push('  (nothing)');
  lines.push('delete:');
  if (!plan.deletions.length) lines.push('  (nothing)');
  for (const line of deletionLines(plan.deletions, (d) => describeDeletion(d))) lines.push(line);
  if (plan.notes.length) lines.push('notes:', ...plan.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}

/** Roots first, each deletion's orphans indented under it. */
function deletionLines(deletions: readonly PlannedDeletion[], text: (d: PlannedDeletion) => string): string[] {
  const children = new Map<string, PlannedDeletion[]>();
  for (const d of deletions) if (d.parent) children.set(d.parent, [...(children.get(d.parent) ?? []), d]);
  const printed = new Set<PlannedDeletion>();
  const out: string[] = [];
  const walk = (d: PlannedDeletion, indent: number) => {
    if (printed.has(d)) return;
    printed.add(d);
    out.push(`${'  '.repeat(indent)}- ${text(d)}`);
    if (d.action === 'delete-manifest') for (const c of children.get(d.digest) ?? []) walk(c, indent + 1);
  };
  for (const d of deletions) if (!d.parent || !deletions.some((p) => p.digest === d.parent)) walk(d, 1);
  for (const d of deletions) walk(d, 1);
  return out;
}

function describeDeletion(d: PlannedDeletion): string {
  if (d.action === 'untag') return `tag ${d.tags[0]} (${short(d.digest)} stays): ${d.reason}`;
  const tags = d.tags.length ? ` with tag${d.tags.length > 1 ? 's' : ''} ${d.tags.join(', ')}` : '';
  const version = d.versionId !== undefined ? ` [version ${d.versionId}]` : '';
  return `manifest ${short(d.digest)}${tags}${version}: ${d.reason}`;
}

/** The result of applying: counts, failures with their reason, the check of the kept tags, how to restore. */
export function formatResult(result: PruneResult): string {
  const { counts, plan } = result;
  const lines = [
    `Pruned ${plan.repository} through ${via(plan)}: ${counts.deleted} deleted, ${counts.alreadyGone} already gone, ${counts.failed} failed, ${counts.skipped} skipped (of ${plan.deletions.length} planned)`,
  ];
  const bad = result.outcomes.filter((o) => o.status === 'failed' || o.status === 'skipped');
  for (const o of bad.slice(0, 50)) lines.push(`  ${o.status}: ${what(o)}: ${o.detail ?? ''}`);
  if (bad.length > 50) lines.push(`  ... and ${bad.length - 50} more (--json lists them all)`);
  const untagged = result.outcomes.filter((o) => o.method === 'empty-manifest' && o.status === 'deleted').length;
  if (untagged)
    lines.push(
      `${untagged} tag(s) on kept manifests removed by pointing each at a unique empty manifest and deleting that`,
    );
  const v = result.verification;
  lines.push(`${v.verdict === 'pass' ? 'verified' : v.verdict}: ${v.summary}`);
  for (const f of v.findings) lines.push(`  ${f.severity}: ${f.message}`);
  if (result.restore?.length) {
    lines.push('GitHub keeps deleted versions 30 days; restore one with:');
    for (const r of result.restore.slice(0, 5)) lines.push(`  ${r}`);
    if (result.restore.length > 5) lines.push(`  ... (${result.restore.length} in all; --json lists them)`);
  }
  for (const n of result.notes.filter((x) => !/restore|30 days/.test(x))) lines.push(`note: ${n}`);
  return lines.join('\n');
}

function what(o: DeletionOutcome): string {
  return o.deletion.action === 'untag' ? `tag ${o.deletion.tags[0]}` : `manifest ${short(o.deletion.digest)}`;
}
