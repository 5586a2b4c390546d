import type { ReleaseOperatorConfig } from '../config/schema';
import { CancelledError, describeError } from '../errors';
import { type CallOptions, type RegistryClient, parseReference, repositoryName } from '../registry';
import { environmentResult, type CheckResult } from '../report';
import { versionOfImageTag } from '../version/order';
import { choosePrefix } from '../version/scheme';
import { budgetsFromConfig, sizeChecks } from './checks';
import { sizeDeltas } from './delta';
import { measureImage } from './measure';
import { previousRelease } from './previous';
import type { SizeReport } from './types';

export interface SizeOptions extends CallOptions {
  /** Compare with this tag instead of the previous release under the tag scheme. */
  previous?: string;
}

/** The size of `ref` per platform, and the delta to the previous release (found under the tag scheme). */
export async function sizeReport(
  client: RegistryClient,
  ref: string,
  config: ReleaseOperatorConfig,
  options: SizeOptions = {},
): Promise<SizeReport> {
  const r = parseReference(ref);
  const image = await measureImage(client, r, options);
  let previous: SizeReport['previous'];
  let noPrevious: string | undefined;
  let basis: SizeReport['scheme'];
  const repo = { registry: r.registry, repository: r.repository };
  if (options.previous) {
    previous = {
      tag: options.previous,
      version: versionOfImageTag(options.previous, config.tags.imagePrefix ?? '') ?? options.previous,
      image: await measureImage(client, { ...repo, tag: options.previous }, options),
      why: 'given with --previous',
    };
  } else {
    // Version tags under the image prefix: configured, else the one the repository's tags follow.
    const all = await client.listTags(repo, options);
    const scheme = choosePrefix('image', config.tags.imagePrefix, all);
    const prefix = scheme.prefix;
    basis = scheme.basis;
    const versionTags = all.filter((t) => versionOfImageTag(t, prefix));
    const digests = await client.tagDigests(repo, { ...options, tags: versionTags });
    const found = previousRelease(digests, { tag: r.digest ? undefined : r.tag, digest: image.digest }, prefix);
    if ('none' in found) noPrevious = found.none;
    else
      previous = {
        ...found,
        image: await measureImage(client, { ...repo, tag: found.tag }, options),
      };
  }
  return { image, previous, noPrevious, scheme: basis, deltas: sizeDeltas(image, previous?.image) };
}

/**
 * The size budget as readiness rows (one per platform) for a gate: the same rows `size` prints, or one
 * environment row when the registry could not be read.
 */
export async function sizeBudgetChecks(
  client: RegistryClient,
  ref: string,
  config: ReleaseOperatorConfig,
  options: SizeOptions = {},
): Promise<CheckResult[]> {
  const budgets = budgetsFromConfig(config);
  try {
    return sizeChecks(await sizeReport(client, ref, config, options), budgets);
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    const r = parseReference(ref);
    return [
      environmentResult(
        'size-budget',
        'Size',
        'size budgets',
        describeError(e),
        [{ text: 'Check that the image exists and the registry answers', command: `release-operator manifest ${ref}` }],
        repositoryName(r),
      ),
    ];
  }
}
