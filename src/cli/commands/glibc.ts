import { Option, type Command } from 'commander';
import { usageError } from '../../core/errors';
import { defineCommand, type CliRuntime } from '../framework';
import type { ReleaseAssetOptions } from './glibc-release';

interface GlibcOptions extends ReleaseAssetOptions {
  platform?: string[];
  all?: boolean;
  localRead?: 'storage' | 'export' | 'save';
  release?: string;
  image?: string;
}

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string | undefined], GlibcOptions>(program, rt, {
    name: 'glibc',
    summary: "check that an image's binaries need no newer glibc than its runtime (or a target) provides",
    description:
      "Reads the image without running it (a local image from the Docker engine's own storage when this user may " +
      'read it, else through docker export of a created, never started container; a registry image through its ' +
      'layers) and compares the versions each binary needs (GLIBC_2.x, GLIBCXX_..., GCC_...) with those the ' +
      'libraries the loader would find define. ' +
      'TARGET is a file, folder or archive (tar, tar.gz/xz/zst, zip, wheel, npm tarball; compared with ' +
      '--max-glibc or --policy), docker-daemon:NAME, docker://REF, or a reference: a registry image when it names ' +
      'a host (ghcr.io/..., 127.0.0.1:5000/...), else a local Docker image. ' +
      'With --release TAG instead of TARGET, the assets of that GitHub Release (or draft) are downloaded and each ' +
      'Linux binary is held to its policy (--policy, else glibc.assets, else glibc.policy). ' +
      "Without TARGET, every configured image (or the one --image names) is checked at the version's tag " +
      '(IMAGE:v1.2.3 of the effective version), each held to its own glibc settings (an entry of "images" may ' +
      'carry "glibc"; what it leaves out comes from the top-level keys). ' +
      'Exit 1 on drift or when nothing was checked.',
    usesDocker: true,
    configure(cmd) {
      cmd.argument('[target]', 'file, folder, archive or image reference (default: every configured image)');
      cmd.addOption(
        new Option(
          '--image <name>',
          "a configured image by name: its glibc settings, and without TARGET its version's published image",
        ),
      );
      cmd.addOption(
        new Option('--release <tag>', "check the Linux binaries among this GitHub Release's assets (a draft too)"),
      );
      cmd.addOption(
        new Option('--asset <glob>', 'with --release: only assets whose names match (repeatable; * and ?)').argParser(
          (v: string, prev: string[] = []) => [...prev, v],
        ),
      );
      cmd.addOption(
        new Option('--repo <owner/name>', 'with --release: the GitHub repository (default: the git remote)'),
      );
      cmd.addOption(
        new Option(
          '--platform <platform>',
          'platform to check (repeatable); default: every platform of the image',
        ).argParser((v: string, prev: string[] = []) => [...prev, v]),
      );
      cmd.addOption(
        new Option('--max-glibc <version>', 'highest glibc a binary may need, e.g. 2.36').conflicts('policy'),
      );
      cmd.addOption(
        new Option(
          '--policy <name>',
          'target by name: bookworm, bullseye, trixie, ubuntu-22.04, ubuntu-24.04, el8, el9, manylinux_2_28...',
        ),
      );
      cmd.addOption(new Option('--all', 'check every ELF file of the image, not just the entrypoint and glibc.paths'));
      cmd.addOption(
        new Option(
          '--local-read <way>',
          "how to read a local image: storage (the engine's own layer folders; needs read access to its data " +
            'root), export (docker export of a created container), save (docker save); default: storage when ' +
            'readable, else export',
        ).choices(['storage', 'export', 'save']),
      );
    },
    async run(ctx, [target], options) {
      if (options.image !== undefined && options.release !== undefined)
        throw usageError("--image goes with TARGET or none; --release checks the Release's assets.");
      if (options.release !== undefined) {
        if (target)
          throw usageError(
            `Give either a TARGET or --release, not both (got ${target} and --release ${options.release}).`,
          );
        const { releaseAssets } = await import('./glibc-release');
        return releaseAssets(ctx, options.release, options);
      }
      if (options.asset?.length || options.repo) throw usageError('--asset and --repo go with --release TAG.');
      const [
        { config },
        { combineVerdicts, exitCodeOf },
        glibc,
        gate,
        { imageOfReference, selectImages },
        { runProcess },
        { registryClientFromConfig },
      ] = await Promise.all([
        ctx.config(),
        import('../../core/report'),
        import('../../core/glibc'),
        import('../../core/gate'),
        import('../../core/config/images'),
        import('../../core/process/run'),
        import('../../core/registry'),
      ]);
      // A reference is held to its image's settings (named, or the one whose repository it names); none: every image.
      const owner = target === undefined ? undefined : imageOfReference(config, options.image, target);
      const images = target === undefined ? selectImages(config, options.image) : owner ? [owner] : [];
      const facts = target === undefined ? await gate.gateFacts(ctx.cwd, config, ctx.io.env) : undefined;
      const registry = registryClientFromConfig(config, ctx.logger, { env: ctx.io.env, runner: runProcess });
      const results = await gate.checkImagesGlibc(
        {
          config,
          images,
          target,
          fallbackImage: facts?.image,
          version: facts?.version,
          flags: { maxGlibc: options.maxGlibc, policy: options.policy },
          request: { platforms: options.platform, all: options.all },
        },
        {
          runner: runProcess,
          dockerPath: config.dockerPath,
          engines: config.engines,
          registry,
          cwd: ctx.cwd,
          logger: ctx.logger,
          signal: ctx.signal,
          localImageVia: options.localRead,
          limits: { files: config.limits.files },
        },
      );
      // Files it could not read make it an environment fault (exit 3); no ELF file examined is "nothing checked"
      // (exit 1): neither is a pass, and neither says "no drift". Several images: the worst of them.
      const verdict = combineVerdicts(results.map((r) => glibc.glibcVerdict(r.report)));
      // No TARGET: the configured images, always as a list (one image too), each with where its reference came from.
      const listed = target === undefined;
      const heading = (r: (typeof results)[number]) =>
        `Image ${r.name}: ${r.target} (${r.from}; ${r.policy ? `policy ${r.policy}` : r.maxGlibc ? `max glibc ${r.maxGlibc}` : 'no policy'})`;
      return {
        ok: verdict === 'pass',
        data: listed
          ? {
              images: results.map((r) => ({
                name: r.name,
                target: r.target,
                from: r.from,
                ...(glibc.toJson(r.report) as object),
              })),
            }
          : glibc.toJson(results[0].report),
        text: results.map((r) => (listed ? `${heading(r)}\n` : '') + glibc.formatGlibcReport(r.report)).join('\n\n'),
        exitCode: exitCodeOf(verdict),
      };
    },
  });
}
