import * as vscode from 'vscode';
import { GitHubAuth } from './auth';
import { registerCommands } from './commands';
import { Engines } from './engines';
import { ResultDocuments } from './documents';
import { describeError } from '../core/errors';
import { FactsCache, type Facts } from './facts';
import { ImageOffers } from './imageOffer';
import { registerLint } from './lint';
import { RepoWatcher } from './repoWatcher';
import { ReleaseOperatorServices } from './services';
import { READINESS_VIEW, ReadinessView } from './readiness/view';
import { SmokeResults } from './smokeResults';
import { SmokeStatusBar } from './statusBar';
import { registerTasks } from './tasks';
import type { ReleaseTreeProvider } from './tree/provider';
import { ReleaseTree, type RepositoryState } from './tree/releaseTree';

/** What activate() returns: the extension-host tests read the tree and the status bar through it. */
export interface ReleaseOperatorApi {
  services: ReleaseOperatorServices;
  tree: ReleaseTreeProvider;
  smoke: SmokeResults;
  statusBar: SmokeStatusBar;
  /** The Readiness view (its report, its rows through `readiness.provider`, its status bar item). */
  readiness: ReadinessView;
  /** The offer of a monorepo's Dockerfiles as images (first run, and Release Operator: Discover Images). */
  offers: ImageOffers;
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
  const facts = new FactsCache(services);
  const smoke = new SmokeResults();
  const statusBar = new SmokeStatusBar(smoke);
  const watcher = new RepoWatcher();
  const lint = registerLint(context, { logger: services.logger, getConfig: () => services.config() });
  const loadFacts = () => facts.get();
  // The first load of a repository offers the Dockerfiles no image builds (never during activation: it reads files).
  const offers = new ImageOffers(services, loadFacts, () => refresh());
  const onState = (state: RepositoryState) => {
    showRepositoryState(state, statusBar);
    if (state === 'ready')
      void offers.firstRun().catch((e: unknown) => services.logger.warn(`images: ${describeError(e)}`));
  };
  const tree = new ReleaseTree({ services, facts, engines, smoke, lint, onState });
  const treeView = vscode.window.createTreeView('releaseOperator.release', {
    treeDataProvider: tree.provider,
    showCollapseAll: true,
  });
  const documents = new ResultDocuments();
  const readiness = new ReadinessView({ services, engines, facts: loadFacts, smoke, documents });
  const readinessView = vscode.window.createTreeView(READINESS_VIEW, {
    treeDataProvider: readiness.provider,
    showCollapseAll: true,
  });
  // The report is built when the view is first shown (registry, GitHub and lint work), never during activation.
  const computeWhenShown = () => {
    if (readinessView.visible && !readiness.report) setTimeout(() => void readiness.compute({ quiet: true }), 0);
  };
  const refresh = () => {
    tree.refresh();
    if (readiness.report) void readiness.compute({ quiet: true });
  };
  context.subscriptions.push(
    services,
    auth,
    smoke,
    statusBar,
    watcher,
    tree,
    treeView,
    documents,
    readiness,
    readinessView,
    readinessView.onDidChangeVisibility(computeWhenShown),
    watcher.onDidChange(refresh),
    auth.onDidChange(refresh),
    services.onDidChangeFolder((f) => {
      watcher.watch(f);
      smoke.clear();
      refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('releaseOperator') && refresh()),
    vscode.workspace.onDidGrantWorkspaceTrust(refresh),
  );
  registerCommands(context, {
    services,
    auth,
    engines,
    smoke,
    statusBar,
    tree: tree.provider,
    treeView,
    facts: loadFacts,
    refresh,
    readiness,
    documents,
    offers,
  });
  context.subscriptions.push(registerTasks(services, loadFacts));
  computeWhenShown();
  watcher.watch(services.folder);
  auth.start();
  if (!services.folder) onState('noRepository');

  return { services, tree: tree.provider, smoke, statusBar, readiness, offers, facts: loadFacts };
}

/** The view's welcome content and menus follow whether the folder holds a repository, and so does the status bar. */
function showRepositoryState(state: RepositoryState, statusBar: SmokeStatusBar): void {
  void vscode.commands.executeCommand('setContext', 'releaseOperator.state', state);
  void vscode.commands.executeCommand('setContext', 'releaseOperator.hasRepository', state === 'ready');
  if (state !== 'loading') statusBar.setHasRepository(state === 'ready');
}

export function deactivate(): void {}
