import type { Command } from 'commander';
import { usageError } from '../../core/errors';
import { combineVerdicts, exitCodeOf } from '../../core/report';
import { defineCommand, type CliRuntime } from '../framework';

/** `size REF`: compressed size per platform, largest layers, delta to the previous release, the size budget. */
export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string], { previous?: string; top: string }>(program, rt, {
    name: 'size',
    summary:
      'compressed size per platform, the largest layers and what made them, growth since the previous release, budgets',
    description:
      'Reads manifests and image configs only (nothing is pulled). The previous release is the newest stable ' +
      'version tag below this one under the tag scheme (--previous to choose). With size.budget, ' +
      'size.platformBudgets or size.maxGrowth configured, exits 1 when a platform is over budget; without any, ' +
      'the check examined nothing (exit 1) and the figures are still printed.',
    configure: (cmd) =>
      cmd
        .argument('<ref>', 'image reference, e.g. ghcr.io/owner/name:v1.2.3')
        .option('--previous <tag>', 'compare with this tag instead of the previous release')
        .option('--top <n>', 'how many of the largest layers to list per platform', '5'),
    async run(ctx, [ref], options) {
      if (!/^\d+$/.test(options.top)) throw usageError(`--top expects a number; got '${options.top}'.`);
      const [{ config }, size, registry] = await Promise.all([
        ctx.config(),
        import('../../core/size'),
        import('../../core/registry'),
      ]);
      const client = registry.registryClientFromConfig(config, ctx.logger, { env: ctx.io.env });
      const budgets = size.budgetsFromConfig(config);
      const report = await size.sizeReport(client, ref, config, { previous: options.previous, signal: ctx.signal });
      const checks = size.sizeChecks(report, budgets);
      const verdict = combineVerdicts(checks.map((c) => c.verdict));
      return {
        ok: verdict === 'pass',
        data: { ...report, verdict, checks },
        text: size.formatSizeReport(report, checks, Number(options.top)),
        exitCode: exitCodeOf(verdict),
      };
    },
  });
}
