import pLimit from 'p-limit';
import { describeError } from '../errors';
import { type CallOptions, type RegistryClient, isAttestation, isIndex, type ImageReference } from '../registry';
import { checkResult, type CheckFinding, type CheckResult } from '../report';
import type { DeletionOutcome, PrunePlan } from './types';

type Repo = Pick<ImageReference, 'registry' | 'repository'>;

/**
 * After a prune, every kept tag is resolved again from the registry: it still points where it did, and every
 * manifest it reaches (each platform, each attestation, nested indexes) is still there. Deleted tags must be
 * gone. Existence is asked with HEAD, never answered from the cache.
 */
export async function verifyAfterPrune(
  client: RegistryClient,
  repo: Repo,
  plan: PrunePlan,
  outcomes: readonly DeletionOutcome[],
  options: CallOptions = {},
): Promise<CheckResult> {
  const limit = pLimit(16);
  const findings: CheckFinding[] = [];
  const present = new Map<string, Promise<string | undefined>>();
  const platforms = new Set<string>();
  const attestations = new Set<string>();

  // Resolves a digest and everything below it: undefined when whole, else what is missing.
  const resolve = (digest: string): Promise<string | undefined> => {
    let p = present.get(digest);
    if (!p) {
      p = (async () => {
        const head = await limit(() => client.headManifest({ ...repo, digest }, options));
        if (!head) return `${digest} is missing`;
        const m = await limit(() => client.getManifest({ ...repo, digest }, options));
        if (!isIndex(m.json)) return undefined;
        for (const d of m.json.manifests) {
          (isAttestation(d) ? attestations : platforms).add(d.digest);
          const below = await resolve(d.digest);
          if (below) return `${isAttestation(d) ? 'attestation' : 'platform'} ${below}`;
        }
        return undefined;
      })();
      present.set(digest, p);
    }
    return p;
  };

  await Promise.all(
    plan.kept.map(async (k) => {
      try {
        const head = await limit(() => client.headManifest({ ...repo, tag: k.tag }, options));
        if (!head)
          return findings.push(error(k.tag, `${k.tag} (kept: ${k.reason}) no longer resolves`, { was: k.digest }));
        if (head.digest !== k.digest)
          return findings.push(
            error(k.tag, `${k.tag} now points at ${head.digest}; it pointed at ${k.digest} when planned`, {
              was: k.digest,
              now: head.digest,
            }),
          );
        const missing = await resolve(k.digest);
        if (missing) findings.push(error(k.tag, `${k.tag} no longer resolves whole: ${missing}`, { digest: k.digest }));
      } catch (e) {
        findings.push(error(k.tag, `${k.tag} could not be resolved: ${describeError(e)}`, { digest: k.digest }));
      }
    }),
  );

  // What was deleted is gone (a failed deletion is reported by its outcome, not twice here).
  const deletedTags = outcomes.filter((o) => o.status === 'deleted').flatMap((o) => o.deletion.tags);
  await Promise.all(
    deletedTags.map(async (tag) => {
      const head = await limit(() => client.headManifest({ ...repo, tag }, options)).catch(() => undefined);
      if (head)
        findings.push({
          severity: 'warning',
          subject: tag,
          message: `${tag} was deleted but still resolves (to ${head.digest}); the registry may answer from a cache`,
        });
    }),
  );

  const n = plan.kept.length;
  const bad = new Set(findings.filter((f) => f.severity === 'error').map((f) => f.subject)).size;
  return checkResult({
    id: 'prune-verify',
    title: 'Kept tags after prune',
    subject: plan.repository,
    examined: { count: n, what: 'kept tags', lookedFor: 'tags the plan kept' },
    findings,
    evidence: {
      platformManifests: platforms.size,
      attestationManifests: attestations.size,
      deletedTagsChecked: deletedTags.length,
    },
    summary: bad
      ? `${bad} of ${n} kept tags no longer resolve whole`
      : n
        ? `all ${n} kept tags resolve again with every platform (${platforms.size} platform manifests, ${attestations.size} attestation and referrer manifests present); ${deletedTags.length} deleted tags are gone`
        : undefined,
    next: bad
      ? [
          {
            text: 'Compare with the plan; GitHub keeps deleted package versions 30 days (restore them), a registry does not',
            command: `release-operator tags ${plan.repository}`,
          },
        ]
      : undefined,
  });
}

function error(subject: string, message: string, evidence: Record<string, unknown>): CheckFinding {
  return { severity: 'error', subject, message, evidence, rule: 'prune-kept' };
}
