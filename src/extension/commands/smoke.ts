import * as vscode from 'vscode';
import { smokePlatforms } from '../../core/config/load';
import { guarded, withCancellableProgress } from '../progress';
import type { PlatformSmoke, SmokeStepView } from '../smokeResults';
import { smokeLogText } from '../smokeLog';
import { requireTrust } from '../trust';
import type { ReleaseNode } from '../tree/model';
import type { CommandContext, Handler } from './context';
import { imageRepositoryOf, pickImageTag, pickPlatforms } from './pick';
import { factsOfImage, type ImageFacts } from '../facts';
import { whichImages } from './whichImage';

export interface SmokeArgs {
  /** Image reference; default: picked from the image's tags. */
  reference?: string;
  platforms?: string[];
  /** Build the repository's Dockerfile per platform and test that (smoke --build); `reference` is ignored. */
  build?: boolean;
  /** The configured image (its name) of a repository with several; default: the reference's, else picked. */
  image?: string;
}

/** Run smoke tests (per platform, live in the status bar and the tree), show results. */
export function smokeCommands(ctx: CommandContext): Record<string, Handler> {
  const { services, smoke } = ctx;

  const run = async (args: SmokeArgs = {}): Promise<PlatformSmoke[] | undefined> => {
    if (
      !requireTrust(
        args.build ? vscode.l10n.t('Building and smoke testing the Dockerfile') : vscode.l10n.t('Smoke testing'),
      )
    )
      return undefined;
    const all = await ctx.facts();
    const repositoryOf = (r: string) => r.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
    // A reference names its image (by repository) unless an image is named; else the image is picked, and a local
    // build may run every image's Dockerfile in turn.
    const byReference =
      args.reference && args.image === undefined && !args.build
        ? (all.images.find((i) => i.status.image === repositoryOf(args.reference!)) ?? all.images[0])
        : undefined;
    const images = byReference
      ? [byReference]
      : await whichImages(all, args, {
          all: Boolean(args.build),
          title: args.build ? vscode.l10n.t('Build and smoke test') : vscode.l10n.t('Smoke test'),
        });
    if (!images?.length) return undefined;
    const out: PlatformSmoke[] = [];
    for (const one of images) {
      const r = await runOne(one, all.images.length > 1 ? one.name : undefined, args);
      if (!r) return out.length ? out : undefined;
      out.push(...r);
    }
    return out;
  };

  const runOne = async (
    one: ImageFacts,
    imageName: string | undefined,
    args: SmokeArgs,
  ): Promise<PlatformSmoke[] | undefined> => {
    const f = factsOfImage(one);
    // A local build is named by its Dockerfile (what the status bar, tree and messages show).
    const reference = args.build
      ? vscode.l10n.t('{0} (local build)', f.config.smoke.dockerfile)
      : (args.reference ??
        ((t) => t && `${imageRepositoryOf(f)}:${t}`)(
          await pickImageTag(ctx, f, vscode.l10n.t('Smoke test image tag')),
        ));
    if (!reference) return undefined;
    const configured = smokePlatforms(f.config);
    const platforms =
      args.platforms ??
      (await pickPlatforms(
        [...new Set([...configured, ...f.config.requiredPlatforms])],
        configured,
        vscode.l10n.t('Smoke test {0} on', reference),
      ));
    if (!platforms?.length) return undefined;
    const started = Date.now();
    for (const platform of platforms)
      smoke.set({
        platform,
        image: reference,
        ...(imageName !== undefined ? { imageName } : {}),
        ...(args.build ? { build: true } : {}),
        state: 'running',
        startedAt: started,
        steps: [],
      });
    services.logger.info(`smoke: ${reference} on ${platforms.join(', ')}`);
    // Steps of a platform run side by side (the help command while the health check waits), so the notification
    // says what is running on each platform rather than only the latest event.
    const running = new Map<string, string[]>(platforms.map((p) => [p, []]));
    const progressText = (platform: string, step: SmokeStepView) => {
      const now = (running.get(platform) ?? []).filter((s) => s !== step.name);
      if (step.state === 'running') now.push(step.name);
      running.set(platform, now);
      const busy = [...running]
        .filter(([, steps]) => steps.length)
        .map(([p, steps]) => vscode.l10n.t('{0}: {1} running', p, steps.join(', ')));
      return busy.length ? busy.join(' · ') : `${platform}: ${step.name} ${step.state}`;
    };
    const title = vscode.l10n.t('Smoke testing {0}', reference);
    const results = await withCancellableProgress(services, title, async (signal, report) =>
      ctx.engines.smoke(f, args.build ? { build: true, label: reference } : { reference }, platforms, signal, {
        step: (platform, step) => {
          smoke.step(platform, step, imageName);
          report(progressText(platform, step));
        },
        containerLog: (platform, text) => services.appendContainerLog(`[${platform}] ${text}`),
      }),
    );
    // Cancelled or failed before results: whatever is still running did not finish.
    for (const platform of platforms) {
      const r = results?.find((x) => x.platform === platform);
      const now = smoke.get(platform, imageName);
      if (r) smoke.set({ ...r, ...(imageName !== undefined ? { imageName } : {}) });
      else if (now?.state === 'running') smoke.set({ ...now, state: 'cancelled', durationMs: Date.now() - started });
    }
    const failed = results?.filter((r) => r.state === 'failed') ?? [];
    if (failed.length) {
      // The run's log by platform and step, the failing step last (where show() leaves the channel).
      services.appendContainerLog(smokeLogText(reference, results ?? []));
      services.containers.show(true);
      void vscode.window
        .showErrorMessage(
          vscode.l10n.t(
            'Smoke test failed on {0}: {1}',
            failed.map((r) => r.platform).join(', '),
            failed[0].message ?? '',
          ),
          vscode.l10n.t('Show Container Logs'),
        )
        .then((p) => p && services.containers.show(true));
    } else if (results)
      void vscode.window.setStatusBarMessage(vscode.l10n.t('Smoke test passed on {0}', platforms.join(', ')), 5000);
    return results;
  };

  const guardedRun = guarded(services, vscode.l10n.t('Smoke test'), run);

  return {
    // From a node of the Release view (an image of several) the node's image; from the palette, an argument's.
    runSmoke: (args?: SmokeArgs | ReleaseNode) => guardedRun(args && 'id' in args ? { image: args.data?.image } : args),
    runSmokeBuild: (args?: Omit<SmokeArgs, 'reference' | 'build'> | ReleaseNode) =>
      guardedRun({ ...(args && 'id' in args ? { image: args.data?.image } : args), build: true }),
    cleanUp: guarded(services, vscode.l10n.t('Clean up'), async () => {
      const f = await ctx.facts();
      const r = await withCancellableProgress(services, vscode.l10n.t('Removing what crashed runs left'), (signal) =>
        ctx.engines.cleanup(f, signal),
      );
      if (!r) return undefined;
      const spared = r.spared.containers.length + r.spared.images.length;
      for (const c of r.containers)
        services.logger.info(`cleanup: removed container ${c.id.slice(0, 12)} ${c.names} (${c.status})`);
      for (const i of r.images) services.logger.info(`cleanup: removed image ${i.reference}`);
      void vscode.window.showInformationMessage(
        spared
          ? vscode.l10n.t(
              'Removed {0} container(s) and {1} image(s) left by earlier runs; left {2} of runs still in progress alone.',
              r.containers.length,
              r.images.length,
              spared,
            )
          : vscode.l10n.t(
              'Removed {0} container(s) and {1} image(s) left by earlier runs.',
              r.containers.length,
              r.images.length,
            ),
      );
      return r;
    }),
    runSmokeForPlatform: (node?: ReleaseNode) =>
      // A result of a local build is run again by building; anything else by its image reference.
      guardedRun({
        ...(node?.data?.build ? { build: true } : { reference: node?.data?.reference }),
        platforms: node?.data?.platform ? [node.data.platform] : undefined,
        ...(node?.data?.image !== undefined ? { image: node.data.image } : {}),
      }),
    showSmokeResult: async () => {
      const all = smoke.all();
      if (!all.length) {
        const pick = await vscode.window.showInformationMessage(
          vscode.l10n.t('No smoke test has run in this window.'),
          vscode.l10n.t('Run Smoke Test...'),
        );
        if (pick) await vscode.commands.executeCommand('releaseOperator.runSmoke');
        return;
      }
      if (all.some((r) => r.state === 'failed')) services.containers.show(true);
      await vscode.commands.executeCommand('releaseOperator.release.focus');
      // Several images: the first image's node, its smoke results among its sections.
      const roots = await ctx.tree.getChildren();
      const node = roots.find((n) => n.id === 'smoke') ?? roots.find((n) => n.id.startsWith('group/'));
      if (node) await ctx.treeView.reveal(node, { expand: 2, focus: true, select: true });
    },
  };
}
