import * as vscode from 'vscode';
import { CancelledError, describeError } from '../core/errors';
import { neutralizeBlock } from '../core/neutralize';
import { describeWait, runOperation } from '../core/operation';
import type { ReleaseOperatorServices } from './services';

export type Report = (message: string) => void;

/**
 * Runs long work under a cancellable notification, as one operation (its requests and time count against the
 * limits together). Cancel aborts the AbortSignal the engine was given, so the work really stops (processes are
 * killed, containers removed by the engine's cleanup). A retry or a wait of a few seconds shows in the notification,
 * with its reason and length.
 */
export async function withCancellableProgress<T>(
  services: ReleaseOperatorServices,
  title: string,
  work: (signal: AbortSignal, report: Report) => Promise<T>,
): Promise<T | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        const report: Report = (message) => progress.report({ message });
        // The work's calls carry the operation's signal (which follows the cancel): they belong to it.
        return await runOperation((signal) => work(signal, report), {
          onWait: (n) => report(describeWait(n)),
          signal: abort.signal,
        });
      } catch (e) {
        if (e instanceof CancelledError || abort.signal.aborted) {
          services.logger.info(`${title}: cancelled`);
          void vscode.window.showInformationMessage(vscode.l10n.t('{0}: cancelled.', title));
          return undefined;
        }
        reportError(services, title, e);
        return undefined;
      } finally {
        sub.dispose();
      }
    },
  );
}

/** What failed and what to do, in a notification with a way to the log; never a stack trace. */
function reportError(services: ReleaseOperatorServices, what: string, e: unknown): void {
  const text = neutralizeBlock(describeError(e));
  services.logger.error(`${what}: ${text}`);
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(`${what}: ${text.replace(/\n\s*/g, ' ')}`, showLog).then((pick) => {
    if (pick) services.log.show(true);
  });
}

/**
 * Wraps a command handler so that a failure becomes reportError's notification: a command never throws into
 * the workbench (which would show a bare stack), and resolves to undefined when it failed.
 */
export function guarded<A extends unknown[], R>(
  services: ReleaseOperatorServices,
  what: string,
  fn: (...a: A) => Promise<R>,
): (...a: A) => Promise<R | undefined> {
  return async (...a: A) => {
    try {
      return await fn(...a);
    } catch (e) {
      reportError(services, what, e);
      return undefined;
    }
  };
}
