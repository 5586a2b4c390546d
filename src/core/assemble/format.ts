import type { AssemblePlan } from './types';

const short = (d: string) => d.slice(0, 19);

/** The plan as a person reads it before anything is written (printed first; all of it with --dry-run). */
export function formatPlan(p: AssemblePlan): string {
  const lines = [`assemble ${p.repository} ${p.version}`, '  sources (read by digest, no layer pulled):'];
  for (const s of p.sources) lines.push(`    ${s.reference}  ${short(s.digest)}  ${s.platforms.join(', ')}`);
  const att = p.entries.reduce((n, e) => n + e.attestations.length, 0);
  lines.push(
    `  1. index ${p.index.digest}: ${p.entries.map((e) => `${e.platform}${e.attestations.length ? ` (+${e.attestations.length} attestation)` : ''}`).join(', ')}; ${att} attestation(s); written by digest, no tag moves`,
    '  2. verify: the registry holds the index and every manifest it names',
    '  3. tags, in this order:',
  );
  const w = Math.max(0, ...p.tags.map((t) => t.tag.length));
  for (const t of p.tags)
    lines.push(
      `     ${t.tag.padEnd(w)}  ${t.unchanged ? 'already there' : t.from ? `${short(t.from)} -> ${short(t.to)}` : `new -> ${short(t.to)}`}  (${t.kind})`,
    );
  for (const h of p.held) lines.push(`     ${h.tag.padEnd(w)}  left alone: the newer ${h.stays} holds it`);
  lines.push(
    p.cleanup.length ? '  4. candidate tags, after the index is verified:' : '  4. no candidate tags to remove',
  );
  for (const c of p.cleanup)
    lines.push(
      `     ${c.tag}  ${c.how === 'delete-manifest' ? 'untag, or delete its manifest' : 'untag only'}: ${c.reason}`,
    );
  return lines.join('\n');
}
