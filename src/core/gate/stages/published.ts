import { usageError } from '../../errors';
import { parseReference, repositoryName, type ImageInfo } from '../../registry';
import type { CheckResult } from '../../report';
import { labelsCheck, platformsCheck } from '../checks/published';
import { tagsCheck } from '../checks/tags';
import { testedCheck, type PushedPlatform } from '../checks/tested';
import { guarded, type StageContext } from '../guard';
import { releaseTags, versionTag } from '../plan';
import { readRecords } from '../record';
import type { GateRequest } from '../types';

export interface PublishedOutcome {
  checks: CheckResult[];
  digest?: string;
  platformDigests: Record<string, string>;
}

/** The reference a published-image stage checks: the one given, else the version tag. */
export function publishedReference(req: GateRequest, scheme: Parameters<typeof versionTag>[1]): string {
  if (req.reference) return req.reference;
  if (!req.version)
    throw usageError(
      `The ${req.stage} stage needs the version (or the reference to check).`,
      'Pass --version X.Y.Z, or --reference REPO@sha256:... (the digest assemble wrote).',
    );
  return `${req.image}:${versionTag(req.version, scheme)}`;
}

/** Rows for checks that could not start because the image itself could not be read. */
const notRun = (id: string, title: string, what: string): CheckResult => ({
  id,
  title,
  verdict: 'nothing-checked',
  summary: 'not run: the image could not be read',
  examined: { count: 0, what },
  findings: [],
});

/**
 * post-push (full: platforms, labels, pushed-is-tested, tags) and pre-release (the image for the version exists
 * with every platform and its labels), over one read of the image.
 */
export async function publishedStage(req: GateRequest, ctx: StageContext, full: boolean): Promise<PublishedOutcome> {
  const { config, registry } = ctx.deps;
  const ref = publishedReference(req, config.tags);
  const repo = repositoryName(parseReference(ref));
  let info: ImageInfo | undefined;
  const platforms = await guarded(ctx, { id: 'platforms', title: 'Platforms', what: 'platforms' }, async () => {
    info = await registry.inspect(ref, { signal: ctx.signal });
    return platformsCheck(info, req.platforms);
  });
  if (!info)
    return {
      checks: [
        platforms,
        notRun('labels', 'Labels', 'labels'),
        ...(full ? [notRun('tested', 'Pushed is tested', 'platforms'), notRun('tags', 'Tags', 'tags')] : []),
      ],
      platformDigests: {},
    };
  const image = info;
  const platformDigests = Object.fromEntries(image.platforms.map((p) => [p.platform, p.digest]));
  const labels = await guarded(ctx, { id: 'labels', title: 'Labels', what: 'labels' }, () =>
    Promise.resolve(labelsCheck(image, req.version, req.commit)),
  );
  if (!full) return { checks: [platforms, labels], digest: image.digest, platformDigests };

  const tested = guarded(ctx, { id: 'tested', title: 'Pushed is tested', what: 'platforms' }, async () => {
    const pushed: PushedPlatform[] = await Promise.all(
      image.platforms.map(async (p) => {
        const { configDigest } = await registry.getImageConfig(`${repo}@${p.digest}`, undefined, {
          signal: ctx.signal,
        });
        return { platform: p.platform, manifestDigest: p.digest, configDigest };
      }),
    );
    const lookup = await readRecords(req.record, { image: req.image, version: req.version });
    return testedCheck(pushed, lookup, req.record);
  });
  const tags = guarded(ctx, { id: 'tags', title: 'Tags', what: 'tags' }, async () => {
    if (!req.version) throw usageError('The tags of a release need its version.', 'Pass --version X.Y.Z.');
    const all = await registry.tagDigests(repo, { signal: ctx.signal });
    const plan = releaseTags(
      req.version,
      req.commit,
      config.tags,
      all.map((t) => t.tag),
    );
    return tagsCheck(repo, image.digest, plan, all);
  });
  return { checks: [platforms, labels, ...(await Promise.all([tested, tags]))], digest: image.digest, platformDigests };
}
