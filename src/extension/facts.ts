import * as vscode from 'vscode';
import type { ReleaseOperatorConfig } from '../core/config/schema';
import { configForImage, imageEntries } from '../core/config/images';
import { usageError } from '../core/errors';
import { GitRepo } from '../core/git/repo';
import { statusFromFacts, type StatusReport } from '../core/status';
import type { ReleaseOperatorServices } from './services';

/** The repository's local facts (configuration and git): what the tree shows and the commands act on. */
export interface Facts {
  status: StatusReport;
  config: ReleaseOperatorConfig;
  /**
   * Each configured image with the facts it is checked with (core/config/images configForImage: its own image,
   * platforms, smoke and tags). One image: the facts above, as they always were.
   */
  images: ImageFacts[];
}

/** One image's facts: what a command run on that image (`--image NAME`) works with. */
export interface ImageFacts {
  name: string;
  status: StatusReport;
  config: ReleaseOperatorConfig;
}

/** An image's facts as the whole Facts the engines take (its own list of one). */
export const factsOfImage = (i: ImageFacts): Facts => ({ status: i.status, config: i.config, images: [i] });

/**
 * The image's published reference of the effective version (`IMAGE:v1.2.3`, with the tag prefix the registry's
 * scheme has), or undefined without an image repository or a version: what the tasks and the all-images glibc check.
 */
export const releasedReference = ({ status }: ImageFacts): string | undefined =>
  status.image && status.version ? `${status.image}:${status.imagePrefix}${status.version.version}` : undefined;

/** One load of the facts, shared by the tree and the commands until the next refresh clears it. */
export class FactsCache {
  private facts?: Promise<Facts>;

  constructor(private readonly services: ReleaseOperatorServices) {}

  /** The tree's last load, or a fresh one when the view has not loaded yet. */
  get(): Promise<Facts> {
    const folder = this.services.folder;
    if (!folder)
      return Promise.reject(
        usageError(
          vscode.l10n.t('No folder is open.'),
          vscode.l10n.t('Open the folder of the repository you release.'),
        ),
      );
    return (this.facts ??= (async () => {
      // git runs while the configuration loads; a configuration error still wins over a git one, as it did when
      // the configuration came first.
      const [config, repository] = await Promise.allSettled([
        this.services.config(),
        GitRepo.read(folder.uri.fsPath, this.services.run),
      ]);
      if (config.status === 'rejected') throw config.reason;
      if (repository.status === 'rejected') throw repository.reason;
      const status = await statusFromFacts(repository.value.facts, config.value);
      const entries = imageEntries(config.value);
      if (entries.length === 1)
        return { config: config.value, status, images: [{ name: entries[0].name, status, config: config.value }] };
      // Several images: the version and the git facts are the repository's, the image, its scheme and plan each one's.
      const images = await Promise.all(
        entries.map(async (e) => {
          const own = configForImage(config.value, e);
          return { name: e.name, config: own, status: await statusFromFacts(repository.value.facts, own) };
        }),
      );
      return { config: config.value, status, images };
    })());
  }

  /** The next get() loads again (a refresh, another folder, changed settings). */
  clear(): void {
    this.facts = undefined;
  }
}
