import { checkGlibc } from '../../glibc';
import { DockerClient, parsePlatform } from '../../container';
import { platformMatches } from '../../registry';
import { checkResult, type CheckResult } from '../../report';
import { runSmoke, smokeOptionsFromConfig } from '../../smoke';
import { dockerfileAnchors } from '../checks/anchors';
import { glibcCheck } from '../checks/glibc';
import { imageDockerfileLintRow, lintRow } from '../checks/lint';
import { smokeChecks } from '../checks/smoke';
import { guarded, type StageContext } from '../guard';
import { writeRecord } from '../record';
import { resolveTargets, type PlatformTarget, type Targets } from '../targets';
import type { GateRecord, GateRequest } from '../types';

export interface PrePushOutcome {
  checks: CheckResult[];
  targets?: Targets;
  /** What smoke ran, per platform, when it passed: the record's content. */
  tested: GateRecord['platforms'];
}

/**
 * pre-push: the images the release is about to push, checked before anything is published. Pipeline lint, glibc
 * per platform and smoke per platform run at the same time (smoke runs its platforms side by side).
 */
export async function prePush(req: GateRequest, ctx: StageContext): Promise<PrePushOutcome> {
  const { config, runner, registry } = ctx.deps;
  const docker = new DockerClient({ runner, dockerPath: config.dockerPath, logger: ctx.logger });
  const skip = new Set(req.skip ?? []);
  let targets: Targets | undefined;
  const images = await guarded(
    ctx,
    { id: 'images', title: 'Images to test', what: 'platforms' },
    async () => {
      targets = await resolveTargets(req, { docker, registry, signal: ctx.signal });
      return imagesCheck(targets, req.platforms);
    },
    { usage: 'rethrow' },
  );
  if (!targets) return { checks: [images], tested: [] };
  const found = targets;
  ctx.emit({ type: 'note', message: `flow: ${flowText(found)}` });

  const byPlatform = found.targets;
  const lint = skip.has('lint')
    ? Promise.resolve([])
    : (req.lintScope === 'image-dockerfile' ? imageDockerfileLintRow(req, ctx) : lintRow(req, ctx)).then((c) => [c]);
  const glibc = skip.has('glibc') ? Promise.resolve([]) : Promise.all(byPlatform.map((t) => glibcFor(ctx, t)));
  const smoke = skip.has('smoke') ? Promise.resolve([]) : smokeAll(req, ctx, byPlatform);
  const [lintChecks, glibcChecks, smokeResult] = await Promise.all([lint, glibc, smoke]);
  const checks = [images, ...lintChecks, ...glibcChecks, ...smokeResult];
  const tested = byPlatform.flatMap((t) => {
    const s = smokeResult.find((c) => c.subject === t.platform);
    const imageId = typeof s?.evidence?.imageId === 'string' ? s.evidence.imageId : undefined;
    const configDigest = imageId ?? t.configDigest;
    return configDigest && (s?.verdict === 'pass' || skip.has('smoke'))
      ? [
          {
            platform: t.platform,
            configDigest,
            reference: t.reference,
            manifestDigest: t.manifestDigest,
            source: t.source,
          },
        ]
      : [];
  });
  // The candidate flow tests what the registry holds: the image the engine ran must be that platform's config.
  if (found.flow === 'candidate') checks.push(...candidateMismatch(found, tested));
  return { checks, targets: found, tested };
}

export function flowText(t: Targets): string {
  return t.flow === 'local'
    ? 'local (each platform built and loaded here under its own reference)'
    : 'candidate (each platform pushed by digest, tested by digest)';
}

function imagesCheck(t: Targets, required: string[]): CheckResult {
  const missing = required.filter((r) => !t.targets.some((x) => platformMatches(parsePlatform(x.platform), r)));
  return checkResult({
    id: 'images',
    title: 'Images to test',
    examined: { count: t.targets.length, what: 'platforms', lookedFor: required.join(', ') },
    findings: missing.map((m) => ({
      severity: 'error' as const,
      subject: m,
      message: `no image for ${m} was given to test, and ${m} is a required platform`,
    })),
    evidence: {
      flow: t.flow,
      images: t.targets.map((x) => `${x.platform} ${x.reference}`),
      required,
    },
    next: missing.length
      ? [{ text: `Build ${missing.join(', ')} and pass it (--local PLATFORM=REF, or --candidate REF)` }]
      : undefined,
  });
}

/** glibc of one platform's image (a local reference or one pinned by digest in the registry). */
export function glibcFor(
  ctx: StageContext,
  t: Pick<PlatformTarget, 'platform' | 'reference' | 'glibcTarget'>,
): Promise<CheckResult> {
  const { config, runner, registry } = ctx.deps;
  return guarded(ctx, { id: 'glibc', title: 'glibc', subject: t.platform, what: 'ELF files' }, async () => {
    const report = await checkGlibc(
      {
        target: t.glibcTarget,
        platforms: [t.platform],
        maxGlibc: config.glibc.maxGlibc || undefined,
        policy: config.glibc.policy || undefined,
        paths: config.glibc.paths,
      },
      {
        runner,
        dockerPath: config.dockerPath,
        engines: config.engines,
        registry,
        logger: ctx.logger,
        signal: ctx.signal,
      },
    );
    return glibcCheck(t.platform, report.platforms[0], t.reference);
  });
}

async function smokeAll(req: GateRequest, ctx: StageContext, targets: PlatformTarget[]): Promise<CheckResult[]> {
  const { config, runner, registry } = ctx.deps;
  const platforms = targets.map((t) => t.platform);
  const references = Object.fromEntries(targets.map((t) => [t.platform, t.reference]));
  let checks: CheckResult[] = [];
  // One smoke run for every platform (side by side); each platform is a check of its own in the report.
  const run = await guarded(
    ctx,
    { id: 'smoke', title: 'Smoke', what: 'steps' },
    async () => {
      const anchors = await dockerfileAnchors(req.root, config.smoke.dockerfile);
      const options = smokeOptionsFromConfig(config, req.root ?? process.cwd(), { platforms, version: req.version });
      const report = await runSmoke(
        { ...options, image: req.image, platformImages: references },
        {
          runner,
          registry,
          signal: ctx.signal,
          logger: ctx.logger,
          onEvent: (event) => ctx.emit({ type: 'smoke', event }),
        },
      );
      checks = smokeChecks(report, references, anchors);
      return {
        id: 'smoke',
        title: 'Smoke',
        verdict: 'pass',
        summary: '',
        examined: { count: 0, what: 'steps' },
        findings: [],
      };
    },
    { announce: false },
  );
  // A run that could not start at all (docker missing, the deadline) is one result for every platform.
  if (!checks.length || run.verdict !== 'pass') checks = targets.map((t) => ({ ...run, subject: t.platform }));
  for (const check of checks) ctx.emit({ type: 'check-finished', check });
  return checks;
}

function candidateMismatch(t: Targets, tested: GateRecord['platforms']): CheckResult[] {
  return t.targets.flatMap((x) => {
    const ran = tested.find((p) => p.platform === x.platform);
    if (!ran || !x.configDigest || ran.configDigest === x.configDigest) return [];
    return [
      checkResult({
        id: 'tested',
        title: 'Tested is pushed',
        subject: x.platform,
        examined: { count: 1, what: 'platforms' },
        findings: [
          {
            severity: 'error',
            subject: x.platform,
            message: `smoke ran image ${ran.configDigest}, but ${x.reference} holds ${x.configDigest}`,
          },
        ],
      }),
    ];
  });
}

/** Writes what passed; returns the file, or undefined when the stage did not pass (nothing to vouch for). */
export async function recordTested(
  req: GateRequest,
  outcome: PrePushOutcome,
  passed: boolean,
  now: Date,
): Promise<string | undefined> {
  if (!passed || !outcome.targets || !outcome.tested.length) return undefined;
  return writeRecord(req.record, {
    schema: 'release-operator/gate-record@1',
    image: req.image,
    version: req.version,
    commit: req.commit,
    flow: outcome.targets.flow,
    platforms: outcome.tested,
    recordedAt: now.toISOString(),
  });
}
