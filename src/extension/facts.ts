import * as vscode from 'vscode';
import type { ReleaseOperatorConfig } from '../core/config/schema';
import { usageError } from '../core/errors';
import { GitRepo } from '../core/git/repo';
import { statusFromFacts, type StatusReport } from '../core/status';
import type { ReleaseOperatorServices } from './services';

/** The repository's local facts (configuration and git): what the tree shows and the commands act on. */
export interface Facts {
  status: StatusReport;
  config: ReleaseOperatorConfig;
}

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
      return { config: config.value, status: await statusFromFacts(repository.value.facts, config.value) };
    })());
  }

  /** The next get() loads again (a refresh, another folder, changed settings). */
  clear(): void {
    this.facts = undefined;
  }
}
