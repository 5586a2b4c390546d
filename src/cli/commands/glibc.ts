import { Option, type Command } from 'commander';
import { EXIT_CODES, usageError } from '../../core/errors';
import { defineCommand, type CliRuntime } from '../framework';
import type { ReleaseAssetOptions } from './glibc-release';

interface GlibcOptions extends ReleaseAssetOptions {
  platform?: string[];
  all?: boolean;
  localRead?: 'storage' | 'export' | 'save';
  release?: string;
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
      'Exit 1 on drift or when nothing was checked.',
    usesDocker: true,
    configure(cmd) {
      cmd.argument('[target]', 'file, folder, archive or image reference');
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
      if (options.release !== undefined) {
        if (target)
          throw usageError(
            `Give either a TARGET or --release, not both (got ${target} and --release ${options.release}).`,
          );
        const { releaseAssets } = await import('./glibc-release');
        return releaseAssets(ctx, options.release, options);
      }
      if (!target) throw usageError('glibc needs a TARGET or --release TAG.', 'See release-operator glibc --help.');
      if (options.asset?.length || options.repo) throw usageError('--asset and --repo go with --release TAG.');
      const [
        { config },
        { checkGlibc, formatGlibcReport, glibcVerdict, toJson },
        { runProcess },
        { registryClientFromConfig },
      ] = await Promise.all([
        ctx.config(),
        import('../../core/glibc'),
        import('../../core/process/run'),
        import('../../core/registry'),
      ]);
      const maxGlibc = options.maxGlibc ?? (options.policy ? undefined : config.glibc.maxGlibc || undefined);
      const policy = options.policy ?? (options.maxGlibc ? undefined : config.glibc.policy || undefined);
      const registry = registryClientFromConfig(config, ctx.logger, { env: ctx.io.env, runner: runProcess });
      const report = await checkGlibc(
        { target, platforms: options.platform, maxGlibc, policy, all: options.all, paths: config.glibc.paths },
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
      // (exit 1): neither is a pass, and neither says "no drift".
      const verdict = glibcVerdict(report);
      return {
        ok: verdict === 'pass',
        data: toJson(report),
        text: formatGlibcReport(report),
        exitCode: verdict === 'environment' ? EXIT_CODES.environment : undefined,
      };
    },
  });
}
