import { CancelledError, ReleaseOperatorError, describeError } from '../errors';
import type { EnvironmentProblem, SmokeEvent, StepName, StepResult } from './types';

/** Thrown inside a step to fail it: `environment` when this machine, not the image, is at fault. */
export class StepFailure extends Error {
  constructor(
    readonly detail: string,
    readonly environment?: EnvironmentProblem,
  ) {
    super(detail);
  }
}

export interface StepOutcome {
  detail: string;
}

/** Why a platform stopped before its last step. */
export type Stop = { kind: 'failed' | 'environment' | 'cancelled'; step: StepName; environment?: EnvironmentProblem };

/**
 * Runs one step: emits started/finished, times it, and turns every way it can end into a StepResult.
 * Returns the stop reason when the platform must not go on.
 */
export async function runStep(
  platform: string,
  name: StepName,
  emit: (e: SmokeEvent) => void,
  steps: StepResult[],
  body: () => Promise<StepOutcome>,
): Promise<Stop | undefined> {
  emit({ type: 'step-started', platform, step: name });
  const started = Date.now();
  let result: StepResult;
  let stop: Stop | undefined;
  try {
    const out = await body();
    result = { name, passed: true, durationMs: Date.now() - started, detail: out.detail };
  } catch (e) {
    const durationMs = Date.now() - started;
    if (e instanceof CancelledError) {
      result = { name, passed: false, skipped: true, durationMs, detail: 'cancelled' };
      stop = { kind: 'cancelled', step: name };
    } else if (e instanceof StepFailure) {
      result = { name, passed: false, durationMs, detail: e.detail };
      stop = { kind: e.environment ? 'environment' : 'failed', step: name, environment: e.environment };
    } else if (e instanceof ReleaseOperatorError && e.kind === 'environment') {
      result = { name, passed: false, durationMs, detail: e.message };
      stop = { kind: 'environment', step: name, environment: { message: e.message, hint: e.hint } };
    } else {
      result = { name, passed: false, durationMs, detail: describeError(e) };
      stop = { kind: 'failed', step: name };
    }
  }
  steps.push(result);
  emit({ type: 'step-finished', platform, step: result });
  return stop;
}
