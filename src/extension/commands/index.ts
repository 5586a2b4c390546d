import * as vscode from 'vscode';
import type { CommandContext, Handler } from './context';
import { basicCommands } from './basic';
import { imageCommands } from './image';
import { smokeCommands } from './smoke';
import { githubCommands } from './github';
import { pruneCommands } from './prune';
import { readinessCommands } from './readiness';
import { guarded } from '../progress';

/**
 * Every command the extension contributes is registered here, from one table per area, so a test can
 * compare the registered set with package.json.
 */
export function registerCommands(context: vscode.ExtensionContext, ctx: CommandContext): void {
  const table: Record<string, Handler> = {
    ...basicCommands(ctx),
    ...imageCommands(ctx),
    ...smokeCommands(ctx),
    ...githubCommands(ctx),
    ...pruneCommands(ctx),
    ...readinessCommands(ctx),
    discoverImages: guarded(ctx.services, vscode.l10n.t('Discover images'), (arg?: { confirmed?: boolean }) =>
      ctx.offers.discover(arg),
    ),
  };
  for (const [id, fn] of Object.entries(table))
    context.subscriptions.push(vscode.commands.registerCommand(`releaseOperator.${id}`, fn));
}
