// dist/extension.js, the file VS Code requires when it activates the extension: only this. The extension proper is
// ES modules in dist/esm (see productBuilds in scripts/bundle-options.mjs), loaded here with import() (without
// blocking the extension host), and of those only what the Release view's first items need; each engine loads
// when first used.
import type * as vscode from 'vscode';
import type * as Extension from './extension';

/** Relative to this file (dist/extension.js); a variable, so that neither esbuild nor tsc looks for it. */
const ENTRY = './esm/extension/extension.mjs';

let loaded: Promise<typeof Extension> | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<Extension.ReleaseOperatorApi> {
  loaded ??= import(ENTRY) as Promise<typeof Extension>;
  return (await loaded).activate(context);
}

export async function deactivate(): Promise<void> {
  (await loaded)?.deactivate();
}
