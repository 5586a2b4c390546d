import * as vscode from 'vscode';
import type { ReleaseNode } from './model';

const wrapped = new WeakSet<ReleaseNode>();

/**
 * Puts a section under one image of several: its node and every node below it (lazy ones as they load) get ids of
 * their own (`group/NAME/...`, a tree's ids must be unique) and `data.image`, which tells a command run from the
 * node which image it acts on (`--image NAME`). The nodes are changed in place, so the references sections keep to
 * their own nodes (a "Show more" row's parent) stay the nodes the tree shows; doing it twice changes nothing.
 */
function inImage(name: string, node: ReleaseNode): ReleaseNode {
  const prefix = `group/${name}/`;
  if (!node.id.startsWith(prefix)) node.id = prefix + node.id;
  node.data = { ...node.data, image: name };
  const kids = node.children;
  if (Array.isArray(kids)) for (const k of kids) inImage(name, k);
  else if (typeof kids === 'function' && !wrapped.has(node)) {
    node.children = async (signal) => (await kids(signal)).map((k) => inImage(name, k));
    wrapped.add(node);
  }
  return node;
}

/** The node of one image of several: its name, its reference, and its sections beneath. */
export function imageGroupNode(name: string, image: string | null, sections: ReleaseNode[]): ReleaseNode {
  return inImage(name, {
    id: 'image',
    label: name,
    description: image ?? vscode.l10n.t('no image set'),
    tooltip: image
      ? vscode.l10n.t('Image {0}: {1}', name, image)
      : vscode.l10n.t('Image {0} has no "image" in release-operator.json: set one to see its tags.', name),
    icon: 'package',
    contextValue: 'imageGroup',
    expanded: true,
    data: { reference: image ?? undefined },
    children: sections,
  });
}

/** The Readiness view's report for one image, from under its node. */
export function readinessNode(name: string, version: string | undefined): ReleaseNode {
  return {
    id: 'readiness',
    label: vscode.l10n.t('Readiness'),
    description: version
      ? vscode.l10n.t('is {0} of {1} ready? (open)', version, name)
      : vscode.l10n.t('no version found'),
    icon: 'checklist',
    contextValue: 'imageReadiness',
    command: {
      command: 'releaseOperator.checkReadiness',
      title: vscode.l10n.t('Check Readiness'),
      arguments: [{ image: name }],
    },
  };
}
