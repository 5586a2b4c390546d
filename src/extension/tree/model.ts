import * as vscode from 'vscode';
import { neutralize, neutralizeBlock } from '../../core/neutralize';

/**
 * One node of the Release tree, as data. `children` is either known (a list) or loaded on first expansion
 * (a function), so expensive facts (registry, GitHub) are only fetched when someone looks at them.
 */
export interface ReleaseNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string | vscode.MarkdownString;
  /** A codicon id, optionally with a theme color. */
  icon?: string;
  iconColor?: string;
  /** Space-separated words: the first is the kind (menus match on it), the rest are capabilities. */
  contextValue?: string;
  children?: ReleaseNode[] | ((signal: AbortSignal) => Promise<ReleaseNode[]>);
  /** Collapsed unless said otherwise when it has children. */
  expanded?: boolean;
  command?: vscode.Command;
  /** What commands invoked on the node need (digest, reference, url, platform, run id...). */
  data?: NodeData;
  /** A "Show more" node: loads more of its parent's children; the parent is then refreshed. */
  more?: (signal: AbortSignal) => Promise<void>;
  parent?: ReleaseNode;
}

export interface NodeData {
  reference?: string;
  digest?: string;
  url?: string;
  platform?: string;
  tag?: string;
  version?: string;
  runId?: number;
  jobId?: number;
  /** The configured image (its name) the node is about, under an image of a repository with several. */
  image?: string;
  /** A smoke result of a local build: run again by building. */
  build?: boolean;
}

export const warningIcon = { icon: 'warning', iconColor: 'problemsWarningIcon.foreground' } as const;

export function toTreeItem(n: ReleaseNode): vscode.TreeItem {
  const hasChildren = typeof n.children === 'function' || (n.children?.length ?? 0) > 0;
  const state = !hasChildren
    ? vscode.TreeItemCollapsibleState.None
    : n.expanded
      ? vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.Collapsed;
  // The tree's output boundary: labels and descriptions carry tag, platform, run and job names from outside.
  const item = new vscode.TreeItem(neutralize(n.label), state);
  item.id = n.id;
  item.description = n.description === undefined ? undefined : neutralize(n.description);
  item.tooltip = typeof n.tooltip === 'string' ? neutralizeBlock(n.tooltip) : n.tooltip;
  item.contextValue = n.contextValue;
  item.command = n.command;
  if (n.icon)
    item.iconPath = new vscode.ThemeIcon(n.icon, n.iconColor ? new vscode.ThemeColor(n.iconColor) : undefined);
  return item;
}

/** A child that says what went wrong instead of an empty folder. */
export function errorNode(parentId: string, message: string, hint?: string): ReleaseNode {
  return {
    id: `${parentId}/error`,
    label: message.split('\n')[0],
    tooltip: hint ?? message,
    ...warningIcon,
    contextValue: 'error',
  };
}
