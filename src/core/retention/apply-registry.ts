import { CancelledError, ReleaseOperatorError, describeError } from '../errors';
import { type CallOptions, type RegistryClient, type ImageReference, MediaType } from '../registry';
import type { DeletionOutcome, PlannedDeletion, PrunePlan } from './types';

type Repo = Pick<ImageReference, 'registry' | 'repository'>;

/** The OCI empty descriptor's content: `{}`. */
const EMPTY = Buffer.from('{}');
const EMPTY_TYPE = 'application/vnd.oci.empty.v1+json';

/**
 * A manifest that exists only to take a tag away: unique (the tag and a nonce are in its annotations), so
 * deleting it by digest removes that one tag and nothing else. The trick dataaxiom/ghcr-cleanup-action uses for
 * registries that cannot delete a tag on its own.
 */
export function untagManifest(tag: string, nonce: string, emptyDigest: string): Buffer {
  const empty = { mediaType: EMPTY_TYPE, digest: emptyDigest, size: EMPTY.length };
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/vnd.release-operator.untag.v1',
      config: empty,
      layers: [empty],
      annotations: { 'org.release-operator.untag': tag, 'org.release-operator.nonce': nonce },
    }),
  );
}

/** Untags a tag whose manifest is kept: DELETE by tag where the registry has it, else the empty-manifest trick. */
async function untag(
  client: RegistryClient,
  repo: Repo,
  tag: string,
  nonce: string,
  state: { tagDelete?: boolean },
  options: CallOptions,
): Promise<Pick<DeletionOutcome, 'status' | 'method' | 'detail'>> {
  if (state.tagDelete !== false) {
    const r = await client.deleteManifest(repo, tag, options);
    if (r !== 'unsupported') {
      state.tagDelete = true;
      return { status: r === 'deleted' ? 'deleted' : 'already-gone', method: 'tag-delete' };
    }
    state.tagDelete = false;
  }
  if (!(await client.headManifest({ ...repo, tag }, options)))
    return { status: 'already-gone', method: 'empty-manifest' };
  const emptyDigest = await client.pushBlob(repo, EMPTY, options);
  const bytes = untagManifest(tag, nonce, emptyDigest);
  const digest = await client.putManifest(repo, tag, bytes, MediaType.ociManifest, options);
  const r = await client.deleteManifest(repo, digest, options);
  if (r === 'unsupported')
    return {
      status: 'failed',
      method: 'empty-manifest',
      detail: `the registry does not delete manifests; ${tag} now points at an empty manifest ${digest}`,
    };
  return { status: 'deleted', method: 'empty-manifest' };
}

/**
 * Applies a plan through the distribution API: untags first, then manifests parents before children. A child
 * is tried only when every deleted manifest it hangs off is gone, so a failure never leaves a kept-looking index
 * without its platforms.
 */
export async function applyRegistryPlan(
  client: RegistryClient,
  repo: Repo,
  plan: PrunePlan,
  options: CallOptions & { nonce: string; onProgress?: (done: number, total: number) => void },
): Promise<DeletionOutcome[]> {
  const outcomes = new Map<PlannedDeletion, DeletionOutcome>();
  const state: { tagDelete?: boolean } = {};
  let done = 0;
  const total = plan.deletions.length;
  const record = (o: DeletionOutcome) => {
    outcomes.set(o.deletion, o);
    options.onProgress?.(++done, total);
  };
  // A refusal of one manifest is that manifest's; a fault of the registry or a limit would repeat for every one.
  let stopped: string | undefined;
  const guard = async (
    deletion: PlannedDeletion,
    fn: () => Promise<Pick<DeletionOutcome, 'status' | 'method' | 'detail'>>,
  ) => {
    if (stopped) return record({ deletion, status: 'skipped', detail: `not tried: ${stopped}` });
    try {
      record({ deletion, ...(await fn()) });
    } catch (e) {
      if (e instanceof CancelledError || !(e instanceof ReleaseOperatorError)) throw e;
      if (e.kind === 'environment') stopped ??= describeError(e).split('\n')[0];
      record({ deletion, status: 'failed', detail: describeError(e) });
    }
  };

  // Untags one at a time: the first answer tells whether the registry deletes tags, and the trick writes.
  for (const d of plan.deletions.filter((x) => x.action === 'untag'))
    await guard(d, () => untag(client, repo, d.tags[0], `${options.nonce}-${d.tags[0]}`, state, options));

  const manifests = plan.deletions.filter((x) => x.action === 'delete-manifest');
  const byDigest = new Map(manifests.map((d) => [d.digest, d]));
  const gone = (digest: string) => {
    const o = outcomes.get(byDigest.get(digest)!);
    return o?.status === 'deleted' || o?.status === 'already-gone';
  };
  const depths = [...new Set(manifests.map((d) => d.depth))].sort((a, b) => a - b);
  for (const depth of depths) {
    await Promise.all(
      manifests
        .filter((d) => d.depth === depth)
        .map(async (d) => {
          if (d.parent && byDigest.has(d.parent) && !gone(d.parent))
            return record({
              deletion: d,
              status: 'skipped',
              detail: `${d.parent} could not be deleted, so this stays`,
            });
          await guard(d, async () => {
            const r = await client.deleteManifest(repo, d.digest, options);
            if (r === 'unsupported')
              return {
                status: 'failed' as const,
                method: 'digest-delete' as const,
                detail: 'the registry does not allow deleting manifests (distribution: storage.delete.enabled)',
              };
            return {
              status: r === 'deleted' ? ('deleted' as const) : ('already-gone' as const),
              method: 'digest-delete' as const,
            };
          });
        }),
    );
  }
  return plan.deletions.map((d) => outcomes.get(d)!);
}
