import { randomBytes } from 'node:crypto';
import { environmentError, usageError } from '../errors';
import { runOperation } from '../operation';
import { type GitHubClient, listAllPackageVersions, resolvePackage, type PackageRef } from '../github';
import {
  type CallOptions,
  type RegistryClient,
  parseRepository,
  repositoryName,
  type ImageReference,
} from '../registry';
import { applyPackagesPlan } from './apply-packages';
import { applyRegistryPlan } from './apply-registry';
import { createdResolver } from './created';
import { readGraph } from './graph';
import { planPrune } from './plan';
import type { RetentionPolicy } from './policy';
import type { PruneBackend, PrunePlan, PruneResult } from './types';
import { verifyAfterPrune } from './verify';

type Repo = Pick<ImageReference, 'registry' | 'repository'>;

export interface PruneOptions extends CallOptions {
  client: RegistryClient;
  /** The injected clock: ages are counted from it (tests never depend on today's date). */
  now: () => Date;
  /** 'auto': the GitHub Packages API for ghcr.io, the distribution API elsewhere. */
  backend?: 'auto' | PruneBackend;
  /** The GitHub client, asked for only by the packages backend. */
  github?: () => Promise<GitHubClient>;
  /** The package when it is not the image path (owner = first path segment, name = the rest). */
  packageName?: { owner: string; name: string };
  onProgress?: (done: number, total: number) => void;
  /** Deletions a minute on GitHub (default 180, GitHub's limit). */
  perMinute?: number;
}

function backendFor(repo: Repo, wanted: PruneOptions['backend'] = 'auto'): PruneBackend {
  if (wanted !== 'auto') return wanted;
  return repo.registry === 'ghcr.io' ? 'github-packages' : 'registry';
}

const toRepo = (repo: string | Repo): Repo => (typeof repo === 'string' ? parseRepository(repo) : repo);

/** The package owner and name of an image path: acme/tools/rocket -> acme, tools/rocket. */
function packageOf(repo: Repo, given?: { owner: string; name: string }): { owner: string; name: string } {
  if (given) return given;
  const [owner, ...rest] = repo.repository.split('/');
  if (!rest.length)
    throw usageError(
      `${repositoryName(repo)} has no owner in its path, so its GitHub package cannot be named.`,
      'Use an image like ghcr.io/OWNER/NAME, or --via registry.',
    );
  return { owner, name: rest.join('/') };
}

async function requireGitHub(options: PruneOptions): Promise<GitHubClient> {
  if (!options.github)
    throw usageError(
      'Pruning through the GitHub Packages API needs a GitHub token.',
      'Set GITHUB_TOKEN (scopes read:packages, delete:packages).',
    );
  return options.github();
}

/** Reads the repository and computes what the policy keeps and deletes. Changes nothing. */
export async function planRetention(
  repoInput: string | Repo,
  policy: RetentionPolicy,
  options: PruneOptions,
): Promise<PrunePlan> {
  const repo = toRepo(repoInput);
  const backend = backendFor(repo, options.backend);
  const { client } = options;
  if (backend === 'registry') {
    const graph = await readGraph(client, repo, options);
    return planPrune({
      graph,
      policy,
      now: options.now,
      backend,
      createdOf: createdResolver(client, repo, graph, options),
    });
  }
  const gh = await requireGitHub(options);
  const named = packageOf(repo, options.packageName);
  const { ref, visibility } = await resolvePackage(gh, named.owner, named.name, options.signal);
  const versions = await listAllPackageVersions(gh, ref, options.signal);
  const tagDigests = new Map<string, string>();
  for (const v of versions) for (const t of v.tags) tagDigests.set(t, v.digest);
  const graph = await readGraph(client, repo, { ...options, tagDigests });
  const plan = await planPrune({
    graph,
    policy,
    now: options.now,
    backend,
    versionIds: new Map(versions.map((v) => [v.digest, v.id])),
    untaggedUnreached: versions.filter((v) => !v.tags.length && !graph.nodes.has(v.digest)).length,
    createdOf: createdResolver(client, repo, graph, {
      ...options,
      fallback: new Map(versions.map((v) => [v.digest, v.createdAt])),
    }),
  });
  const missing = plan.deletions.filter((d) => d.action === 'delete-manifest' && d.versionId === undefined);
  if (missing.length)
    throw environmentError(
      `GitHub lists no package version for ${missing.length} manifest(s) the plan would delete (${missing[0].digest}, ...); nothing was planned.`,
      'The registry and the Packages API disagree; try again in a minute.',
    );
  plan.package = { owner: ref.owner, name: ref.name, visibility };
  if (visibility === 'public')
    plan.notes.push(
      'the package is public: GitHub refuses to delete versions of a public package with more than 5,000 downloads; such versions are reported and the rest go on',
    );
  plan.notes.push('GitHub keeps deleted package versions for 30 days; the result lists how to restore each one');
  return plan;
}

/**
 * Applies a plan: refuses when any tag moved since it was planned, deletes, then resolves every kept tag again
 * with all its platforms.
 */
export async function applyRetention(plan: PrunePlan, options: PruneOptions): Promise<PruneResult> {
  const repo = parseRepository(plan.repository);
  const { client } = options;
  const nonce = `${options.now().getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
  let outcomes;
  let restore: string[] | undefined;
  const notes = [...plan.notes];
  if (plan.backend === 'registry') {
    const now = new Map((await client.tagDigests(repo, options)).map((t) => [t.tag, t.digest]));
    checkUnchanged(plan, now);
    outcomes = await applyRegistryPlan(client, repo, plan, { ...options, nonce });
  } else {
    if (!plan.package) throw usageError('This plan has no GitHub package; plan again.');
    const gh = await requireGitHub(options);
    const pkg: PackageRef = { owner: plan.package.owner, name: plan.package.name };
    const now = new Map<string, string>();
    for (const v of await listAllPackageVersions(gh, pkg, options.signal)) for (const t of v.tags) now.set(t, v.digest);
    checkUnchanged(plan, now);
    const r = await applyPackagesPlan(client, repo, gh, pkg, plan, { ...options, nonce });
    outcomes = r.outcomes;
    restore = r.info.restore;
    if (r.info.pacedMs)
      notes.push(
        `waited ${Math.round(r.info.pacedMs / 1000)} s in all to stay under GitHub's ${options.perMinute ?? 180} deletions a minute`,
      );
    if (restore.length)
      notes.push(`${restore.length} package version(s) deleted; GitHub can restore each for 30 days (see restore)`);
  }
  // The check runs as an operation of its own: it must run even when the deletions used up this one's time or
  // requests (limits.operationSeconds, limits.requestsPerOperation), and it is bounded by the kept tags.
  const verification = await runOperation(
    (signal) => verifyAfterPrune(client, repo, plan, outcomes, { ...options, signal }),
    { signal: options.signal },
  );
  const count = (s: string) => outcomes.filter((o) => o.status === s).length;
  return {
    plan,
    outcomes,
    counts: {
      deleted: count('deleted'),
      alreadyGone: count('already-gone'),
      failed: count('failed'),
      skipped: count('skipped'),
    },
    verification,
    restore,
    notes,
  };
}

/** The plan is only good for the repository it read: a moved or new tag on a doomed manifest stops the apply. */
function checkUnchanged(plan: PrunePlan, now: Map<string, string>): void {
  const doomed = new Set(plan.deletions.filter((d) => d.action === 'delete-manifest').map((d) => d.digest));
  const moved = Object.entries(plan.snapshot)
    .filter(([tag, digest]) => now.get(tag) !== digest)
    .map(([tag]) => tag);
  const added = [...now].filter(([tag, digest]) => !(tag in plan.snapshot) && doomed.has(digest)).map(([t]) => t);
  if (moved.length || added.length)
    throw environmentError(
      `${plan.repository} changed since the plan (${[...moved.map((t) => `${t} moved or went`), ...added.map((t) => `${t} is new on a manifest the plan deletes`)].slice(0, 5).join('; ')}); nothing was deleted.`,
      'Plan again and review the new plan.',
    );
}
