import type { Command } from 'commander';
import { defineCommand, type CliRuntime } from '../framework';

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[], { run?: string; force?: boolean }>(program, rt, {
    name: 'cleanup',
    summary: 'remove containers and temporary images that crashed smoke runs or glibc checks left behind',
    description:
      "Removes every container and image labelled release-operator=1 (the product's smoke containers and\n" +
      'temporary image tags, and the never-started containers the glibc check exports a local image from), or\n' +
      'with --run only those of one smoke run. Nothing else is touched. What belongs to a run still in progress on\n' +
      'this machine (a smoke run in another terminal or editor window) is left alone unless --force.',
    usesDocker: true,
    configure(cmd) {
      cmd.option('--run <runId>', 'only the leftovers of this smoke run (its id is printed when it starts)');
      cmd.option('--force', 'also remove what runs still in progress use (they will fail)');
    },
    async run(ctx, _args, flags) {
      const [{ config }, { runProcess }, { cleanupSmoke }] = await Promise.all([
        ctx.config(),
        import('../../core/process/run'),
        import('../../core/smoke'),
      ]);
      const r = await cleanupSmoke({
        runner: runProcess,
        dockerPath: config.dockerPath,
        engines: config.engines,
        runId: flags.run,
        force: flags.force,
        signal: ctx.signal,
        logger: ctx.logger,
      });
      const lines = (s: { containers: typeof r.containers; images: typeof r.images }) => [
        ...s.containers.map((c) => `  container ${c.id.slice(0, 12)} ${c.names} (${c.status})`),
        ...s.images.map((i) => `  image ${i.reference}`),
      ];
      const spared = lines(r.spared);
      const text = [
        `Removed ${r.containers.length} container(s) and ${r.images.length} image(s)${flags.run ? ` of smoke run ${flags.run}` : ''}.`,
        ...lines(r),
        ...(spared.length
          ? [
              `Left ${r.spared.containers.length} container(s) and ${r.spared.images.length} image(s) ` +
                'of runs still in progress alone (--force removes them too):',
              ...spared,
            ]
          : []),
      ].join('\n');
      return { ok: true, data: { containers: r.containers, images: r.images, spared: r.spared }, text };
    },
  });
}
