import { checkError, CancelledError, ReleaseOperatorError, usageError } from '../errors';
import { withOperation } from '../operation';
import type { RegistryClient, CallOptions, RepoInput } from './client';
import { isIndex } from './manifest';
import { checkTag, digestProblem, parseRepository, repositoryName } from './reference';

export interface RollbackPlan {
  repository: string;
  /** The tag being moved (default latest). */
  tag: string;
  /** The tag (or digest) whose manifest it will point at. */
  source: string;
  /** What the tag points at now; null when it does not exist yet. */
  from: string | null;
  to: string;
  mediaType: string;
  /** True when the tag already points at the source. */
  unchanged: boolean;
}

export interface RollbackResult extends RollbackPlan {
  applied: boolean;
  /** Set when only the plan was asked for: nothing was written. */
  dryRun?: boolean;
  /** The command that undoes it, when the tag existed before. */
  undo?: string;
}

/** The command line that points `tag` of `repository` at `source` (a tag or a digest). */
export function rollbackCommand(repository: string, source: string, tag: string, flag?: '--dry-run' | '--yes'): string {
  return `release-operator rollback ${repository} --to ${source} --tag ${tag}${flag ? ` ${flag}` : ''}`;
}

/**
 * Points `tag` at the manifest of `source` in the same repository: the exact bytes with their media type, so
 * the digest is unchanged, after checking that every child manifest of an index exists. `confirm` sees the
 * plan (what the tag points at now) and may refuse. Afterwards the tag's digest is read back and compared.
 */
export function rollback(client: RegistryClient, repo: RepoInput, options: RollbackOptions): Promise<RollbackResult> {
  return withOperation(options, (_, o) => rollbackNow(client, repo, o));
}

export type RollbackOptions = CallOptions & {
  source: string;
  tag?: string;
  confirm?: (plan: RollbackPlan) => Promise<boolean>;
  /** Check and plan only (the source and its children exist, where the tag points now); write nothing. */
  dryRun?: boolean;
};

async function rollbackNow(client: RegistryClient, repo: RepoInput, options: RollbackOptions): Promise<RollbackResult> {
  const r = typeof repo === 'string' ? parseRepository(repo) : repo;
  const name = repositoryName(r);
  const tag = checkTag(options.tag ?? 'latest');
  // A digest or a tag, each checked before it reaches a URL.
  const bySource = options.source.includes(':') ? { digest: options.source } : { tag: checkTag(options.source) };
  const bad = bySource.digest && digestProblem(bySource.digest);
  if (bad) throw usageError(`--to ${options.source}: ${bad}.`, 'Give a tag, or a digest as sha256:<64 hex digits>.');
  const source = await client.getManifest({ ...r, ...bySource }, options);
  if (isIndex(source.json)) {
    const heads = await Promise.all(
      source.json.manifests.map(async (d) => ({
        d,
        head: await client.headManifest({ ...r, digest: d.digest }, options),
      })),
    );
    const missing = heads.filter((h) => !h.head).map((h) => h.d.digest);
    if (missing.length)
      throw checkError(
        `${name}:${options.source} refers to manifests missing from the repository: ${missing.join(', ')}.`,
        'Pick another version to roll back to.',
      );
  }
  const before = await client.headManifest({ ...r, tag }, options);
  const plan: RollbackPlan = {
    repository: name,
    tag,
    source: options.source,
    from: before?.digest ?? null,
    to: source.digest,
    mediaType: source.mediaType,
    unchanged: before?.digest === source.digest,
  };
  const undo = before ? rollbackCommand(name, before.digest, tag) : undefined;
  if (plan.unchanged) return { ...plan, applied: false, undo };
  if (options.dryRun) return { ...plan, applied: false, dryRun: true, undo };
  if (options.confirm && !(await options.confirm(plan))) throw new CancelledError('rollback not confirmed');
  try {
    await client.putManifest(r, tag, source.bytes, source.mediaType, options);
  } catch (e) {
    if (e instanceof CancelledError || !(e instanceof ReleaseOperatorError)) throw e;
    throw await failedPut(client, r, tag, plan, e, options);
  }
  const after = await client.headManifest({ ...r, tag }, options);
  if (after?.digest !== source.digest)
    throw checkError(
      `${name}:${tag} points at ${after?.digest ?? 'nothing'} after the rollback, not ${source.digest}.`,
      'Someone may have pushed at the same time; run the rollback again.',
    );
  return { ...plan, applied: true, undo };
}

/** A PUT that failed or timed out may still have landed: read the tag back and say where it points now. */
async function failedPut(
  client: RegistryClient,
  r: ReturnType<typeof parseRepository>,
  tag: string,
  plan: RollbackPlan,
  e: ReleaseOperatorError,
  options: CallOptions,
): Promise<ReleaseOperatorError> {
  const name = `${plan.repository}:${tag}`;
  let now: string;
  try {
    const head = await client.headManifest({ ...r, tag }, { signal: options.signal });
    const d = head?.digest ?? null;
    now =
      d === plan.from
        ? `${name} still points at ${d ?? 'nothing (it did not exist)'}, as before: nothing changed.`
        : d === plan.to
          ? `${name} points at ${d} as asked nevertheless: the rollback landed.`
          : `${name} now points at ${d ?? 'nothing'}, neither the old ${plan.from ?? '(none)'} nor ${plan.to}: someone else changed it.`;
  } catch (again) {
    const why = again instanceof Error ? again.message : String(again);
    now = `Where ${name} points now could not be read (${why}); check with: release-operator tags ${plan.repository}`;
  }
  return new ReleaseOperatorError(e.kind, `${e.message} ${now}`, e.hint, { cause: e });
}
