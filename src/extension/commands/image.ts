import * as vscode from 'vscode';
import { usageError } from '../../core/errors';
import { guarded as guardedHandler, withCancellableProgress } from '../progress';
import type { ReleaseNode } from '../tree/model';
import type { CommandContext, Handler } from './context';
import { confirm, imageRepositoryOf, imageTags, pickImageTag } from './pick';
import type { GlibcReport } from '../../core/glibc';
import type { RollbackPlan } from '../../core/registry';
import { versionOfImageTag } from '../../core/version/order';
import {
  checkResult,
  combineImageReports,
  environmentResult,
  readinessReport,
  renderReport,
  type ReadinessReport,
} from '../../core/report';
import { factsOfImage, releasedReference, type ImageFacts } from '../facts';
import { whichImage, whichImages } from './whichImage';

/** Inspect, copy, open, glibc, audit, rollback: everything about the published image. */
export function imageCommands(ctx: CommandContext): Record<string, Handler> {
  const { services } = ctx;
  const guarded = <A extends unknown[], R>(what: string, fn: (...a: A) => Promise<R>) =>
    guardedHandler(services, what, fn);
  return {
    copyDigest: async (node?: ReleaseNode) => {
      const digest = node?.data?.digest;
      if (!digest) return;
      await vscode.env.clipboard.writeText(digest);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', digest), 3000);
    },
    openInBrowser: async (node?: ReleaseNode) => {
      const url = node?.data?.url;
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
    },
    inspectImage: guarded(vscode.l10n.t('Inspect image'), async (reference?: string | { image?: string }) => {
      const all = await ctx.facts();
      const hint = typeof reference === 'string' ? undefined : reference;
      if (typeof reference !== 'string') reference = undefined;
      // A reference names its image itself; without one, the tag is picked from one image's tags.
      const one = reference ? all.images[0] : await whichImage(all, hint, vscode.l10n.t('Inspect image tag'));
      if (!one) return;
      const f = factsOfImage(one);
      const repository = imageRepositoryOf(f);
      const ref =
        reference ?? ((t) => t && `${repository}:${t}`)(await pickImageTag(ctx, f, vscode.l10n.t('Inspect image tag')));
      if (!ref) return;
      const info = await withCancellableProgress(services, vscode.l10n.t('Inspecting {0}', ref), async (signal) =>
        (await ctx.engines.registry(f.config)).inspect(ref, { signal, labels: true }),
      );
      if (!info) return;
      await ctx.documents.show(`inspect-${ref}`, ref, [{ title: '', lines: [JSON.stringify(info, null, 2)] }], {
        language: 'json',
      });
      return info;
    }),
    checkGlibc: guarded(
      vscode.l10n.t('glibc check'),
      async (node?: ReleaseNode | { reference?: string; platforms?: string[]; image?: string }) => {
        const nodeRef = node && 'id' in node ? node.data?.reference : node?.reference;
        const all = await ctx.facts();
        // A reference is checked as it is; without one, the tag is picked from one image's tags, or with several
        // images "All images" checks each image's published version (as `release-operator glibc` without a target).
        const chosen = nodeRef
          ? [
              all.images.find((i) => i.name === (node && 'id' in node ? node.data?.image : node?.image)) ??
                all.images[0],
            ]
          : await whichImages(all, node, { all: true, title: vscode.l10n.t('Check glibc drift of image tag') });
        if (!chosen?.length) return;
        if (chosen.length > 1) return glibcOfImages(ctx, chosen);
        const one = chosen[0];
        const f = factsOfImage(one);
        const repository = nodeRef ? '' : imageRepositoryOf(f);
        const ref =
          nodeRef ??
          ((t) => t && `${repository}:${t}`)(
            await pickImageTag(ctx, f, vscode.l10n.t('Check glibc drift of image tag')),
          );
        if (!ref) return;
        const platforms =
          node && 'id' in node ? (node.data?.platform ? [node.data.platform] : undefined) : node?.platforms;
        const report = await withCancellableProgress(services, vscode.l10n.t('Checking glibc of {0}', ref), (signal) =>
          ctx.engines.checkGlibc(f, ref, platforms, signal),
        );
        if (!report) return;
        // Per platform: binaries -> missing versions, in the Readiness view (the gate's glibc rows).
        const { report: rows, summary } = await ctx.engines.glibcRows(report, ref);
        await ctx.readiness.showExtra(rows, vscode.l10n.t('glibc of {0}', ref));
        if (report.ok)
          void vscode.window.showInformationMessage(
            vscode.l10n.t(
              'glibc: {0} runs on its own libc on {1}.',
              ref,
              report.platforms.map((p) => p.platform).join(', '),
            ),
          );
        else if (report.unreadable.length)
          void vscode.window.showErrorMessage(vscode.l10n.t('glibc not checked: {0}', summary));
        else void vscode.window.showErrorMessage(vscode.l10n.t('glibc drift: {0}', summary));
        return report;
      },
    ),
    audit: guarded(vscode.l10n.t('Release consistency check'), async (hint?: { image?: string }) => {
      const images = await whichImages(await ctx.facts(), hint, {
        all: true,
        title: vscode.l10n.t('Check release consistency of'),
      });
      if (!images) return;
      // One report per image (`audit --image NAME`, or every image), each in its own document.
      const reports = [];
      for (const one of images) {
        const f = factsOfImage(one);
        imageRepositoryOf(f);
        const report = await withCancellableProgress(
          services,
          images.length > 1
            ? vscode.l10n.t('Checking release consistency of {0}', one.name)
            : vscode.l10n.t('Checking release consistency'),
          (signal) => ctx.engines.audit(f, signal),
        );
        if (!report) return;
        // The same text as `release-operator audit`: one line per check with its verdict ("nothing checked" when
        // no version was found anywhere), findings and what to do under it, and where the tag prefixes came from.
        const title = vscode.l10n.t('Release consistency of {0}', report.image);
        await ctx.documents.show(
          `audit-${report.image}`,
          title,
          [{ title: '', lines: renderReport(report, title, { notes: report.notes }).split('\n') }],
          { language: 'log' },
        );
        if (report.verdict === 'nothing-checked')
          void vscode.window.showWarningMessage(
            vscode.l10n.t('Release consistency: nothing checked. {0}', report.summary),
          );
        reports.push(report);
      }
      return reports.length === 1 ? reports[0] : reports;
    }),
    rollback: guarded(
      vscode.l10n.t('Roll back'),
      async (arg?: ReleaseNode | { version: string; confirmed?: boolean; image?: string }) => {
        const one = await whichImage(await ctx.facts(), arg, vscode.l10n.t('Roll back latest of'));
        if (!one) return;
        const f = factsOfImage(one);
        const repository = imageRepositoryOf(f);
        // The image prefix is the configured one, else the one the registry's version tags follow.
        const { imagePrefix: prefix } = await imageTags(ctx, f);
        let tag =
          arg && 'id' in arg ? arg.data?.tag : arg?.version !== undefined ? `${prefix}${arg.version}` : undefined;
        tag ??= await pickImageTag(
          ctx,
          f,
          vscode.l10n.t('Roll back latest to version'),
          (t, p) => versionOfImageTag(t, p) !== undefined,
        );
        if (!tag) return;
        if (!versionOfImageTag(tag, prefix))
          throw usageError(
            vscode.l10n.t('{0} is not a version tag.', tag),
            vscode.l10n.t('Pick a tag like {0}.', `${prefix}1.2.3`),
          );
        const preConfirmed = Boolean(arg && !('id' in arg) && arg.confirmed);
        // The engine shows us its plan (what latest points at now) before it writes anything.
        const confirmPlan = async (plan: RollbackPlan) => {
          if (preConfirmed) return true;
          // The registry engine made the plan, so it is loaded by now.
          const { shortDigest } = await import('../../core/registry');
          return confirm(
            vscode.l10n.t('Point {0}:latest at {1}?', repository, tag),
            vscode.l10n.t(
              'latest now points at {0}; it will point at {1} ({2}). The manifest is copied byte for byte (no pull, no rebuild) and read back to verify.',
              plan.from ? shortDigest(plan.from) : vscode.l10n.t('nothing'),
              shortDigest(plan.to),
              tag,
            ),
            vscode.l10n.t('Roll Back'),
          );
        };
        const title = vscode.l10n.t('Rolling back {0}:latest to {1}', repository, tag);
        const result = await withCancellableProgress(services, title, (signal) =>
          ctx.engines.rollback(f, tag, confirmPlan, signal),
        );
        if (!result) return;
        ctx.refresh();
        if (result.unchanged)
          void vscode.window.showInformationMessage(
            vscode.l10n.t('{0}:latest already points at {1}.', repository, tag),
          );
        else if (result.applied) {
          services.logger.info(
            `rollback: ${repository}:latest ${result.from ?? '(new)'} -> ${result.to}${result.undo ? `; undo: ${result.undo}` : ''}`,
          );
          void vscode.window.showInformationMessage(
            vscode.l10n.t('{0}:latest now points at {1} (verified).', repository, tag),
          );
        }
        return result;
      },
    ),
  };
}

/**
 * glibc of several images, each at its published version (IMAGE:v1.2.3), one after the other with its own glibc
 * settings: one Readiness list whose rows say their image ("worker linux/arm64"). An image with no version or no
 * repository is a row that checked nothing (never left out, never a pass).
 */
async function glibcOfImages(
  ctx: CommandContext,
  images: readonly ImageFacts[],
): Promise<Array<{ name: string; reference?: string; report?: GlibcReport }> | undefined> {
  const out: Array<{ name: string; reference?: string; report?: GlibcReport }> = [];
  const parts: Array<{ name: string; report: ReadinessReport }> = [];
  const done = await withCancellableProgress(
    ctx.services,
    vscode.l10n.t('Checking glibc of {0} images', images.length),
    async (signal) => {
      for (const one of images) {
        const reference = releasedReference(one);
        if (!reference) {
          out.push({ name: one.name });
          const row = checkResult({
            id: 'glibc',
            title: 'glibc',
            examined: { count: 0, what: 'images', lookedFor: vscode.l10n.t('a published version of {0}', one.name) },
            findings: [],
            next: [
              {
                text: vscode.l10n.t('Tag the repository with its version, or check a tag of this image from its node'),
              },
            ],
          });
          parts.push({ name: one.name, report: readinessReport([row], { image: one.status.image ?? one.name }) });
          continue;
        }
        try {
          const report = await ctx.engines.checkGlibc(factsOfImage(one), reference, undefined, signal);
          out.push({ name: one.name, reference, report });
          parts.push({ name: one.name, report: (await ctx.engines.glibcRows(report, reference)).report });
        } catch (e) {
          // One image that could not be read is its row (could not run); the others are still checked.
          if (signal.aborted) throw e;
          out.push({ name: one.name, reference });
          const why = e instanceof Error ? e.message : String(e);
          const row = environmentResult('glibc', 'glibc', 'images', why);
          parts.push({ name: one.name, report: readinessReport([row], { image: reference }) });
        }
      }
      return true;
    },
  );
  if (!done) return undefined;
  await ctx.readiness.showExtra(combineImageReports(parts), vscode.l10n.t('glibc of {0} images', images.length));
  const bad = out.filter((o) => !o.report?.ok).map((o) => o.name);
  if (!bad.length)
    void vscode.window.showInformationMessage(
      vscode.l10n.t('glibc: every image runs on its own libc ({0}).', out.map((o) => o.reference).join(', ')),
    );
  else void vscode.window.showErrorMessage(vscode.l10n.t('glibc: not passed for {0}.', bad.join(', ')));
  return out;
}
