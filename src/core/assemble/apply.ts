import semver from '../version/semver';
import { versionOfImageTag } from '../version/plan';
import { checkError } from '../errors';
import { INDEX_TYPES, isIndex, parseRepository, type RegistryClient, type TagDigest } from '../registry';
import type { ReleaseOperatorConfig } from '../config/schema';
import type { AssemblePlan, CleanupStep, TagStep } from './types';

/** What the registry holds for the index after it was written: every manifest it names, by HEAD. */
export interface Verified {
  missing: string[];
  /** Each attestation with the platform manifest it names, and whether that platform is in the index. */
  attestations: Array<{ digest: string; platform?: string }>;
}

/** PUTs the index by its digest: no tag moves, so an assemble stopped now leaves every tag as it was. */
export async function putIndex(registry: RegistryClient, plan: AssemblePlan, signal?: AbortSignal): Promise<void> {
  await registry.putManifest(
    parseRepository(plan.repository),
    plan.index.digest,
    plan.index.bytes,
    plan.index.mediaType,
    {
      signal,
    },
  );
}

/** Reads back the index and every manifest it names from the registry (HEAD: the registry's own word). */
export async function verifyIndex(
  registry: RegistryClient,
  plan: AssemblePlan,
  signal?: AbortSignal,
): Promise<Verified> {
  const repo = parseRepository(plan.repository);
  const head = await registry.headManifest({ ...repo, digest: plan.index.digest }, { signal });
  if (!head || head.digest !== plan.index.digest)
    throw checkError(
      `${plan.repository}@${plan.index.digest} is not in the registry after it was written.`,
      'Run assemble again; if it keeps failing, the registry is losing writes.',
    );
  const children = plan.entries.flatMap((e) => [e.descriptor.digest, ...e.attestations.map((a) => a.digest)]);
  const heads = await Promise.all(children.map((d) => registry.headManifest({ ...repo, digest: d }, { signal })));
  const missing = children.filter((_, i) => !heads[i]);
  const attestations = plan.entries.flatMap((e) =>
    e.attestations.map((a) => ({
      digest: a.digest,
      platform: a.annotations?.['vnd.docker.reference.digest'] === e.descriptor.digest ? e.platform : undefined,
    })),
  );
  return { missing, attestations };
}

/**
 * Writes one tag. A moving tag is checked again right before it moves: when a newer release took it since the
 * plan was made, it is left there (never `latest` backwards).
 */
export async function writeTag(
  registry: RegistryClient,
  plan: AssemblePlan,
  step: TagStep,
  config: ReleaseOperatorConfig,
  signal?: AbortSignal,
): Promise<'written' | 'unchanged' | { held: string }> {
  const repo = parseRepository(plan.repository);
  if (step.kind === 'minor' || step.kind === 'major' || step.kind === 'latest') {
    const now = await registry.headManifest({ ...repo, tag: step.tag }, { signal });
    if (now && now.digest !== step.from && now.digest !== plan.index.digest) {
      const tags = await registry.tagDigests(repo, { signal });
      const newer = versionsAt(tags, now.digest, config).find((v) => semver.rcompare(v, plan.version) < 0);
      if (newer) return { held: newer };
    }
  }
  const before = await registry.headManifest({ ...repo, tag: step.tag }, { signal });
  if (before?.digest === plan.index.digest) return 'unchanged';
  await registry.putManifest(repo, step.tag, plan.index.bytes, plan.index.mediaType, { signal });
  const after = await registry.headManifest({ ...repo, tag: step.tag }, { signal });
  if (after?.digest !== plan.index.digest)
    throw checkError(
      `${plan.repository}:${step.tag} points at ${after?.digest ?? 'nothing'} right after it was written, not ${plan.index.digest}.`,
      'Someone may be pushing at the same time; run assemble again.',
    );
  return 'written';
}

function versionsAt(tags: readonly TagDigest[], digest: string, config: ReleaseOperatorConfig): string[] {
  return tags.flatMap((t) => (t.digest === digest ? (versionOfImageTag(t.tag, config.tags.imagePrefix) ?? []) : []));
}

/**
 * Removes one candidate tag, deciding again from what the registry holds now: untag where the registry can;
 * else delete its manifest only when the plan allowed it and no tagged index in the repository refers to it.
 */
export async function cleanCandidate(
  registry: RegistryClient,
  plan: AssemblePlan,
  step: CleanupStep,
  signal?: AbortSignal,
): Promise<{ done: boolean; detail: string }> {
  const repo = parseRepository(plan.repository);
  const now = await registry.headManifest({ ...repo, tag: step.tag }, { signal });
  if (!now) return { done: true, detail: `${step.tag} was already gone` };
  if (now.digest !== step.digest)
    return { done: false, detail: `${step.tag} was moved to ${now.digest.slice(0, 19)} meanwhile: left alone` };
  const untag = await registry.deleteManifest(repo, step.tag, { signal });
  if (untag === 'deleted' || untag === 'missing') return { done: true, detail: `${step.tag} untagged` };
  if (step.how !== 'delete-manifest')
    return {
      done: false,
      detail: `${step.tag} kept: this registry cannot remove a tag alone, and deleting its manifest would break what refers to it (${step.reason})`,
    };
  const tags = await registry.tagDigests(repo, { signal });
  const others = tags.filter((t) => t.digest === step.digest && t.tag !== step.tag);
  if (others.length)
    return { done: false, detail: `${step.tag} kept: ${others.map((t) => t.tag).join(', ')} now point at it too` };
  const holder = await indexReferring(registry, repo, tags, step.digest, signal);
  if (holder) return { done: false, detail: `${step.tag} kept: the index at ${holder} refers to it` };
  const gone = await registry.deleteManifest(repo, step.digest, { signal });
  return gone === 'unsupported'
    ? { done: false, detail: `${step.tag} kept: the registry deletes neither tags nor manifests through its API` }
    : {
        done: true,
        detail: `${step.tag} removed with its manifest ${step.digest.slice(0, 19)} (nothing refers to it)`,
      };
}

/** The first tag whose index names `digest` as a child, if any. */
async function indexReferring(
  registry: RegistryClient,
  repo: ReturnType<typeof parseRepository>,
  tags: readonly TagDigest[],
  digest: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  for (const t of tags.filter((x) => INDEX_TYPES.includes(x.mediaType))) {
    const m = await registry.getManifest({ ...repo, digest: t.digest }, { signal });
    if (isIndex(m.json) && m.json.manifests.some((d) => d.digest === digest)) return t.tag;
  }
  return undefined;
}
