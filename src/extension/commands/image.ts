import * as vscode from 'vscode';
import { usageError } from '../../core/errors';
import { reportError, withCancellableProgress } from '../progress';
import type { ReleaseNode } from '../tree/model';
import { tagVersion } from '../tree/images';
import type { CommandContext } from './context';
import type { Handler } from './index';
import { confirm, imageRepositoryOf, pickImageTag } from './pick';

/** Inspect, copy, open, glibc, audit, rollback: everything about the published image. */
export function imageCommands(ctx: CommandContext): Record<string, Handler> {
  const { services } = ctx;
  const guarded =
    (what: string, fn: (...a: any[]) => Promise<unknown>) =>
    async (...a: any[]) => {
      try {
        return await fn(...a);
      } catch (e) {
        reportError(services, what, e);
      }
    };
  return {
    copyDigest: async (node?: ReleaseNode) => {
      const digest = node?.data?.digest;
      if (!digest) return;
      await vscode.env.clipboard.writeText(digest);
      vscode.window.setStatusBarMessage(`Copied ${digest}`, 3000);
    },
    openInBrowser: async (node?: ReleaseNode) => {
      const url = node?.data?.url;
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
    },
    inspectImage: guarded('Inspect image', async (reference?: string) => {
      const f = await ctx.facts();
      const repository = imageRepositoryOf(f);
      const ref = reference ?? ((t) => t && `${repository}:${t}`)(await pickImageTag(ctx, f, 'Inspect image tag'));
      if (!ref) return;
      const info = await withCancellableProgress(services, `Inspecting ${ref}`, async (signal) => (await ctx.engines.registry(f.config)).inspect(ref, { signal, labels: true }));
      if (!info) return;
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(info, null, 2) });
      await vscode.window.showTextDocument(doc, { preview: true });
      return info;
    }),
    checkGlibc: guarded('glibc check', async (node?: ReleaseNode | { reference: string; platforms?: string[] }) => {
      const f = await ctx.facts();
      const repository = imageRepositoryOf(f);
      const nodeRef = node && 'id' in node ? node.data?.reference : (node as { reference?: string } | undefined)?.reference;
      const ref = nodeRef ?? ((t) => t && `${repository}:${t}`)(await pickImageTag(ctx, f, 'Check glibc drift of image tag'));
      if (!ref) return;
      const platform = node && 'id' in node ? node.data?.platform : undefined;
      return ctx.engines.checkGlibc(f, ref, platform ? [platform] : undefined);
    }),
    audit: guarded('Release consistency check', async () => ctx.engines.audit(await ctx.facts())),
    rollback: guarded('Roll back', async (arg?: ReleaseNode | { version: string; confirmed?: boolean }) => {
      const f = await ctx.facts();
      const repository = imageRepositoryOf(f);
      const prefix = f.config.tags.imagePrefix;
      let tag = arg && 'id' in arg ? arg.data?.tag : arg?.version !== undefined ? `${prefix}${arg.version}` : undefined;
      tag ??= await pickImageTag(ctx, f, 'Roll back latest to version', (t) => tagVersion(t, prefix) !== undefined);
      if (!tag) return;
      const version = tagVersion(tag, prefix);
      if (!version) throw usageError(`${tag} is not a version tag.`, `Pick a tag like ${prefix}1.2.3.`);
      const confirmed =
        (arg && !('id' in arg) && arg.confirmed) ||
        (await confirm(`Point ${repository}:latest at ${tag}?`, `latest (and the moving tags of ${version}) will point at the manifest of ${tag}. No image is pulled or rebuilt; the change is verified afterwards.`, 'Roll Back'));
      if (!confirmed) return;
      const result = await withCancellableProgress(services, `Rolling back ${repository}:latest to ${tag}`, (signal) => ctx.engines.rollback(f, version, signal));
      ctx.refresh();
      if (result) void vscode.window.showInformationMessage(`${repository}:latest now points at ${tag}.`);
      return result;
    }),
  };
}
