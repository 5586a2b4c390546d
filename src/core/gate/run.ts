import { validateAssetPolicies } from '../assets';
import { CancelledError, usageError } from '../errors';
import { parsePlatform, formatPlatform } from '../container';
import { combineVerdicts, readinessReport, type CheckResult } from '../report';
import { stageContext } from './guard';
import { releaseAssetRows, wantsReleaseAssets } from './checks/assets';
import { flowText, prePush, recordTested } from './stages/pre-push';
import { postRelease } from './stages/post-release';
import { publishedStage } from './stages/published';
import { GATE_STAGES, type GateDeps, type GateRequest, type GateResult } from './types';

/**
 * Runs one gate stage and resolves to its readiness report. A stage fails closed: a check that examined nothing,
 * a fault or the stage's deadline is never a pass, and the report says why. Bad input (an unknown stage, no
 * images to test) throws a 'usage' ReleaseOperatorError before anything runs; the caller's cancel throws
 * CancelledError after everything the stage started (containers) is removed.
 */
export async function runGate(req: GateRequest, deps: GateDeps): Promise<GateResult> {
  if (!GATE_STAGES.includes(req.stage))
    throw usageError(`'${String(req.stage)}' is not a gate stage.`, `Pick one of: ${GATE_STAGES.join(', ')}.`);
  if (!req.image) throw usageError('The gate needs the image repository.', 'Pass --image REGISTRY/REPOSITORY.');
  if (!req.platforms.length)
    throw usageError(
      'The gate needs the required platforms.',
      'Pass --platforms linux/amd64,linux/arm64 or set requiredPlatforms.',
    );
  req = { ...req, platforms: req.platforms.map((p) => formatPlatform(parsePlatform(p))) };
  // A policy name that does not resolve is bad input, said before anything runs (exit 2).
  if (wantsReleaseAssets(req, deps.config)) validateAssetPolicies(deps.config.glibc.assets);
  const ctx = stageContext(deps, req.timeoutSeconds, req.graceMs);
  const context: Record<string, string> = {};
  if (req.commit) context.commit = req.commit;
  ctx.emit({ type: 'stage-started', stage: req.stage, image: req.image, version: req.version });
  let checks: CheckResult[] = [];
  let digest: string | undefined;
  let platformDigests: Record<string, string> = {};
  let recordPath: string | undefined;
  try {
    switch (req.stage) {
      case 'pre-push': {
        const outcome = await prePush(req, ctx);
        checks = outcome.checks;
        if (outcome.targets) context.flow = flowText(outcome.targets);
        platformDigests = Object.fromEntries(
          outcome.tested.map((t) => [t.platform, t.manifestDigest ?? t.configDigest]),
        );
        const passed = combineVerdicts(checks.map((c) => c.verdict)) === 'pass';
        recordPath = await recordTested(req, outcome, passed, ctx.now());
        context.record = recordPath ? `written to ${recordPath}` : 'not written (the stage did not pass)';
        break;
      }
      case 'post-push':
      case 'pre-release': {
        const assets = wantsReleaseAssets(req, deps.config) ? releaseAssetRows(req, ctx) : undefined;
        const outcome = await publishedStage(req, ctx, req.stage === 'post-push');
        ({ checks, digest, platformDigests } = outcome);
        if (assets) checks = [...checks, ...(await assets)];
        if (req.stage === 'post-push') context.record = `read from ${req.record}`;
        break;
      }
      case 'post-release':
        checks = await postRelease(req, ctx);
        break;
    }
  } finally {
    ctx.dispose();
  }
  if (deps.signal?.aborted) throw new CancelledError();
  for (const s of req.skip ?? []) context[`skipped ${s}`] = 'asked for';
  const report = readinessReport(checks, {
    image: req.image,
    version: req.version,
    stage: req.stage,
    context,
    now: () => ctx.now(),
  });
  return { report, digest, platformDigests, recordPath };
}
