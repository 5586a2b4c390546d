import type { TagDigest } from '../../registry';
import { checkResult, type CheckFinding, type CheckResult } from '../../report';
import type { ReleaseTags } from '../plan';

const short = (d: string) => d.slice(0, 19);

/**
 * The release's tags point where the plan says: the version tag, the commit tag and the moving tags this release
 * moves all at the released digest; moving tags held by a newer release not moved back to it.
 */
export function tagsCheck(
  repository: string,
  digest: string,
  plan: ReleaseTags,
  tags: readonly TagDigest[],
): CheckResult {
  const at = new Map(tags.map((t) => [t.tag, t.digest]));
  const findings: CheckFinding[] = [];
  for (const t of plan.tags) {
    const got = at.get(t.tag);
    if (!got)
      findings.push({
        severity: 'error',
        subject: t.tag,
        rule: t.kind,
        message: `${repository}:${t.tag} is missing; the plan says ${short(digest)} (${t.rule})`,
      });
    else if (got !== digest)
      findings.push({
        severity: 'error',
        subject: t.tag,
        rule: t.kind,
        message: `${repository}:${t.tag} points at ${short(got)}, the plan says ${short(digest)} (${t.rule})`,
        evidence: { tag: t.tag, points: got, expected: digest },
      });
  }
  for (const h of plan.held)
    if (at.get(h.tag) === digest)
      findings.push({
        severity: 'error',
        subject: h.tag,
        message: `${repository}:${h.tag} was moved back to this release; it belongs to the newer ${h.stays}`,
      });
  return checkResult({
    id: 'tags',
    title: 'Tags',
    examined: { count: plan.tags.length + plan.held.length, what: 'tags', lookedFor: 'the tags of this release' },
    findings,
    evidence: {
      planned: plan.tags.map((t) => t.tag),
      held: plan.held.length ? plan.held.map((h) => `${h.tag} stays on ${h.stays}`) : undefined,
      digest,
    },
    next: findings.length
      ? [
          {
            text: 'Write the tags in the planned order (a dry run first)',
            command: `release-operator assemble --image ${repository} --dry-run`,
          },
        ]
      : undefined,
  });
}
