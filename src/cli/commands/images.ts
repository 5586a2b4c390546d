import type { Command } from 'commander';
import { usageError } from '../../core/errors';
import { neutralize as n } from '../../core/neutralize';
import { defineCommand, type CliRuntime } from '../framework';

interface ImagesFlags {
  discover?: boolean;
  write?: boolean;
}

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[], ImagesFlags>(program, rt, {
    name: 'images',
    summary: "list the repository's images and their engines; --discover offers the Dockerfiles no image builds",
    description:
      'Lists the configured images (the "images" list, or the one image of the top-level keys) with their\n' +
      'Dockerfile, context, required platforms and the engine each platform runs on. --discover finds the\n' +
      "repository's Dockerfiles (a monorepo's apps/*, services/*, Dockerfile.NAME) that no image builds and prints\n" +
      'the "images" entries for them; --write adds them to release-operator.json (only when it has no "images"\n' +
      'list yet: the file is rewritten as plain JSON). Nothing is written without --write.',
    configure(cmd) {
      cmd.option('--discover', 'find Dockerfiles that no configured image builds and offer them as images');
      cmd.option('--write', 'with --discover: write the offered images into release-operator.json');
    },
    async run(ctx, _args, flags) {
      if (flags.write && !flags.discover) throw usageError('--write goes with --discover.');
      const [{ config, root }, { imageEntries }, { localStatus }] = await Promise.all([
        ctx.config(),
        import('../../core/config/images'),
        import('../../core/status'),
      ]);
      const { engineFor, describeEngine } = await import('../../core/container');
      const status = await localStatus(ctx.cwd, config).catch(() => undefined);
      const gh = status?.repository.github;
      const entries = imageEntries(config);
      const rows = entries.map((e) => ({
        ...e,
        image: e.image || status?.image || '',
        engines: Object.fromEntries(
          e.requiredPlatforms.map((p) => [p, describeEngine(engineFor(config.engines, p))] as const),
        ),
      }));
      const lines = rows.flatMap((e) => [
        `${e.name}  ${e.image || '(repository unknown: set "image")'}`,
        `  Dockerfile ${e.dockerfile} (context ${e.context})`,
        ...e.requiredPlatforms.map((p) => `  ${p.padEnd(14)} on ${e.engines[p]}`),
      ]);
      if (!flags.discover) return { ok: true, data: { images: rows }, text: lines.map((l) => n(l)).join('\n') };

      const { planImageOffer, writeImageOffer } = await import('../../core/config/offer');
      const offer = await planImageOffer(root, config, { github: gh, image: status?.image });
      const offered = offer.offered;
      const snippet = JSON.stringify({ images: offered }, null, 2);
      // One line each: the output is made safe line by line (a newline inside a line would show as \n).
      lines.push(
        '',
        ...(offered.length
          ? [`Dockerfiles no image builds (${offered.length}), as "images" entries:`, ...snippet.split('\n')]
          : ['Every Dockerfile found is built by a configured image.']),
      );
      let written: string | undefined;
      if (flags.write && offered.length) {
        written = await writeImageOffer(root, offer);
        lines.push('', `Written to ${written}.`);
      }
      return { ok: true, data: { images: rows, offered, written }, text: lines.map((l) => n(l)).join('\n') };
    },
  });
}
