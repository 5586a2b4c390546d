import * as vscode from 'vscode';
import { guarded } from '../progress';
import type { ReleaseNode } from '../tree/model';
import type { CommandContext, Handler } from './context';
import { READINESS_VIEW } from '../readiness/view';
import { whichImages } from './whichImage';

/** The Readiness view: build the report, pick the version, open a row's details, run a row's fix. */
export function readinessCommands(ctx: CommandContext): Record<string, Handler> {
  const { services, readiness } = ctx;
  return {
    checkReadiness: guarded(services, vscode.l10n.t('Readiness'), async (arg?: { image?: string }) => {
      const f = await ctx.facts();
      if (f.images.length > 1) {
        // One image's rows (`--image NAME`), or every image's, each row saying its image.
        const images = await whichImages(f, arg, { all: true, title: vscode.l10n.t('Readiness of') });
        if (!images) return undefined;
        readiness.pickImage(images.length === 1 ? images[0].name : undefined);
        if (arg?.image !== undefined) void vscode.commands.executeCommand(`${READINESS_VIEW}.focus`);
      }
      return readiness.compute();
    }),
    pickReadinessVersion: guarded(services, vscode.l10n.t('Readiness'), async (version?: string) => {
      const f = await ctx.facts();
      const picked =
        version ??
        (
          await vscode.window.showQuickPick(
            [
              ...(f.status.version
                ? [{ label: f.status.version.version, description: vscode.l10n.t('effective version') }]
                : []),
              ...f.status.gitTags
                .map((t) => t.name.slice(f.status.gitPrefix.length))
                .filter((v) => v !== f.status.version?.version)
                .map((v) => ({ label: v, description: vscode.l10n.t('git tag') })),
            ],
            { title: vscode.l10n.t('Is which version ready?') },
          )
        )?.label;
      if (!picked) return undefined;
      readiness.pick(picked === f.status.version?.version ? undefined : picked);
      return readiness.compute();
    }),
    showReadinessDetails: guarded(services, vscode.l10n.t('Readiness'), (arg?: { section?: string; row?: string }) =>
      readiness.details(arg),
    ),
    fixReadinessCheck: guarded(services, vscode.l10n.t('Readiness'), (node?: ReleaseNode) => readiness.fix(node)),
  };
}
