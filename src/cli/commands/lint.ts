import type { Command } from 'commander';
import { Option } from 'commander';
import path from 'node:path';
import { usageError } from '../../core/errors';
import { defineCommand, type CliRuntime } from '../framework';

declare const RELEASE_OPERATOR_VERSION: string;

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string[]], { format?: 'text' | 'sarif' }>(program, rt, {
    name: 'lint',
    summary: 'check Dockerfiles and release workflows for known release incidents',
    description:
      "Lints Dockerfiles and GitHub Actions workflows (default: the repository's Dockerfile* and .github/workflows/*.yml). " +
      'Exits 1 when a finding has error severity. Severities per rule: "lint.rules" in release-operator.json.',
    configure(cmd) {
      cmd.argument('[paths...]', 'files to lint, relative to the current folder');
      cmd.addOption(new Option('--format <format>', 'output format').choices(['text', 'sarif']).default('text'));
    },
    async run(ctx, [paths], options) {
      const [{ config, root }, { lintOptions }, { formatFindings }, { discoverTargets, lintFiles }, { toSarif }] =
        await Promise.all([
          ctx.config(),
          import('../../core/lint/engine'),
          import('../../core/lint/format'),
          import('../../core/lint/project'),
          import('../../core/lint/sarif'),
        ]);
      const targets = paths.length
        ? paths.map((p) => path.relative(root, path.resolve(ctx.cwd, p)))
        : await discoverTargets(root, config.smoke.dockerfile);
      if (targets.length === 0)
        throw usageError(
          `Nothing to lint in ${root}: no Dockerfile and no .github/workflows/*.yml.`,
          'Pass the files to lint as arguments.',
        );
      const run = await lintFiles(root, targets, lintOptions(config), (id, e) =>
        ctx.logger.warn(`rule ${id} failed and was skipped: ${e instanceof Error ? e.message : String(e)}`),
      );
      const ok = !run.findings.some((f) => f.severity === 'error');
      if (options.format === 'sarif' && !ctx.json) {
        const version = typeof RELEASE_OPERATOR_VERSION === 'string' ? RELEASE_OPERATOR_VERSION : '0.0.0';
        const sarif = toSarif(run.findings, {
          version,
          informationUri: 'https://github.com/release-operator/release-operator',
        });
        return { ok, data: sarif, text: JSON.stringify(sarif, null, 2) };
      }
      return { ok, data: { files: run.files, findings: run.findings }, text: formatFindings(run.findings, run.files) };
    },
  });
}
