import { CancelledError, ReleaseOperatorError, describeError } from '../errors';
import {
  type GitHubClient,
  deletePackageVersion,
  listAllPackageVersions,
  restoreCommand,
  type PackageRef,
} from '../github';
import { type CallOptions, type RegistryClient, type ImageReference, MediaType } from '../registry';
import { untagManifest } from './apply-registry';
import { Pacer } from './pace';
import type { DeletionOutcome, PackagesApplyInfo, PlannedDeletion, PrunePlan } from './types';

/** GitHub's documented pace for package deletions. */
const GITHUB_DELETIONS_PER_MINUTE = 180;

/**
 * Applies a plan on ghcr.io through the GitHub Packages API: each manifest is a package version, deleted by id.
 * A tag whose manifest is kept cannot be removed by deleting a version (that would take the kept tags and
 * platforms along), so it is first pointed at a unique empty manifest through the registry, whose own version is
 * then deleted. Deletions are paced under GitHub's limit; a version GitHub refuses (a public package with more
 * than 5,000 downloads) is reported and the rest go on; a refusal that would repeat (token, scope) stops the run.
 */
export async function applyPackagesPlan(
  client: RegistryClient,
  repo: Pick<ImageReference, 'registry' | 'repository'>,
  gh: GitHubClient,
  pkg: PackageRef,
  plan: PrunePlan,
  options: CallOptions & {
    nonce: string;
    perMinute?: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<{ outcomes: DeletionOutcome[]; info: PackagesApplyInfo }> {
  const pacer = new Pacer(options.perMinute ?? GITHUB_DELETIONS_PER_MINUTE, gh.now, gh.sleep);
  const outcomes = new Map<PlannedDeletion, DeletionOutcome>();
  const restore: string[] = [];
  let pacedMs = 0;
  let stopped: string | undefined;
  let done = 0;
  const record = (o: DeletionOutcome) => {
    outcomes.set(o.deletion, o);
    options.onProgress?.(++done, plan.deletions.length);
  };
  const deleteVersion = async (id: number): Promise<'deleted' | 'already-gone'> => {
    pacedMs += await pacer.take(options.signal);
    const ok = await deletePackageVersion(gh, pkg, id, options.signal);
    if (ok) restore.push(restoreCommand(pkg, id));
    return ok ? 'deleted' : 'already-gone';
  };
  const attempt = async (
    deletion: PlannedDeletion,
    fn: () => Promise<Omit<DeletionOutcome, 'deletion'>>,
  ): Promise<DeletionOutcome> => {
    if (stopped) return { deletion, status: 'skipped', detail: `not tried: ${stopped}` };
    try {
      return { deletion, ...(await fn()) };
    } catch (e) {
      if (e instanceof CancelledError || !(e instanceof ReleaseOperatorError)) throw e;
      const detail = describeError(e);
      // GitHub refuses versions of popular public packages one by one; anything else would repeat for every version.
      if (!/5,?000 downloads|cannot be deleted/i.test(detail)) stopped = detail.split('\n')[0];
      return { deletion, status: 'failed', detail };
    }
  };

  // Untags: push every empty manifest first, then find their versions in one listing (GitHub may need a moment).
  const dummies = new Map<PlannedDeletion, string>();
  for (const d of plan.deletions.filter((x) => x.action === 'untag')) {
    const tag = d.tags[0];
    const pushed = await attempt(d, async () => {
      if (!(await client.headManifest({ ...repo, tag }, options)))
        return { status: 'already-gone', method: 'empty-manifest' };
      const empty = await client.pushBlob(repo, Buffer.from('{}'), options);
      const manifest = untagManifest(tag, `${options.nonce}-${tag}`, empty);
      dummies.set(d, await client.putManifest(repo, tag, manifest, MediaType.ociManifest, options));
      return { status: 'deleted', method: 'empty-manifest' };
    });
    if (!dummies.has(d)) record(pushed);
  }
  if (dummies.size) {
    let ids = new Map<string, number>();
    for (let tries = 0; tries < 5; tries++) {
      ids = new Map((await listAllPackageVersions(gh, pkg, options.signal)).map((v) => [v.digest, v.id]));
      if ([...dummies.values()].every((d) => ids.has(d))) break;
      await gh.sleep(2000 * (tries + 1), options.signal);
    }
    for (const [d, digest] of dummies) {
      const id = ids.get(digest);
      record(
        await attempt(d, async () =>
          id === undefined
            ? {
                status: 'failed',
                method: 'empty-manifest',
                detail: `${d.tags[0]} now points at the empty manifest ${digest}, but GitHub did not list its version; delete that version by hand`,
              }
            : { status: await deleteVersion(id), method: 'empty-manifest' },
        ),
      );
    }
  }

  const manifests = plan.deletions.filter((d) => d.action === 'delete-manifest');
  const byDigest = new Map(manifests.map((d) => [d.digest, d]));
  const gone = (digest: string) =>
    ['deleted', 'already-gone'].includes(outcomes.get(byDigest.get(digest)!)?.status ?? '');
  for (const d of [...manifests].sort((a, b) => a.depth - b.depth)) {
    if (d.parent && byDigest.has(d.parent) && !gone(d.parent)) {
      record({ deletion: d, status: 'skipped', detail: `${d.parent} could not be deleted, so this stays` });
      continue;
    }
    record(
      await attempt(d, async () => {
        if (d.versionId === undefined)
          return { status: 'failed', detail: 'GitHub listed no package version for this manifest' };
        return { status: await deleteVersion(d.versionId), method: 'package-version' };
      }),
    );
  }
  return { outcomes: plan.deletions.map((d) => outcomes.get(d)!), info: { restore, pacedMs } };
}
