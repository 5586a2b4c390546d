import { gatherAndAudit } from '../../audit';
import { usageError } from '../../errors';
import type { CheckResult } from '../../report';
import { auditCheck } from '../checks/audit';
import { guarded, type StageContext } from '../guard';
import type { GateRequest } from '../types';

/** post-release: the release consistency audit for the version just released (its Release must now exist). */
export async function postRelease(req: GateRequest, ctx: StageContext): Promise<CheckResult[]> {
  const { config, registry, github, gitTags } = ctx.deps;
  const version = req.version;
  if (!version) throw usageError('The post-release stage needs the version.', 'Pass --version X.Y.Z.');
  const check = await guarded(ctx, { id: 'audit', title: 'Release consistency', what: 'versions' }, async () => {
    if (!github || 'unavailable' in github)
      return {
        id: 'audit',
        title: 'Release consistency',
        verdict: 'environment',
        summary: `could not run: GitHub Releases cannot be read (${github && 'unavailable' in github ? github.unavailable : 'no GitHub repository'})`,
        examined: { count: 0, what: 'versions' },
        findings: [],
        next: [
          {
            text: 'Give a token that may read the repository (github-token in the Action; GITHUB_TOKEN for the CLI) and --repo OWNER/NAME when there is no GitHub remote',
          },
        ],
      };
    const report = await gatherAndAudit({
      image: req.image,
      gitTags: gitTags ?? [],
      config,
      source: registry,
      github,
      signal: ctx.signal,
    });
    return auditCheck(report, version);
  });
  return [check];
}
