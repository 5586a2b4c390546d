/**
 * Every failure the product reports to a person goes through ReleaseOperatorError: what failed (message)
 * and what to do next (hint). The kind decides the CLI exit code, so CI can tell a bad release (1) from
 * bad usage (2) and an environment that could not run the check (3).
 */
export type ErrorKind = 'check' | 'usage' | 'environment';

export const EXIT_CODES: Record<ErrorKind | 'ok', number> = { ok: 0, check: 1, usage: 2, environment: 3 };

export class ReleaseOperatorError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReleaseOperatorError';
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

export const usageError = (message: string, hint?: string) => new ReleaseOperatorError('usage', message, hint);
export const environmentError = (message: string, hint?: string, cause?: unknown) =>
  new ReleaseOperatorError('environment', message, hint, { cause });
export const checkError = (message: string, hint?: string) => new ReleaseOperatorError('check', message, hint);

export function isReleaseOperatorError(e: unknown): e is ReleaseOperatorError {
  return e instanceof ReleaseOperatorError;
}

/** A one-line description of any thrown value, for places that must not show a stack trace. */
export function describeError(e: unknown): string {
  if (e instanceof ReleaseOperatorError) return e.hint ? `${e.message}\n  ${e.hint}` : e.message;
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** Thrown by long operations when their AbortSignal fires, so callers can tell cancel from failure. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
