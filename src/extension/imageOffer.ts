import path from 'node:path';
import * as vscode from 'vscode';
import type { ImageOffer } from '../core/config/offer';
import type { Facts } from './facts';
import type { ReleaseOperatorServices } from './services';

/** "Don't ask again" for this workspace: the first-run offer stays quiet (the command still offers). */
const DONT_ASK_KEY = 'releaseOperator.imageOffer.dontAsk';

/** What an offer came to: nothing to offer, declined, or written (the file). */
export type OfferOutcome =
  | { kind: 'nothing' | 'declined' | 'blocked'; offer?: ImageOffer }
  | { kind: 'written'; offer: ImageOffer; file: string };

/**
 * A monorepo's Dockerfiles offered as images (what `release-operator images --discover --write` does): once a
 * window on the first load of a repository whose Dockerfiles no configured image builds, and on demand
 * (Release Operator: Discover Images). What would be written is shown before anything is written; only an
 * "images" list is added to release-operator.json (core/config/offer, the CLI's code), never over one that exists.
 */
export class ImageOffers {
  /** The repositories (roots) offered in this window: each at most once. */
  private readonly offered = new Set<string>();

  constructor(
    private readonly services: ReleaseOperatorServices,
    private readonly facts: () => Promise<Facts>,
    private readonly refresh: () => void,
  ) {}

  private async plan(): Promise<ImageOffer> {
    const f = await this.facts();
    const { planImageOffer } = await import('../core/config/offer');
    return planImageOffer(f.status.repository.root, f.config, {
      github: f.status.repository.github,
      image: f.status.image,
    });
  }

  /** The first load of the repository in this window: offer the Dockerfiles no image builds, unless told not to. */
  async firstRun(): Promise<OfferOutcome> {
    const state = this.services.context.workspaceState;
    const root = this.services.folder?.uri.fsPath;
    if (!root || this.offered.has(root) || state.get<boolean>(DONT_ASK_KEY) || !vscode.workspace.isTrusted)
      return { kind: 'nothing' };
    this.offered.add(root);
    const offer = await this.plan();
    if (!offer.offered.length || offer.blocked) return { kind: 'nothing', offer };
    this.services.logger.info(
      `images: ${offer.offered.length} Dockerfile(s) no image builds: ${offer.offered.map((o) => o.dockerfile).join(', ')}`,
    );
    const add = vscode.l10n.t('Add as Images');
    const later = vscode.l10n.t('Not Now');
    const never = vscode.l10n.t("Don't Ask Again");
    const pick = await vscode.window.showInformationMessage(
      offer.offered.length === 1
        ? vscode.l10n.t('Release Operator found a Dockerfile no image builds: {0}. Add it as an image?', names(offer))
        : vscode.l10n.t(
            'Release Operator found {0} Dockerfiles no image builds: {1}. Add them as images?',
            offer.offered.length,
            names(offer),
          ),
      add,
      later,
      never,
    );
    if (pick === never) await state.update(DONT_ASK_KEY, true);
    if (pick !== add) return { kind: 'declined', offer };
    return this.write(offer, false);
  }

  /** Release Operator: Discover Images. `confirmed` (tests, scripts) skips the confirmation of what is written. */
  async discover(arg?: { confirmed?: boolean }): Promise<OfferOutcome> {
    const offer = await this.plan();
    if (!offer.offered.length) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Every Dockerfile found is built by a configured image.'),
      );
      return { kind: 'nothing', offer };
    }
    return this.write(offer, arg?.confirmed === true);
  }

  /** Shows what would be written, asks, writes; an existing "images" list is never rewritten. */
  private async write(offer: ImageOffer, confirmed: boolean): Promise<OfferOutcome> {
    const { offeredList, writeImageOffer } = await import('../core/config/offer');
    const list = JSON.stringify({ images: offeredList(offer) }, null, 2);
    if (offer.blocked) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          '{0} already has an "images" list: add these entries to it by hand: {1}',
          vscode.workspace.asRelativePath(offer.file),
          JSON.stringify(offer.offered),
        ),
      );
      return { kind: 'blocked', offer };
    }
    const write = vscode.l10n.t('Write');
    if (
      !confirmed &&
      (await vscode.window.showInformationMessage(
        vscode.l10n.t('Add {0} image(s) to {1}?', offer.offered.length, vscode.workspace.asRelativePath(offer.file)),
        {
          modal: true,
          detail: vscode.l10n.t(
            'This "images" list is added; every other key of the file stays as it is:\n\n{0}',
            list,
          ),
        },
        write,
      )) !== write
    )
      return { kind: 'declined', offer };
    const file = await writeImageOffer(path.dirname(offer.file), offer);
    this.services.logger.info(`images: wrote ${offeredList(offer).length} image(s) to ${file}`);
    this.refresh();
    const open = vscode.l10n.t('Open {0}', 'release-operator.json');
    void vscode.window
      .showInformationMessage(vscode.l10n.t('Added {0} image(s) to {1}.', offer.offered.length, file), open)
      .then((p) => (p ? vscode.window.showTextDocument(vscode.Uri.file(file)) : undefined));
    return { kind: 'written', offer, file };
  }
}

const names = (offer: ImageOffer) => offer.offered.map((o) => `${o.name} (${o.dockerfile})`).join(', ');
