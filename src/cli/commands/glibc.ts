import { Option, type Command } from 'commander';
import { EXIT_CODES } from '../../core/errors';
import { defineCommand, type CliRuntime } from '../framework';

interface GlibcOptions {
  platform?: string[];
  maxGlibc?: string;
  policy?: string;
  all?: boolean;
  localRead?: 'storage' | 'export' | 'save';
}

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string], GlibcOptions>(program, rt, {
    name: 'glibc',
    summary: "check that an image's binaries need no newer glibc than its runtime (or a target) provides",
    description:
      "Reads the image without running it (a local image from the Docker engine's own storage when this user may " +
      'read it, else through docker export of a created, never started container; a registry image through its ' +
      'layers) and compares the versions each binary needs (GLIBC_2.x, GLIBCXX_..., GCC_...) with those the ' +
      'libraries the loader would find define. ' +
      'TARGET is a file or folder (compared with --max-glibc or --policy), docker-daemon:NAME, docker://REF, or a ' +
      'reference: a registry image when it names a host (ghcr.io/..., 127.0.0.1:5000/...), else a local Docker ' +
      'image. Exit 1 on drift.',
    usesDocker: true,
    configure(cmd) {
      cmd.argument('<target>', 'file, folder or image reference');
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
