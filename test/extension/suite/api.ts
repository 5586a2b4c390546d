import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ReleaseOperatorApi } from '../../../src/extension/extension';
import type { ReleaseNode } from '../../../src/extension/tree/model';
import { ARTIFACTS } from '../../helpers/paths';

export const EXTENSION_ID = 'release-operator.release-operator';

/** What test/extension/fixture.ts pushed and created (written by run.mjs). */
export interface Fixture {
  workspace: string;
  image: string;
  head: string;
  digests: Record<string, string>;
}
export const fixture = (): Fixture => JSON.parse(readFileSync(path.join(ARTIFACTS, 'vscode', 'fixture.json'), 'utf8'));

export async function api(): Promise<ReleaseOperatorApi> {
  const ext = vscode.extensions.getExtension<ReleaseOperatorApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export async function roots(): Promise<ReleaseNode[]> {
  return (await api()).tree.getChildren();
}

export async function child(parent: ReleaseNode, label: string): Promise<ReleaseNode> {
  const kids = await (await api()).tree.getChildren(parent);
  const k = kids.find((n) => n.label === label);
  if (!k) throw new Error(`${parent.label} has no child "${label}"; it has: ${kids.map((n) => n.label).join(', ')}`);
  return k;
}

export async function root(id: string): Promise<ReleaseNode> {
  const r = (await roots()).find((n) => n.id === id);
  if (!r) throw new Error(`no root node ${id}; roots: ${(await roots()).map((n) => n.id).join(', ')}`);
  return r;
}

/** Resolves on the next tree change (or fails after `ms`, saying what it waited for). */
export function nextTreeChange(a: ReleaseOperatorApi, what: string, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the Release tree did not change within ${ms} ms after ${what}`));
    }, ms);
    const sub = a.tree.onDidChangeTreeData(() => {
      clearTimeout(t);
      sub.dispose();
      resolve();
    });
  });
}

export const tooltipText = (n: ReleaseNode) => (typeof n.tooltip === 'string' ? n.tooltip : (n.tooltip?.value ?? ''));
