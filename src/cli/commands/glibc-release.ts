import type { CliContext, CommandOutcome } from '../framework';
import { githubContext } from './github-context';

/** The options of `glibc` that `--release` reads. */
export interface ReleaseAssetOptions {
  maxGlibc?: string;
  policy?: string;
  asset?: string[];
  repo?: string;
}

/** `glibc --release TAG`: the Release's assets as readiness-report rows, their floors and policies in text and JSON. */
export async function releaseAssets(ctx: CliContext, tag: string, o: ReleaseAssetOptions): Promise<CommandOutcome> {
  const [{ config, repo, gh }, { checkReleaseAssets }, { limitsFrom }, report] = await Promise.all([
    githubContext(ctx, o.repo),
    import('../../core/assets'),
    import('../../core/limits'),
    import('../../core/report'),
  ]);
  const outcome = await checkReleaseAssets(
    {
      repo,
      tag,
      select: o.asset,
      policies: {
        flag: o.policy || o.maxGlibc ? { policy: o.policy, maxGlibc: o.maxGlibc } : undefined,
        patterns: config.glibc.assets,
        fallback: { policy: config.glibc.policy, maxGlibc: config.glibc.maxGlibc },
      },
    },
    { github: gh, limits: limitsFrom(config), signal: ctx.signal, logger: ctx.logger },
  );
  const r = report.readinessReport(outcome.checks);
  const heading = `glibc release ${repo.owner}/${repo.name} ${outcome.release?.draft ? `${tag} (draft)` : tag}`;
  return {
    ok: r.verdict === 'pass',
    exitCode: report.exitCodeOf(r.verdict),
    text: report.renderReport(r, heading),
    data: {
      ...r,
      checked: report.totalExamined(r.checks),
      release: outcome.release ?? null,
      assets: outcome.assets.map((a) => ({
        name: a.name,
        size: a.size,
        status: a.status,
        reason: a.reason ?? null,
        kind: a.archive?.kind ?? null,
        policy: a.policy?.target?.source ?? null,
        platforms: (a.platforms ?? []).map((p) => ({
          platform: p.platform,
          needs: p.required ?? null,
          ok: p.ok,
          binaries: p.binaries.map((b) => ({ path: b.path, needs: b.required ?? null, ok: b.ok, missing: b.missing })),
        })),
      })),
    },
  };
}
