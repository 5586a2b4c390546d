import * as vscode from 'vscode';
import { selectImages } from '../../core/config/images';
import type { Facts, ImageFacts } from '../facts';

/** The image a command was handed: a node under an image of the Release view, or an argument's `image`. */
const nameIn = (hint: unknown): string | undefined => {
  if (!hint || typeof hint !== 'object') return undefined;
  const h = hint as { data?: { image?: unknown }; image?: unknown };
  const name = h.data?.image ?? h.image;
  return typeof name === 'string' ? name : undefined;
};

/**
 * The images a command acts on, as `--image NAME` would choose them: the one the node or argument names, the only
 * one, else a quick pick (with "All images" first where the command can run on all). undefined: the pick was
 * dismissed. A name no image has is a usage error that lists the names (the engine's own message).
 */
export async function whichImages(
  f: Facts,
  hint: unknown,
  options: { all: boolean; title: string },
): Promise<ImageFacts[] | undefined> {
  const named = nameIn(hint);
  if (named !== undefined) {
    const [entry] = selectImages(f.config, named);
    return f.images.filter((i) => i.name === entry.name);
  }
  if (f.images.length === 1) return f.images;
  const all = { label: vscode.l10n.t('All images'), description: vscode.l10n.t('{0} images', f.images.length) };
  const items = [
    ...(options.all ? [all] : []),
    ...f.images.map((i) => ({ label: i.name, description: i.status.image ?? '' })),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: options.title,
    placeHolder: vscode.l10n.t('Which image?'),
  });
  if (!pick) return undefined;
  return pick === all ? f.images : f.images.filter((i) => i.name === pick.label);
}

/** One image (commands that act on one image: a tag of it, its latest). */
export async function whichImage(f: Facts, hint: unknown, title: string): Promise<ImageFacts | undefined> {
  return (await whichImages(f, hint, { all: false, title }))?.[0];
}
