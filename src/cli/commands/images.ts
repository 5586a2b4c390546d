import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
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
      const [{ config, root }, { imageEntries }, { discoverImages, notConfigured }, { localStatus }, config$] =
        await Promise.all([
          ctx.config(),
          import('../../core/config/images'),
          import('../../core/config/discover'),
          import('../../core/status'),
          import('../../core/config/load'),
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

      const found = notConfigured(await discoverImages(root, gh?.name.toLowerCase() ?? path.basename(root)), entries);
      const base = gh ? `ghcr.io/${gh.owner.toLowerCase()}` : 'REGISTRY/OWNER';
      const offered = found.map((f) => ({
        name: f.name,
        image: `${base}/${f.name}`,
        dockerfile: f.dockerfile,
        context: f.context,
      }));
      const snippet = JSON.stringify({ images: offered }, null, 2);
      lines.push(
        '',
        offered.length
          ? `Dockerfiles no image builds (${offered.length}), as "images" entries:\n${snippet}`
          : 'Every Dockerfile found is built by a configured image.',
      );
      let written: string | undefined;
      if (flags.write && offered.length) {
        const { file, overrides } = await config$.readConfigFile(root);
        if (overrides?.images?.length)
          throw usageError(
            `${file} already has an "images" list; --write only starts one.`,
            'Add the entries printed by --discover by hand.',
          );
        const { readRegularText } = await import('../../core/files');
        // Read again as it is (not as loaded): only "images" is added, the rest of the file stays what it says.
        const text = await readRegularText(root, config$.CONFIG_FILE);
        const current = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        // The image the top-level keys describe stays, as the first entry: an "images" list replaces those keys.
        const [one] = entries;
        const keep =
          entries.length === 1 && existsSync(path.join(root, one.dockerfile))
            ? [
                {
                  name: one.name,
                  image: config.image || status?.image || `${base}/${one.name}`,
                  dockerfile: one.dockerfile,
                  context: one.context,
                },
              ]
            : [];
        written = path.join(root, config$.CONFIG_FILE);
        await writeFile(written, JSON.stringify({ ...current, images: [...keep, ...offered] }, null, 2) + '\n');
        lines.push('', `Written to ${written}.`);
      }
      return { ok: true, data: { images: rows, offered, written }, text: lines.map((l) => n(l)).join('\n') };
    },
  });
}
