import type { Command } from 'commander';
import { Option } from 'commander';
import path from 'node:path';
import { usageError } from '../../core/errors';
import { defineCommand, type CliRuntime } from '../framework';

declare const RELEASE_OPERATOR_VERSION: string;

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string[]], { format?: 'text' | 'sarif'; allowEmpty?: boolean }>(program, rt, {
    name: 'lint',
    summary: 'check Dockerfiles and release workflows for known release incidents',
    description:
      "Lints Dockerfiles and GitHub Actions workflows (default: the repository's Dockerfile*, the Dockerfiles its workflows build, and " +
      '.github/workflows/*.yml). Each finding names the evidence it rests on. Exits 1 when a finding has error severity, or when nothing ' +
      'was found to lint. Severities per rule ("off" turns one off): "lint.rules" in release-operator.json. Silence one finding with a ' +
      'comment above it: # release-operator-ignore RO-D004: why this is safe. --verbose lists what was silenced and what each rule examined.',
    configure(cmd) {
      cmd.argument('[paths...]', 'files to lint, relative to the current folder');
      cmd.addOption(new Option('--format <format>', 'output format').choices(['text', 'sarif']).default('text'));
      cmd.option('--allow-empty', 'exit 0 when there was nothing to lint (the verdict still says nothing was checked)');
    },
    async run(ctx, [paths], options) {
      const started = Date.now();
      const [{ config, root }, engine, { formatRun }, { lintRepository }, { toSarif }, { lintCheckResult }] =
        await Promise.all([
          ctx.config(),
          import('../../core/lint/engine'),
          import('../../core/lint/format'),
          import('../../core/lint/project'),
          import('../../core/lint/sarif'),
          import('../../core/lint/check-result'),
        ]);
      const unknown = engine.unknownRuleIds(config.lint.rules);
      if (unknown.length)
        throw usageError(
          `lint.rules names ${unknown.join(', ')}, which no lint rule has.`,
          'Check the ids against `release-operator lint --help` or the README (RO-D001 ... RO-W009, RO-L001, RO-L002).',
        );
      const repository = await githubRepository(root);
      const { SCHEMA } = await import('../../core/config/schema');
      const isDefault =
        JSON.stringify(config.requiredPlatforms) === JSON.stringify(SCHEMA.fields.requiredPlatforms.default);
      const lintOpts = engine.lintOptions(config, {
        repository,
        requiredPlatformsBasis: isDefault ? 'default' : 'configured',
      });
      const targets = paths.length ? paths.map((p) => path.relative(root, path.resolve(ctx.cwd, p))) : undefined;
      ctx.logger.debug(
        `lint: ${targets ? targets.join(', ') : `discovering in ${root}`} (repository ${repository ?? 'unknown'})`,
      );
      const run = await lintRepository(root, targets, lintOpts, {
        extraDockerfile: config.smoke.dockerfile,
        signal: ctx.signal,
        onRuleError: (id, e) =>
          ctx.logger.warn(`rule ${id} failed and was skipped: ${e instanceof Error ? e.message : String(e)}`),
      });
      const check = lintCheckResult(run, Date.now() - started);
      const ok = check.verdict === 'pass';
      const { exitCodeOf } = await import('../../core/report');
      const exitCode = exitCodeOf(check.verdict, { allowEmpty: options.allowEmpty });
      if (options.format === 'sarif' && !ctx.json) {
        const version = typeof RELEASE_OPERATOR_VERSION === 'string' ? RELEASE_OPERATOR_VERSION : '0.0.0';
        const sarif = toSarif(
          run.findings,
          { version, informationUri: 'https://github.com/release-operator/release-operator' },
          run.suppressed,
        );
        return { ok, exitCode, data: sarif, text: JSON.stringify(sarif, null, 2) };
      }
      return {
        ok,
        exitCode,
        data: {
          verdict: check.verdict,
          summary: check.summary,
          files: run.files,
          findings: run.findings,
          suppressed: run.suppressed,
          skipped: run.skipped,
          examined: check.evidence?.examined,
          rules: run.stats.rules,
          lookedFor: run.lookedFor,
          check,
        },
        text: formatRun(run, Boolean(ctx.options.verbose)),
      };
    },
  });
}

/** owner/name of the repository's GitHub remote (for the self-repository `uses:` form); undefined when none. */
async function githubRepository(root: string): Promise<string | undefined> {
  try {
    const [{ GitRepo }, { pickGitHubRemote }] = await Promise.all([
      import('../../core/git/repo'),
      import('../../core/git/remote'),
    ]);
    const { facts } = await GitRepo.read(root);
    const remote = pickGitHubRemote(facts.remotes);
    return remote?.repo ? `${remote.repo.owner}/${remote.repo.name}` : undefined;
  } catch {
    return undefined;
  }
}
