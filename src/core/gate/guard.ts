import { CancelledError, describeError, ReleaseOperatorError } from '../errors';
import { nullLogger, type Logger } from '../log';
import { linkSignal } from '../operation';
import type { CheckResult, NextAction } from '../report';
import type { GateDeps, GateEvent } from './types';

/** What every check of one stage run shares: the stage's signal (cancel or deadline) and where events go. */
export interface StageContext {
  deps: GateDeps;
  /** Fires on cancel and when the stage's deadline passes. */
  signal: AbortSignal;
  timeoutSeconds: number;
  timedOut(): boolean;
  /** How long a check may still take to wind down (remove its containers) once the signal fired. */
  graceMs: number;
  emit(e: GateEvent): void;
  logger: Logger;
  now(): Date;
}

/** A stage context whose signal fires on the caller's cancel and after `timeoutSeconds`. */
export function stageContext(
  deps: GateDeps,
  timeoutSeconds: number,
  graceMs = 30_000,
): StageContext & { dispose(): void } {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutSeconds * 1000);
  const signal = linkSignal(deps.signal, deadline.signal);
  const logger = deps.logger ?? nullLogger;
  return {
    deps,
    signal,
    timeoutSeconds,
    timedOut: () => deadline.signal.aborted && !deps.signal?.aborted,
    graceMs,
    emit: (e) => {
      try {
        deps.onEvent?.(e);
      } catch (err) {
        logger.warn(`a gate event listener failed: ${describeError(err)}`);
      }
    },
    logger,
    now: deps.now ?? (() => new Date()),
    dispose: () => clearTimeout(timer),
  };
}

export interface CheckMeta {
  id: string;
  title: string;
  subject?: string;
  /** What it counts ("platforms"), for the result it gets when it could not run. */
  what: string;
}

/**
 * Runs one check and always ends with a result: a fault becomes 'environment' (or 'problem' when the engine said
 * the release lacks something), the stage's deadline becomes 'environment' with the time it had. Only the
 * caller's own cancel escapes, as CancelledError.
 */
export async function guarded(
  ctx: StageContext,
  meta: CheckMeta,
  run: () => Promise<CheckResult>,
  /** announce: emit check-started/-finished; usage: rethrow bad input (only for a stage's first check, when
   *  nothing else runs yet: the caller then says what to fix, exit 2). */
  options: { announce?: boolean; usage?: 'rethrow' } = {},
): Promise<CheckResult> {
  const announce = options.announce !== false;
  if (announce) ctx.emit({ type: 'check-started', id: meta.id, title: meta.title, subject: meta.subject });
  const started = Date.now();
  let result: CheckResult;
  try {
    if (ctx.signal.aborted) throw new CancelledError();
    result = await settleOrGiveUp(run(), ctx);
    if (ctx.timedOut()) result = timedOut(ctx, meta);
  } catch (e) {
    if (ctx.deps.signal?.aborted) throw e instanceof CancelledError ? e : new CancelledError();
    if (options.usage === 'rethrow' && e instanceof ReleaseOperatorError && e.kind === 'usage') throw e;
    result = ctx.timedOut() ? timedOut(ctx, meta) : faultResult(meta, e);
  }
  result = { ...result, durationMs: result.durationMs ?? Date.now() - started };
  if (announce) ctx.emit({ type: 'check-finished', check: result });
  return result;
}

function timedOut(ctx: StageContext, meta: CheckMeta): CheckResult {
  return {
    ...meta,
    verdict: 'environment',
    summary: `could not run: did not finish within the stage's ${ctx.timeoutSeconds} s`,
    examined: { count: 0, what: meta.what },
    findings: [],
    next: [{ text: 'Find what is slow in the log (--verbose), or give the stage more time with --timeout' }],
  };
}

/** A check that threw: the error's kind decides the verdict; its hint becomes the next action. */
export function faultResult(meta: CheckMeta, e: unknown): CheckResult {
  const known = e instanceof ReleaseOperatorError;
  const message = known ? e.message : `unexpected error: ${describeError(e)}`;
  const next: NextAction[] = known
    ? e.hint
      ? [{ text: e.hint }]
      : []
    : [{ text: 'This is a bug in Release Operator; run again with --verbose and report it' }];
  const problem = known && e.kind === 'check';
  return {
    id: meta.id,
    title: meta.title,
    subject: meta.subject,
    verdict: problem ? 'problem' : 'environment',
    summary: problem ? message : `could not run: ${message}`,
    examined: { count: 0, what: meta.what },
    findings: problem ? [{ severity: 'error', message, subject: meta.subject }] : [],
    next,
  };
}

/**
 * The check's own result, unless the stage's signal fired and the check has not finished `graceMs` later (it
 * ignores the signal, or something under it hangs): then it is given up on, so a stage always ends.
 */
function settleOrGiveUp<T>(work: Promise<T>, ctx: StageContext): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const givenUp = new Promise<never>((_, reject) => {
    onAbort = () => {
      timer = setTimeout(() => reject(new CancelledError('the check did not stop')), ctx.graceMs);
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  givenUp.catch(() => undefined);
  return Promise.race([work, givenUp]).finally(() => {
    clearTimeout(timer);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
  });
}
