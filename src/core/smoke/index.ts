/**
 * The smoke gate: for each platform, build or take the image, check it is that platform, run its help and
 * version commands, start it and poll its health endpoint; evidence on failure; every container and temporary
 * image removed afterwards (success, failure, timeout, cancel).
 *
 * Use from a face (CLI, VS Code):
 *
 *   import { runSmoke, smokeOptionsFromConfig } from '../core/smoke';
 *   const overrides = { image: 'ghcr.io/o/n:1.2.3', platforms: ['linux/arm64'] };
 *   const options = smokeOptionsFromConfig(config, repoRoot, overrides);
 *   const report = await runSmoke(options, { runner: runProcess, signal, logger, onEvent: (e) => ... });
 *
 * - `runSmoke(options: SmokeOptions, deps: SmokeDeps): Promise<SmokeReport>`
 *   Throws ReleaseOperatorError before any platform starts: 'usage' (no platform/image, bad pattern),
 *   'environment' (docker missing, daemon down). Everything else ends up in the report:
 *   `report.outcome` is 'passed' | 'failed' (an image is broken: exit 1) | 'environment' (nothing failed, but a
 *   platform could not be checked here: exit 3) | 'cancelled' (deps.signal fired; cleanup already done).
 * - Per platform (`report.platforms[]`): `{ platform, passed, outcome, emulated, deadlineSeconds, imageId?,
 *   steps: [{ name, passed, skipped?, durationMs, detail }], failedStep?, psRow?, logs?, exit?,
 *   environmentProblem?: { message, hint? }, durationMs }`. Steps, in order: emulation (non-native only),
 *   build (--build only), image, help, version (when configured), start + health (when a port is set).
 *   Skipped steps are listed too, so every platform shows the whole plan.
 * - Events (`deps.onEvent`): run-started, note (e.g. the BuildKit fallback), platform-started, step-started,
 *   step-finished, output (build output lines), platform-finished, run-finished. Platforms run in parallel,
 *   so events of different platforms interleave; each carries its platform.
 * - Containers and images carry `release-operator=1` and `release-operator.smoke=<runId>`; `cleanupSmoke()`
 *   removes what a crashed run left (all runs, or one run id).
 * - `smokeJUnit(report)` renders JUnit XML for CI.
 */
export { runSmoke } from './run';
export { smokeOptionsFromConfig, type SmokeOverrides } from './options';
export { smokeJUnit } from './junit';
export { cleanupSmoke, type SmokeCleanupResult } from './cleanup';
export type {
  EnvironmentProblem,
  PlatformOutcome,
  PlatformResult,
  SmokeDeps,
  SmokeEvent,
  SmokeOptions,
  SmokeOutcome,
  SmokeReport,
  StepName,
  StepResult,
} from './types';
