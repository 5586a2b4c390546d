import * as vscode from 'vscode';
import { usageError } from '../../core/errors';
import type { Facts } from '../facts';
import { sortImageTags } from '../../core/version/order';
import { imageTagScheme } from '../../core/version/scheme';
import type { CommandContext } from './context';

/** The configured image repository, or a usage error that says how to set it. */
export function imageRepositoryOf(f: Facts): string {
  if (!f.status.image)
    throw usageError(
      vscode.l10n.t('This repository has no image configured.'),
      vscode.l10n.t(
        'Set "image" in release-operator.json or the releaseOperator.image setting, or add a GitHub remote.',
      ),
    );
  return f.status.image;
}

/** The image's tags in the one order every face shows, and the image prefix (configured, else inferred from them). */
export async function imageTags(ctx: CommandContext, f: Facts): Promise<{ tags: string[]; imagePrefix: string }> {
  const registry = await ctx.engines.registry(f.config);
  const all = await registry.listTags(imageRepositoryOf(f));
  const { imagePrefix } = imageTagScheme(f.config.tags, all);
  return { tags: sortImageTags(all, imagePrefix), imagePrefix };
}

/** Quick pick of the image's tags (versions newest first); `filter` sees each tag and the image prefix. */
export async function pickImageTag(
  ctx: CommandContext,
  f: Facts,
  title: string,
  filter: (tag: string, imagePrefix: string) => boolean = () => true,
): Promise<string | undefined> {
  const repository = imageRepositoryOf(f);
  const items = (async () => {
    const { tags, imagePrefix } = await imageTags(ctx, f);
    return tags.filter((t) => filter(t, imagePrefix)).map((t) => ({ label: t, description: `${repository}:${t}` }));
  })();
  const pick = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: vscode.l10n.t('Tags of {0}', repository),
  });
  return pick?.label;
}

/** Quick pick of platforms, several at once; the configured smoke platforms are preselected. */
export async function pickPlatforms(
  available: readonly string[],
  preselected: readonly string[],
  title: string,
): Promise<string[] | undefined> {
  const picks = await vscode.window.showQuickPick(
    available.map((p) => ({ label: p, picked: preselected.includes(p) })),
    { title, canPickMany: true, placeHolder: vscode.l10n.t('Platforms to test') },
  );
  return picks?.length ? picks.map((p) => p.label) : undefined;
}

/** A modal confirmation for anything that changes the registry or GitHub. */
export async function confirm(message: string, detail: string, action: string): Promise<boolean> {
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
}
