import * as vscode from 'vscode';
import { isReleaseOperatorError } from '../core/errors';
import { GitHubAuth } from './auth';
import { registerCommands } from './commands';
import { Engines } from './engines';
import { FactsCache, type Facts } from './facts';
import { RepoWatcher } from './repoWatcher';
import { ReleaseOperatorServices } from './services';
import { SmokeResults } from './smokeResults';
import { SmokeStatusBar } from './statusBar';
import type { ReleaseNode } from './tree/model';
import { ReleaseTreeProvider } from './tree/provider';
import { lintDescription, rootSections } from './tree/sections';
import { registerLint } from './lint';

export type RepositoryState = 'loading' | 'ready' | 'noRepository';

/** What activate() returns: the extension-host tests read the tree and the status bar through it. */
export interface ReleaseOperatorApi {
  services: ReleaseOperatorServices;
  tree: ReleaseTreeProvider;
  smoke: SmokeResults;
  statusBar: SmokeStatusBar;
  /** The facts behind the current tree (after it loaded). */
  facts(): Promise<Facts>;
}

/**
 * The composition root: constructs every service once, hands them to their users, and registers every
 * disposable here. No network, file or process work happens during activation: the tree loads its facts
 * when the view first asks, the GitHub session is looked up in the background.
 */
export function activate(context: vscode.ExtensionContext): ReleaseOperatorApi {
  const services = new ReleaseOperatorServices(context);
  const auth = new GitHubAuth(services.logger);
  const engines = new Engines(services, auth);
  const smoke = new SmokeResults();
  const statusBar = new SmokeStatusBar(smoke);
  const watcher = new RepoWatcher();
  const timers = new Set<NodeJS.Timeout>();
  const facts = new FactsCache(services);
  let smokeNode: ReleaseNode | undefined;
  let lintNode: ReleaseNode | undefined;
  const lint = registerLint(context, { logger: services.logger, getConfig: () => services.config() });

  const setState = (state: RepositoryState) => {
    void vscode.commands.executeCommand('setContext', 'releaseOperator.state', state);
    void vscode.commands.executeCommand('setContext', 'releaseOperator.hasRepository', state === 'ready');
    if (state !== 'loading') statusBar.setHasRepository(state === 'ready');
  };

  const tree: ReleaseTreeProvider = new ReleaseTreeProvider(async (signal) => {
    const folder = services.folder;
    if (!folder) {
      setState('noRepository');
      return [];
    }
    setState('loading');
    facts.clear();
    try {
      const { config, status } = await facts.get();
      if (signal.aborted) return [];
      setState('ready');
      const gh = status.repository.github;
      const nodes = rootSections(status, config, {
        registry: () => engines.registry(config),
        supplyChain: (reference, signal) => engines.supplyChain(config, status, reference, signal),
        github: async () => (gh ? engines.github(config, gh, false, status.repository.root) : undefined),
        smoke,
        lintCount: () => lint.findingsCount(),
        workspaceFolderCount: vscode.workspace.workspaceFolders?.length ?? 0,
        refreshLater: (node, ms) => {
          const t = setTimeout(() => {
            timers.delete(t);
            if (!signal.aborted) tree.refresh(node);
          }, ms);
          timers.add(t);
        },
      });
      smokeNode = nodes.find((n) => n.id === 'smoke');
      lintNode = nodes.find((n) => n.id === 'lint');
      return nodes;
    } catch (e) {
      if (isReleaseOperatorError(e) && e.kind === 'usage') {
        services.logger.info(`No repository: ${e.message}`);
        setState('noRepository');
        return [];
      }
      setState('ready');
      throw e;
    }
  });

  const treeView = vscode.window.createTreeView('releaseOperator.release', {
    treeDataProvider: tree,
    showCollapseAll: true,
  });
  const refreshAll = () => {
    facts.clear();
    tree.refresh();
  };
  context.subscriptions.push(
    services,
    auth,
    smoke,
    statusBar,
    watcher,
    tree,
    treeView,
    { dispose: () => timers.forEach(clearTimeout) },
    watcher.onDidChange(refreshAll),
    auth.onDidChange(refreshAll),
    services.onDidChangeFolder((f) => {
      watcher.watch(f);
      smoke.clear();
      refreshAll();
    }),
    smoke.onDidChange(() => smokeNode && tree.refresh(smokeNode)),
    lint.onDidChange(() => {
      if (!lintNode) return;
      lintNode.description = lintDescription(lint.findingsCount());
      tree.refresh(lintNode);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('releaseOperator') && refreshAll()),
    vscode.workspace.onDidGrantWorkspaceTrust(refreshAll),
  );
  registerCommands(context, {
    services,
    auth,
    engines,
    smoke,
    statusBar,
    tree,
    treeView,
    facts: () => facts.get(),
    refresh: refreshAll,
  });
  watcher.watch(services.folder);
  auth.start();
  if (!services.folder) setState('noRepository');

  return { services, tree, smoke, statusBar, facts: () => facts.get() };
}

export function deactivate(): void {}
