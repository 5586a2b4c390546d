import * as vscode from 'vscode';
import { isReleaseOperatorError } from '../../core/errors';
import { DisposableStore } from '../disposables';
import type { Engines } from '../engines';
import type { FactsCache } from '../facts';
import type { LintFace } from '../lint';
import type { ReleaseOperatorServices } from '../services';
import type { SmokeResults } from '../smokeResults';
import type { ReleaseNode } from './model';
import { ReleaseTreeProvider } from './provider';
import { lintDescription, rootSections } from './sections';

/** Whether the open folder holds a repository, as the view last found it. */
export type RepositoryState = 'loading' | 'ready' | 'noRepository';

export interface ReleaseTreeDeps {
  services: ReleaseOperatorServices;
  facts: FactsCache;
  engines: Engines;
  smoke: SmokeResults;
  lint: LintFace;
  /** Told each time a load learns whether the folder holds a repository. */
  onState: (state: RepositoryState) => void;
}

/**
 * The Release view's data. Each refresh loads the root sections from the repository's facts; the live sections
 * (smoke results, the lint count, runs in progress) are kept current here, without reloading the rest.
 */
export class ReleaseTree implements vscode.Disposable {
  readonly provider: ReleaseTreeProvider;
  private readonly disposables = new DisposableStore();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: ReleaseTreeDeps) {
    this.provider = this.disposables.add(new ReleaseTreeProvider((signal) => this.loadRoots(signal)));
    // The smoke section, or each image's (group/NAME/smoke) with several images.
    this.disposables.add(
      deps.smoke.onDidChange(() => {
        void this.provider.refreshRoot('smoke');
        this.provider.refreshWhere((id) => /^group\/[^/]+\/smoke$/.test(id));
      }),
    );
    this.disposables.add(
      deps.lint.onDidChange(
        () =>
          void this.provider.refreshRoot('lint', (node) => {
            node.description = lintDescription(deps.lint.findingsCount());
          }),
      ),
    );
    this.disposables.add({ dispose: () => this.timers.forEach(clearTimeout) });
  }

  /** Loads everything again, the repository's facts included. */
  refresh(): void {
    this.deps.facts.clear();
    this.provider.refresh();
  }

  private async loadRoots(signal: AbortSignal): Promise<ReleaseNode[]> {
    const { services, facts, engines, smoke, lint, onState } = this.deps;
    if (!services.folder) {
      onState('noRepository');
      return [];
    }
    onState('loading');
    facts.clear();
    try {
      const { config, status, images } = await facts.get();
      if (signal.aborted) return [];
      onState('ready');
      const gh = status.repository.github;
      return rootSections(status, config, {
        registry: () => engines.registry(config),
        supplyChain: (reference, signal) => engines.supplyChain(config, status, reference, signal),
        github: async () => (gh ? engines.github(config, gh, false, status.repository.root) : undefined),
        packages: () => engines.packageVersions(config),
        smoke,
        lintCount: () => lint.findingsCount(),
        workspaceFolderCount: vscode.workspace.workspaceFolders?.length ?? 0,
        images,
        refreshLater: (node, ms) => this.refreshLater(node, ms, signal),
      });
    } catch (e) {
      if (isReleaseOperatorError(e) && e.kind === 'usage') {
        services.logger.info(`No repository: ${e.message}`);
        onState('noRepository');
        return [];
      }
      onState('ready');
      throw e;
    }
  }

  /** Reloads one node after a while (a run in progress), unless the tree was refreshed meanwhile. */
  private refreshLater(node: ReleaseNode, ms: number, signal: AbortSignal): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!signal.aborted) this.provider.refresh(node);
    }, ms);
    this.timers.add(t);
  }

  dispose(): void {
    this.disposables.dispose();
  }
}
