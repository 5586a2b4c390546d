import { usageError } from '../errors';
import { readRecords, releaseTags } from '../gate';
import { parseRepository, repositoryName, type RegistryClient, type TagDigest } from '../registry';
import type { ReleaseOperatorConfig } from '../config/schema';
import { buildIndex } from './build-index';
import { resolveSources } from './sources';
import type { AssemblePlan, AssembleRequest, CleanupStep, TagStep } from './types';

/** Candidate tags by the documented naming (candidate-<run>-<arch>); other tags given as sources are never removed. */
const CANDIDATE_TAG = /^candidate[-_.]/;

/**
 * Everything assemble would do, read from the registry and decided before anything is written: the sources and
 * their platforms, the index (bytes and digest), each tag from where it points now to the index, the moving tags
 * a newer release holds, and what happens to each candidate tag.
 */
export async function planAssemble(
  req: AssembleRequest,
  registry: RegistryClient,
  config: ReleaseOperatorConfig,
  signal?: AbortSignal,
): Promise<AssemblePlan> {
  const target = parseRepository(req.image);
  const repository = repositoryName(target);
  const given = req.sources.length ? req.sources : await recordedSources(req);
  const [{ sources, entries }, names] = await Promise.all([
    resolveSources(registry, target, given, signal),
    registry.listTags(target, { signal }).catch((e: unknown) => {
      // A repository without tags yet (candidates pushed by digest only) lists as missing on some registries.
      if ((e as { kind?: string }).kind === 'check') return [] as string[];
      throw e;
    }),
  ]);
  if (!entries.length) throw usageError('The sources hold no platform image.', 'Check the references given.');
  const index = buildIndex(entries, req.platforms);
  const plan = releaseTags(req.version, req.commit, config.tags, names);
  // Where the tags this release writes, and its candidate tags, point now: only those are read.
  const candidates = sources.flatMap((s) => (s.tag && CANDIDATE_TAG.test(s.tag) ? [s.tag] : []));
  const wanted = [...new Set([...plan.tags.map((t) => t.tag), ...candidates])].filter((t) => names.includes(t));
  const heads = await Promise.all(wanted.map((tag) => registry.headManifest({ ...target, tag }, { signal })));
  const existing: TagDigest[] = wanted.flatMap((tag, i) => {
    const h = heads[i];
    return h ? [{ tag, digest: h.digest, mediaType: h.mediaType }] : [];
  });
  const at = new Map(existing.map((t) => [t.tag, t.digest]));
  const tags: TagStep[] = plan.tags.map((t) => ({
    tag: t.tag,
    kind: t.kind,
    from: at.get(t.tag) ?? null,
    to: index.digest,
    unchanged: at.get(t.tag) === index.digest,
  }));
  const written = new Set(tags.map((t) => t.tag));
  const cleanup: CleanupStep[] =
    req.cleanCandidates === false
      ? []
      : sources
          .filter((s) => s.tag && CANDIDATE_TAG.test(s.tag) && !written.has(s.tag))
          .map((s) => cleanupDecision(s.tag!, s.digest, index, entries, existing));
  return {
    repository,
    version: req.version,
    sources,
    entries,
    index,
    tags,
    held: plan.held,
    imagePrefix: plan.scheme.imagePrefix,
    basis: plan.scheme.basis,
    cleanup,
  };
}

/** The candidates the pre-push records of this image and version name (each pushed reference once). */
async function recordedSources(req: AssembleRequest): Promise<string[]> {
  if (!req.record) return [];
  const lookup = await readRecords(req.record, { image: req.image, version: req.version });
  const found = [...new Set([...lookup.tested.values()].flatMap((t) => (t.source ? [t.source] : [])))];
  if (!found.length)
    throw usageError(
      `No sources given, and no pre-push record at ${req.record} names a candidate of ${req.image} ${req.version}.`,
      'Pass the per-platform pushes (--source), or the folder where the candidate pre-push runs recorded them (--record).',
    );
  return found;
}

/**
 * How a candidate tag can go without breaking anything. Untagging is always safe. Deleting the manifest is safe
 * only when the new index does not refer to it and no other tag points at it; otherwise the tag stays (a
 * registry without untag, such as distribution 2.x, keeps it) and the reason is said.
 */
export function cleanupDecision(
  tag: string,
  digest: string,
  index: AssemblePlan['index'],
  entries: AssemblePlan['entries'],
  existing: readonly TagDigest[],
): CleanupStep {
  const referenced = entries.some(
    (e) => e.descriptor.digest === digest || e.attestations.some((a) => a.digest === digest),
  );
  const others = existing.filter((t) => t.digest === digest && t.tag !== tag).map((t) => t.tag);
  if (referenced)
    return {
      tag,
      digest,
      how: 'delete-tag',
      reason: `the new index refers to ${digest.slice(0, 19)}`,
    };
  if (others.length)
    return {
      tag,
      digest,
      how: 'delete-tag',
      reason: `tags ${others.join(', ')} also point at it: only the tag may go`,
    };
  if (digest === index.digest) return { tag, digest, how: 'delete-tag', reason: 'it is the new index itself' };
  return {
    tag,
    digest,
    how: 'delete-manifest',
    reason: 'nothing else refers to it: the tag goes, or else its manifest',
  };
}
