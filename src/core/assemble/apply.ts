import semver from '../version/semver';
import { versionOfImageTag } from '../version/order';
import { checkError } from '../errors';
import { INDEX_TYPES, isIndex, parseRepository, type RegistryClient, type TagDigest } from '../registry';
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

/** What happened to each planned tag. */
export interface TagOutcome {
  written: string[];
  held: Array<{ tag: string; stays: string }>;
}

/**
 * Writes the tags in the planned order with as few round trips as the order allows: the version tag; then the
 * commit tag while the moving tags are read once more (a newer release may have taken one since the plan was
 * made: it keeps it, never `latest` backwards); then the moving tags together; then one read of every tag
 * written. Each PUT is checked against the digest the registry says it stored. `after` runs between groups;
 * `out` fills as tags are written, so a caller sees how far a failed run got.
 */
export async function writeTags(
  registry: RegistryClient,
  plan: AssemblePlan,
  signal?: AbortSignal,
  after?: () => Promise<void>,
  out: TagOutcome = { written: [], held: [] },
): Promise<TagOutcome> {
  const repo = parseRepository(plan.repository);
  const put = async (t: TagStep) => {
    if (t.unchanged) return;
    await registry.putManifest(repo, t.tag, plan.index.bytes, plan.index.mediaType, { signal });
    out.written.push(t.tag);
  };
  const moving = plan.tags.filter((t) => t.kind === 'minor' || t.kind === 'major' || t.kind === 'latest');
  for (const t of plan.tags.filter((x) => x.kind === 'version')) await put(t);
  await after?.();
  const [, now] = await Promise.all([
    Promise.all(plan.tags.filter((x) => x.kind === 'sha').map(put)),
    Promise.all(moving.map((t) => registry.headManifest({ ...repo, tag: t.tag }, { signal }))),
  ]);
  await after?.();
  const taken = moving.filter((t, i) => now[i] && now[i].digest !== t.from && now[i].digest !== plan.index.digest);
  const all = taken.length ? await registry.tagDigests(repo, { signal }) : [];
  const go: TagStep[] = [];
  moving.forEach((t, i) => {
    const n = now[i];
    const newer =
      taken.includes(t) && n
        ? versionsAt(all, n.digest, plan.imagePrefix).find((v) => semver.rcompare(v, plan.version) < 0)
        : undefined;
    if (newer) out.held.push({ tag: t.tag, stays: newer });
    else go.push(n?.digest === plan.index.digest ? { ...t, unchanged: true } : t);
  });
  await Promise.all(go.map(put));
  // Written side by side, said in the planned order.
  out.written.sort((a, b) => plan.tags.findIndex((t) => t.tag === a) - plan.tags.findIndex((t) => t.tag === b));
  await after?.();
  const check = plan.tags.filter((t) => !out.held.some((h) => h.tag === t.tag));
  const heads = await Promise.all(check.map((t) => registry.headManifest({ ...repo, tag: t.tag }, { signal })));
  const wrong = check.filter((_, i) => heads[i]?.digest !== plan.index.digest);
  if (wrong.length)
    throw checkError(
      `${wrong.map((t) => `${plan.repository}:${t.tag}`).join(', ')} do not point at ${plan.index.digest} right after they were written.`,
      'Someone may be pushing at the same time; run assemble again.',
    );
  return out;
}

function versionsAt(tags: readonly TagDigest[], digest: string, imagePrefix: string): string[] {
  return tags.flatMap((t) => (t.digest === digest ? (versionOfImageTag(t.tag, imagePrefix) ?? []) : []));
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
  for (const t of tags.filter((x) => x.mediaType && INDEX_TYPES.includes(x.mediaType))) {
    const m = await registry.getManifest({ ...repo, digest: t.digest }, { signal });
    if (isIndex(m.json) && m.json.manifests.some((d) => d.digest === digest)) return t.tag;
  }
  return undefined;
}
