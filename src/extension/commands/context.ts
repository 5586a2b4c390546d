import type * as vscode from 'vscode';
import type { GitHubAuth } from '../auth';
import type { Engines } from '../engines';
import type { Facts } from '../extension';
import type { ReleaseOperatorServices } from '../services';
import type { SmokeResults } from '../smokeResults';
import type { SmokeStatusBar } from '../statusBar';
import type { ReleaseNode } from '../tree/model';
import type { ReleaseTreeProvider } from '../tree/provider';

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
}

/**
 * Arguments a command may receive: a tree node (menus), or options when called programmatically (tests,
 * other extensions, keybindings). `confirmed: true` skips the modal confirmation of a registry/GitHub change.
 */
export type NodeOrOptions = ReleaseNode | undefined;
