import { Option, type Command } from 'commander';
import type { AuditReport } from '../../core/audit';
import { describeError, usageError } from '../../core/errors';
import { combineVerdicts, exitCodeOf, renderReport } from '../../core/report';
import { limitsFrom } from '../../core/limits';
import { pickGitHubRemote } from '../../core/git/remote';
import type { GitHubClient } from '../../core/github';
import { defineCommand, type CliRuntime } from '../framework';
import { parseRepoFlag } from './github-context';

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[], { image?: string; repo?: string; allowEmpty?: boolean }>(program, rt, {
    name: 'audit',
    summary: 'check that git tags, GitHub Releases and image tags agree (exit 1 on findings or when nothing matched)',
    description:
      'Compares version git tags, GitHub Releases (draft/prerelease/latest), the image tags in the registry\n' +
      "(and GitHub Packages for ghcr.io) and the images' platforms and OCI labels. Findings: half-release,\n" +
      'image-without-release, missing-platform, moving-tag, revision-mismatch, version-mismatch, latest-release.\n' +
      'Without a GitHub token, git tags stand in for Releases and the output says so.\n' +
      'Tag prefixes not configured (tags.gitPrefix, tags.imagePrefix) are inferred from the tags; the output says\n' +
      'which prefixes it used and where they came from. No version found anywhere is "nothing checked" (exit 1).',
    configure: (c) =>
      c
        .addOption(
          new Option(
            '--image <name|repo>',
            'a configured image by name (default: every image), or the image repository (default: "image" ' +
              'setting, else ghcr.io/OWNER/NAME)',
          ),
        )
        .addOption(new Option('--repo <owner/name>', 'GitHub repository (default: from the git remote)'))
        .addOption(new Option('--allow-empty', 'exit 0 when there was nothing to check (no version anywhere)')),
    async run(ctx, _a, o) {
      // The engines load with the configuration (chunks of their own in dist/esm: --help needs none of them).
      const [
        { config },
        { gatherAndAudit },
        { GitRepo },
        { GitHubClient, cliTokenSource },
        { runProcess },
        { registryClientFromConfig },
        { imageRepository },
      ] = await Promise.all([
        ctx.config(),
        import('../../core/audit'),
        import('../../core/git/repo'),
        import('../../core/github'),
        import('../../core/process/run'),
        import('../../core/registry'),
        import('../../core/status'),
      ]);
      const { facts } = await GitRepo.read(ctx.cwd);
      const remote = pickGitHubRemote(facts.remotes)?.repo;
      const repo = o.repo ? parseRepoFlag(o.repo) : remote ? { owner: remote.owner, name: remote.name } : undefined;
      const { configForImage, imageEntries, selectImages } = await import('../../core/config/images');
      const entries = imageEntries(config);
      // --image names a configured image, or is a repository audited with the top-level settings (as it always was).
      const named = o.image !== undefined && entries.some((e) => e.name === o.image);
      const targets =
        o.image !== undefined && !named
          ? [{ name: '', image: o.image, config }]
          : selectImages(config, o.image).map((e) => ({
              name: e.name,
              image: e.image || (entries.length === 1 ? imageRepository(config, remote) : null),
              config: configForImage(config, e),
            }));
      if (targets.some((t) => !t.image))
        throw usageError(
          'No image repository to audit.',
          'Pass --image REGISTRY/REPO or set "image" in release-operator.json.',
        );
      let github: { client: GitHubClient; repo: { owner: string; name: string } } | undefined;
      let githubUnavailable: string | undefined;
      if (!repo) githubUnavailable = 'no GitHub remote (pass --repo OWNER/NAME)';
      else {
        try {
          github = {
            client: await GitHubClient.create({
              apiUrl: config.github.apiUrl,
              token: cliTokenSource(ctx.io.env, runProcess, config.github.apiUrl),
              logger: ctx.logger,
              limits: limitsFrom(config),
            }),
            repo,
          };
        } catch (e) {
          githubUnavailable = describeError(e).replace(/\n\s*/g, ' ');
        }
      }
      const source = registryClientFromConfig(config, ctx.logger, { env: ctx.io.env, runner: runProcess });
      const reports: Array<{ name: string; report: AuditReport }> = [];
      for (const t of targets)
        reports.push({
          name: t.name,
          report: await gatherAndAudit({
            image: t.image!,
            gitTags: facts.tags,
            config: t.config,
            source,
            github,
            githubUnavailable,
            signal: ctx.signal,
          }),
        });
      const several = reports.length > 1;
      const verdict = combineVerdicts(reports.map((r) => r.report.verdict));
      return {
        ok: verdict === 'pass',
        data: several
          ? { verdict, images: reports.map(({ name, report }) => ({ name, ...report })) }
          : reports[0].report,
        text: reports.map(({ name, report }) => (several ? `Image ${name}\n` : '') + formatAudit(report)).join('\n\n'),
        exitCode: exitCodeOf(verdict, { allowEmpty: o.allowEmpty }),
      };
    },
  });
}

function formatAudit(r: AuditReport): string {
  return renderReport(r, `Audit of ${r.image} (${r.versions.length} version${r.versions.length === 1 ? '' : 's'})`, {
    notes: r.notes,
  });
}
