import { logs, parsePlatform, psRow, removeContainers, removeImages, runsNatively, smokeLabels } from '../container';
import { STEPS, type PlatformRun } from './platformSteps';
import type { EngineRun, RunContext } from './runContext';
import { runStep, type Stop } from './step';
import type { PlatformResult, SmokeOptions, StepName } from './types';

const CLEANUP_TIMEOUT_MS = 60_000;

/** Steps that need nothing but the image, run one after the other. */
const BEFORE: readonly StepName[] = ['emulation', 'build', 'image'];
/** The two branches run at the same time once the image is known: the commands, and the service. */
const COMMANDS: readonly StepName[] = ['help', 'version'];
const SERVICE: readonly StepName[] = ['start', 'health'];

/**
 * build -> image, then help -> version beside start -> health for one platform, then evidence and cleanup.
 * The two branches are independent (the commands and the service run in containers of their own), so they
 * run at the same time and both report: a broken --help does not hide whether the service comes up. A failed
 * step stops only the later steps of its own branch; the platform's failed step is the first in plan order.
 */
export async function smokePlatform(ctx: RunContext, platform: string): Promise<PlatformResult> {
  const run = startRun(ctx, platform);
  const { result, names, created } = run;
  const planned = plan(ctx.options, result.emulated);
  const stops: Stop[] = [];
  /** Runs a branch's planned steps in order until one does not pass; true when all passed. */
  const branch = async (steps: readonly StepName[]): Promise<boolean> => {
    for (const name of planned.filter((n) => steps.includes(n))) {
      const stop = await runStep(
        platform,
        name,
        (e) => ctx.emit(e),
        result.steps,
        () => STEPS[name](run),
      );
      if (stop) {
        stops.push(stop);
        return false;
      }
    }
    return true;
  };

  ctx.emit({
    type: 'platform-started',
    platform,
    emulated: result.emulated,
    deadlineSeconds: result.deadlineSeconds,
    engine: run.engine.named ? `${run.engine.name} (${run.engine.hostArch})` : undefined,
  });
  if (ctx.signal?.aborted) stops.push({ kind: 'cancelled', step: planned[0] });
  else if (await branch(BEFORE)) {
    await Promise.all([
      branch(COMMANDS).then(async (passed) => {
        // Passed command containers are not evidence: remove them while the service is still being checked.
        const done = created.containers.filter((c) => c === names.help || c === names.version);
        if (passed && done.length && (await removeNow(ctx, run.engine, done)))
          created.containers = created.containers.filter((c) => !done.includes(c));
      }),
      branch(SERVICE),
    ]);
  }

  const stop = settle(ctx, result, planned, stops);
  // Evidence comes from the container the failed step ran in.
  const containerOf: Partial<Record<StepName, string>> = {
    help: names.help,
    version: names.version,
    start: names.service,
    health: names.service,
  };
  const container = stop && containerOf[stop.step];
  if (stop && stop.kind !== 'cancelled' && container && created.containers.includes(container))
    await collectEvidence(ctx, run.engine, result, container);
  // A cancelled run's final sweep removes everything with the run's label (and settles killed creates) at once.
  if (!ctx.signal?.aborted) ctx.cleanupFailed ||= !(await cleanupPlatform(ctx, run.engine, created));
  result.durationMs = Date.now() - run.startedAt;
  ctx.emit({ type: 'platform-finished', platform, result });
  return result;
}

/** The platform's run before its first step: names, labels, an empty result. */
function startRun(ctx: RunContext, platform: string): PlatformRun & { startedAt: number } {
  const o = ctx.options;
  const p = parsePlatform(platform);
  const engine = ctx.engineOf(platform);
  const emulated = !runsNatively(engine.hostArch, p);
  const deadlineSeconds = emulated ? o.emulatedTimeoutSeconds : o.timeoutSeconds;
  const slug = platform.replace(/\//g, '-');
  return {
    ctx,
    engine,
    platform,
    p,
    deadlineSeconds,
    labels: smokeLabels(ctx.runId, platform, o.labels),
    names: {
      help: `ro-smoke-${ctx.runId}-${slug}-help`,
      version: `ro-smoke-${ctx.runId}-${slug}-version`,
      service: `ro-smoke-${ctx.runId}-${slug}`,
    },
    created: { containers: [], images: [] },
    result: {
      platform,
      passed: false,
      outcome: 'failed',
      emulated,
      deadlineSeconds,
      steps: [],
      durationMs: 0,
      engine: { name: engine.name, architecture: engine.hostArch, configured: engine.configured, named: engine.named },
    },
    service: { started: 0, port: 0 },
    startedAt: Date.now(),
  };
}

/** The steps this platform runs, in order: what the options ask for. */
function plan(o: SmokeOptions, emulated: boolean): StepName[] {
  return [
    ...(emulated ? (['emulation'] as const) : []),
    ...(o.build ? (['build'] as const) : []),
    'image',
    ...(o.helpArgs.length ? (['help'] as const) : []),
    ...(o.versionArgs.length ? (['version'] as const) : []),
    ...(o.port ? (['start', 'health'] as const) : []),
  ];
}

/**
 * The platform's outcome from where its branches stopped: the first stop in plan order (or a cancel), with the
 * steps that never ran listed as skipped, so every platform shows the same plan. Returns that stop.
 */
function settle(ctx: RunContext, result: PlatformResult, planned: StepName[], stops: Stop[]): Stop | undefined {
  const order = (n: StepName) => planned.indexOf(n);
  let stop = stops.sort((a, b) => order(a.step) - order(b.step))[0];
  if (ctx.signal?.aborted && (!stop || stop.kind !== 'cancelled'))
    stop = { kind: 'cancelled', step: stop?.step ?? planned[0] };
  for (const name of planned.filter((n) => !result.steps.some((s) => s.name === n))) {
    result.steps.push({
      name,
      passed: false,
      skipped: true,
      durationMs: 0,
      detail: stop?.kind === 'cancelled' ? 'cancelled' : `not run: ${stop?.step ?? 'an earlier step'} did not pass`,
    });
  }
  result.steps.sort((a, b) => order(a.name) - order(b.name));
  if (!stop) {
    result.passed = true;
    result.outcome = 'passed';
  } else {
    result.outcome = stop.kind;
    result.failedStep = stop.step;
    result.environmentProblem = stop.environment;
  }
  return stop;
}

/** Removes containers at once; false (and a warning) when that failed, so the final cleanup tries again. */
async function removeNow(ctx: RunContext, engine: EngineRun, containers: string[]): Promise<boolean> {
  try {
    await engine.docker.exec(removeContainers(containers), { timeoutMs: CLEANUP_TIMEOUT_MS });
    return true;
  } catch (e) {
    ctx.logger.warn(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}

async function collectEvidence(
  ctx: RunContext,
  engine: EngineRun,
  result: PlatformResult,
  container: string,
): Promise<void> {
  try {
    result.psRow = await engine.docker.exec(psRow(container));
    const lines = await engine.docker.exec(logs(container, ctx.options.logTail));
    result.logs = lines;
  } catch (e) {
    ctx.logger.warn(`could not collect the evidence of ${container}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Removes what this platform created, with a fresh signal: it must run after a cancel too. False when something
 * failed.
 */
async function cleanupPlatform(
  ctx: RunContext,
  engine: EngineRun,
  created: { containers: string[]; images: string[] },
): Promise<boolean> {
  try {
    if (created.containers.length)
      await engine.docker.exec(removeContainers(created.containers), { timeoutMs: CLEANUP_TIMEOUT_MS });
    if (created.images.length)
      await engine.docker.exec(removeImages(created.images), { timeoutMs: CLEANUP_TIMEOUT_MS });
    return true;
  } catch (e) {
    ctx.logger.warn(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}
