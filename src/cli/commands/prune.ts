import type { Command } from 'commander';
import { CancelledError, usageError } from '../../core/errors';
import { exitCodeOf } from '../../core/report';
import { askYesNo, canAsk } from '../confirm';
import { defineCommand, type CliContext, type CliRuntime } from '../framework';

/** The CLI's IO may carry a clock (tests pin it); else the real one. */
const clockOf = (ctx: CliContext): (() => Date) => (ctx.io as { now?: () => Date }).now ?? (() => new Date());

const VIA = ['auto', 'registry', 'github-packages'] as const;

/** `prune REPO`: the retention plan, applied only with --apply. */
export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string], { apply?: boolean; yes?: boolean; via: string; package?: string }>(program, rt, {
    name: 'prune',
    summary: 'plan (and with --apply, do) the retention policy: old candidate/CI tags and what only they hold',
    description:
      'Plans which tags and manifests the retention policy (retention.rules, retention.protect) deletes, each with ' +
      'its reason. Releases, moving tags, tags no rule matches, and every platform, attestation, signature and ' +
      'referrer of a kept image are never deleted. Nothing changes without --apply; after applying, every kept tag ' +
      'is resolved again with all its platforms.',
    configure: (cmd) =>
      cmd
        .argument('<repo>', 'image repository, e.g. ghcr.io/owner/name')
        .option('--apply', 'delete what the plan says (asks first on a terminal unless --yes)')
        .option('--yes', 'with --apply: do not ask')
        .option('--via <api>', `how to list and delete: ${VIA.join(', ')} (auto: GitHub Packages for ghcr.io)`, 'auto')
        .option('--package <owner/name>', 'the GitHub package, when it is not the image path'),
    async run(ctx, [repoText], options) {
      if (!(VIA as readonly string[]).includes(options.via))
        throw usageError(`--via expects one of ${VIA.join(', ')}; got '${options.via}'.`);
      const pkg = options.package ? /^([A-Za-z0-9_.-]+)\/(.+)$/.exec(options.package) : undefined;
      if (options.package && !pkg) throw usageError(`--package expects OWNER/NAME; got '${options.package}'.`);
      const [{ config, file }, retention, registry] = await Promise.all([
        ctx.config(),
        import('../../core/retention'),
        import('../../core/registry'),
      ]);
      const repo = registry.parseRepository(repoText);
      const policy = retention.policyFromConfig(config);
      ctx.logger.debug(`retention rules from ${file ?? 'the defaults'}: ${JSON.stringify(config.retention)}`);
      const prune = {
        client: registry.registryClientFromConfig(config, ctx.logger, { env: ctx.io.env }),
        now: clockOf(ctx),
        backend: options.via as 'auto',
        packageName: pkg ? { owner: pkg[1], name: pkg[2] } : undefined,
        signal: ctx.signal,
        github: async () => {
          const [{ GitHubClient, cliTokenSource }, { runProcess }] = await Promise.all([
            import('../../core/github'),
            import('../../core/process/run'),
          ]);
          return GitHubClient.create({
            apiUrl: config.github.apiUrl,
            token: cliTokenSource(ctx.io.env, runProcess, config.github.apiUrl),
            logger: ctx.logger,
          });
        },
      };
      const plan = await retention.planRetention(repo, policy, prune);
      const name = registry.repositoryName(repo);
      if (!options.apply) {
        const todo = plan.deletions.length
          ? `Nothing was deleted. To delete ${plan.counts.deletedManifests} manifest(s) and ${plan.counts.deletedTags} tag(s): release-operator prune ${name} --apply`
          : 'Nothing to delete.';
        return {
          ok: true,
          data: { plan, applied: false },
          text: `${retention.formatPlan(plan, { dryRun: true })}\n${todo}`,
        };
      }
      if (!plan.deletions.length)
        return { ok: true, data: { plan, applied: false }, text: `${retention.formatPlan(plan)}\nNothing to delete.` };
      if (!options.yes && canAsk(ctx)) {
        ctx.io.stderr(retention.formatPlan(plan) + '\n');
        const question = `Delete ${plan.counts.deletedManifests} manifest(s) and ${plan.counts.deletedTags} tag(s) from ${name}?`;
        if (!(await askYesNo(ctx, question)))
          return {
            ok: false,
            data: { plan, applied: false, reason: 'not confirmed' },
            text: 'Not confirmed; nothing changed.',
            exitCode: 2,
          };
      }
      try {
        const result = await retention.applyRetention(plan, prune);
        const failed = result.counts.failed + result.counts.skipped;
        const verdict = result.verification.verdict;
        return {
          ok: verdict === 'pass' && failed === 0,
          data: { ...result, applied: true },
          text: `${retention.formatPlan(plan)}\n${retention.formatResult(result)}`,
          exitCode: verdict === 'pass' ? (failed ? 1 : 0) : exitCodeOf(verdict),
        };
      } catch (e) {
        if (e instanceof CancelledError && !ctx.signal.aborted)
          return { ok: false, data: { applied: false }, text: 'Cancelled.', exitCode: 130 };
        throw e;
      }
    },
  });
}
