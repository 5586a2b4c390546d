import * as vscode from 'vscode';
import { usageError } from '../../core/errors';
import type { PrunePlan, PruneResult } from '../../core/retention';
import { guarded, withCancellableProgress } from '../progress';
import type { CommandContext, Handler } from './context';
import { confirm, imageRepositoryOf } from './pick';

/** Options a caller (tests, keybindings, other extensions) may pass instead of a tree node. */
interface PruneArgs {
  /** Skip the modal confirmation (the plan is still computed and shown). */
  confirmed?: boolean;
  /** Only plan, never ask. */
  dryRun?: boolean;
  /** Count ages from this time instead of now (ISO): a plan "as of" a date, and tests that never depend on today. */
  asOf?: string;
}

async function showText(content: string): Promise<void> {
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'log', content }), {
    preview: true,
  });
}

/**
 * Prune in the editor, as the rollback command does it: the engine plans first (nothing changes), the plan is
 * shown whole (every deletion with its reason), a modal asks, and only then the plan is applied; the result
 * says whether every kept tag still resolves with all its platforms.
 */
export function pruneCommands(ctx: CommandContext): Record<string, Handler> {
  const { services } = ctx;
  return {
    prune: guarded(services, vscode.l10n.t('Prune'), async (arg?: unknown) => {
      const args: PruneArgs = arg && typeof arg === 'object' && !('id' in arg) ? arg : {};
      const f = await ctx.facts();
      const repository = imageRepositoryOf(f);
      const now = args.asOf ? () => new Date(args.asOf!) : () => new Date();
      if (args.asOf && Number.isNaN(now().getTime()))
        throw usageError(
          vscode.l10n.t('asOf {0} is not a time.', JSON.stringify(args.asOf)),
          vscode.l10n.t('Give an ISO time like 2024-06-01T00:00:00Z.'),
        );
      const plan: PrunePlan | undefined = await withCancellableProgress(
        services,
        vscode.l10n.t('Planning prune of {0}', repository),
        (signal) => ctx.engines.prunePlan(f.config, repository, now, signal),
      );
      if (!plan) return;
      await showText(await ctx.engines.pruneText(plan));
      if (!plan.deletions.length) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('{0}: nothing to prune ({1} tags kept).', repository, plan.counts.keptTags),
        );
        return { plan, applied: false };
      }
      if (args.dryRun) return { plan, applied: false };
      const goes = plan.deletedTags.slice(0, 6).map((t) => t.tag);
      const ok =
        args.confirmed ||
        (await confirm(
          vscode.l10n.t(
            'Delete {0} manifest(s) and {1} tag(s) from {2}?',
            plan.counts.deletedManifests,
            plan.counts.deletedTags,
            repository,
          ),
          vscode.l10n.t(
            'Tags that go: {0} (the plan is open in the editor, each with its reason). Kept: {1} tags with every platform, attestation and signature they reach. {2}',
            plan.deletedTags.length > goes.length
              ? vscode.l10n.t('{0}, and {1} more', goes.join(', '), plan.deletedTags.length - goes.length)
              : goes.join(', '),
            plan.counts.keptTags,
            plan.backend === 'github-packages'
              ? vscode.l10n.t('GitHub keeps deleted package versions for 30 days.')
              : vscode.l10n.t('A registry cannot undo a delete.'),
          ),
          vscode.l10n.t('Delete'),
        ));
      if (!ok) return { plan, applied: false };
      const result: PruneResult | undefined = await withCancellableProgress(
        services,
        vscode.l10n.t('Pruning {0}', repository),
        (signal, report) =>
          ctx.engines.pruneApply(f.config, plan, now, signal, (done, total) =>
            report(vscode.l10n.t('{0} of {1}', done, total)),
          ),
      );
      if (!result) return { plan, applied: false };
      ctx.refresh();
      await showText(await ctx.engines.pruneText(plan, result));
      services.logger.info(
        `prune ${repository}: ${result.counts.deleted} deleted, ${result.counts.failed} failed; ${result.verification.summary}`,
      );
      const clean = result.verification.verdict === 'pass' && !result.counts.failed && !result.counts.skipped;
      const message = vscode.l10n.t(
        '{0}: {1} deleted; {2}',
        repository,
        result.counts.deleted,
        result.verification.summary,
      );
      if (clean) void vscode.window.showInformationMessage(message);
      else
        void vscode.window.showWarningMessage(
          vscode.l10n.t('{0}; {1} failed, {2} skipped', message, result.counts.failed, result.counts.skipped),
        );
      return { plan, applied: true, result };
    }),
  };
}
