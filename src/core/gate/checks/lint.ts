import { SCHEMA } from '../../config/schema';
import type { ReleaseOperatorConfig } from '../../config/schema';
import { lintCheckResult } from '../../lint/check-result';
import { lintOptions } from '../../lint/engine';
import { lintRepository, type LintHooks } from '../../lint/project';
import { normalizeRepoPath } from '../../lint/repo';
import { readRegularFile } from '../../lint/safe-read';
import { checkResult, type CheckResult } from '../../report';
import { guarded, type StageContext } from '../guard';
import type { GateRequest } from '../types';

type LintRequest = Pick<GateRequest, 'root' | 'repository'>;

function optionsFor(config: ReleaseOperatorConfig, req: LintRequest) {
  const byDefault =
    JSON.stringify(config.requiredPlatforms) === JSON.stringify(SCHEMA.fields.requiredPlatforms.default);
  return lintOptions(config, {
    repository: req.repository,
    requiredPlatformsBasis: byDefault ? 'default' : 'configured',
  });
}

function hooks(ctx: StageContext, more: LintHooks = {}): LintHooks {
  return {
    ...more,
    signal: ctx.signal,
    onRuleError: (id, e) => ctx.logger.warn(`lint rule ${id} failed and was skipped: ${String(e)}`),
  };
}

/** Pipeline lint of the repository's Dockerfiles and workflows as one row (one image: its Dockerfile too). */
export function lintRow(req: LintRequest, ctx: StageContext): Promise<CheckResult> {
  return guarded(ctx, PIPELINE_LINT, () =>
    lintWholeRepository(req, ctx, { extraDockerfile: ctx.deps.config.smoke.dockerfile }),
  );
}

const PIPELINE_LINT = { id: 'lint', title: 'Pipeline lint', what: 'Dockerfiles and workflows' };

/** The repository's Dockerfiles and workflows linted as one row, with these hooks. */
async function lintWholeRepository(req: LintRequest, ctx: StageContext, more: LintHooks): Promise<CheckResult> {
  const started = Date.now();
  const run = await lintRepository(
    req.root ?? process.cwd(),
    undefined,
    optionsFor(ctx.deps.config, req),
    hooks(ctx, more),
  );
  return lintCheckResult(run, Date.now() - started);
}

/**
 * Several images: the repository's workflows (and Dockerfiles no image claims) linted once, as one row with no
 * image in its subject, so its findings are not repeated per image. Each image's Dockerfile is a row of that image
 * (imageDockerfileLintRow), left out here.
 */
export function repositoryLintRow(
  req: LintRequest,
  ctx: StageContext,
  imageDockerfiles: readonly string[],
): Promise<CheckResult> {
  return guarded(ctx, PIPELINE_LINT, async () => {
    const row = await lintWholeRepository(req, ctx, { excludeDockerfiles: imageDockerfiles });
    const root = req.root ?? process.cwd();
    const present: string[] = [];
    for (const d of imageDockerfiles)
      if (!present.includes(d) && 'text' in (await readRegularFile(root, normalizeRepoPath(d) ?? d))) present.push(d);
    const aside = present.length ? `; the images' Dockerfiles (${present.join(', ')}) are rows of their own` : '';
    return {
      ...row,
      summary: `${row.summary}${aside}`,
      // No workflow and no other Dockerfile: nothing of the repository's own to lint, while the images' Dockerfiles
      // are linted in their rows; that is not a blocking "nothing checked" (with none of those either, it is).
      ...(row.verdict === 'nothing-checked' && present.length ? { advisory: true } : {}),
      evidence: { ...row.evidence, imageDockerfiles: [...imageDockerfiles] },
    };
  });
}

/**
 * One image's Dockerfile as a lint row of its own (the workflows are read for context, not linted again); an image
 * whose Dockerfile is not in the repository (built elsewhere) has nothing to lint, and the row says where it looked.
 */
export function imageDockerfileLintRow(req: LintRequest, ctx: StageContext): Promise<CheckResult> {
  const { config } = ctx.deps;
  const dockerfile = normalizeRepoPath(config.smoke.dockerfile) ?? config.smoke.dockerfile;
  const meta = { id: 'lint', title: 'Dockerfile lint', subject: dockerfile, what: 'Dockerfiles' };
  return guarded(ctx, meta, async () => {
    const started = Date.now();
    const root = req.root ?? process.cwd();
    const there = await readRegularFile(root, dockerfile);
    if (!('text' in there))
      return checkResult({
        id: meta.id,
        title: meta.title,
        subject: dockerfile,
        examined: { count: 0, what: 'Dockerfiles', lookedFor: `${dockerfile} (${there.skipped})` },
        findings: [],
        advisory: true,
        next: [{ text: `Set the image's "dockerfile" in release-operator.json to the file that builds it` }],
      });
    const run = await lintRepository(root, [dockerfile], optionsFor(config, req), hooks(ctx));
    return { ...lintCheckResult(run, Date.now() - started), title: meta.title, subject: dockerfile };
  });
}
