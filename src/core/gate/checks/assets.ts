import { releaseAssetChecks } from '../../assets';
import type { ReleaseOperatorConfig } from '../../config/schema';
import { limitsFrom } from '../../limits';
import { checkResult, type CheckResult } from '../../report';
import { choosePrefix } from '../../version/scheme';
import { guarded, type StageContext } from '../guard';
import type { GateRequest } from '../types';

const META = { id: 'release-assets', title: 'Release assets', what: 'assets with Linux binaries' };

/**
 * Whether pre-release checks the Release's assets: when release-operator.json names a policy for assets
 * (glibc.assets) or the stage is asked to (--release-assets / the release-assets input, held to glibc.policy).
 * glibc.policy alone does not ask: it is also the policy of images and files, and a release of images only has no
 * Linux binary among its assets, which would stop it as nothing checked.
 */
export function wantsReleaseAssets(
  req: Pick<GateRequest, 'stage' | 'releaseAssets' | 'skip'>,
  config: ReleaseOperatorConfig,
): boolean {
  if (req.stage !== 'pre-release' || req.skip?.includes(META.id)) return false;
  return Boolean(req.releaseAssets) || Object.keys(config.glibc.assets).length > 0;
}

/**
 * The Release's assets (a draft's, read before publication) as rows: one per asset with Linux binaries (the floor
 * it needs, its policy and where the policy came from), then the Release's own row, which is nothing-checked when
 * no asset held a Linux binary. Assets are found by the version's git tag.
 */
export async function releaseAssetRows(req: GateRequest, ctx: StageContext): Promise<CheckResult[]> {
  const { config, github } = ctx.deps;
  const tag = releaseTag(req, ctx);
  let rows: CheckResult[] = [];
  const release = await guarded(ctx, { ...META, subject: tag }, async () => {
    if (!tag)
      return checkResult({
        ...META,
        examined: { count: 0, what: META.what, lookedFor: 'the tag of the Release', foundInstead: 'no version' },
        findings: [],
        next: [{ text: 'Pass --version X.Y.Z (the Action takes it from the pushed tag)' }],
      });
    if (!github || 'unavailable' in github)
      return {
        ...META,
        subject: tag,
        verdict: 'environment',
        summary: `could not run: GitHub Releases cannot be read (${github?.unavailable ?? 'no GitHub repository'})`,
        examined: { count: 0, what: META.what },
        findings: [],
        next: [
          {
            text: 'Give a token that may read the repository (github-token in the Action; GITHUB_TOKEN for the CLI) and --repo OWNER/NAME when there is no GitHub remote',
          },
        ],
      };
    rows = await releaseAssetChecks(
      {
        repo: github.repo,
        tag,
        policies: {
          patterns: config.glibc.assets,
          fallback: { policy: config.glibc.policy, maxGlibc: config.glibc.maxGlibc },
        },
      },
      { github: github.client, limits: limitsFrom(config), signal: ctx.signal, logger: ctx.logger },
    );
    // The Release's row comes last; it is this check's own.
    return rows.pop()!;
  });
  return [...rows, release];
}

/**
 * The Release's tag: the version's git tag when the facts found it for this version, else the version under the
 * git prefix (configured, or inferred from the repository's tags: v1.2.3 by default).
 */
function releaseTag(req: GateRequest, ctx: StageContext): string | undefined {
  if (!req.version) return req.gitTag?.name;
  if (req.gitTag?.name.endsWith(req.version)) return req.gitTag.name;
  const names = (ctx.deps.gitTags ?? []).map((t) => t.name);
  return `${choosePrefix('git', ctx.deps.config.tags.gitPrefix, names).prefix}${req.version}`;
}
