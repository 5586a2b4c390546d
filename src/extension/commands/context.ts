import type * as vscode from 'vscode';
import type { GitHubAuth } from '../auth';
import type { Engines } from '../engines';
import type { Facts } from '../facts';
import type { ReleaseOperatorServices } from '../services';
import type { SmokeResults } from '../smokeResults';
import type { SmokeStatusBar } from '../statusBar';
import type { ReleaseNode } from '../tree/model';
import type { ReleaseTreeProvider } from '../tree/provider';
import type { ResultDocuments } from '../documents';
import type { ReadinessView } from '../readiness/view';
import type { ImageOffers } from '../imageOffer';

// VS Code hands a command whatever its caller passed (a tree item, a URI, nothing); each handler declares what it
// takes, which only a parameter list of `any` accepts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (...args: any[]) => unknown;

/** Everything a command handler may use, handed over once by the composition root. */
export interface CommandContext {
  services: ReleaseOperatorServices;
  auth: GitHubAuth;
  engines: Engines;
  smoke: SmokeResults;
  statusBar: SmokeStatusBar;
  tree: ReleaseTreeProvider;
  treeView: vscode.TreeView<ReleaseNode>;
  facts: () => Promise<Facts>;
  refresh: () => void;
  readiness: ReadinessView;
  documents: ResultDocuments;
  offers: ImageOffers;
}
