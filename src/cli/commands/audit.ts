import { Option, type Command } from 'commander';
import { gatherAndAudit, type AuditReport } from '../../core/audit';
import { describeError, usageError } from '../../core/errors';
import { GitRepo } from '../../core/git/repo';
import { pickGitHubRemote } from '../../core/git/remote';
import { GitHubClient, cliTokenSource } from '../../core/github';
import { runProcess } from '../../core/process/run';
import { registryClientFromConfig } from '../../core/registry';
import { imageRepository } from '../../core/status';
import { defineCommand, type CliRuntime } from '../framework';
import { parseRepoFlag } from './github-context';

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[], { image?: string; repo?: string }>(program, rt, {
    name: 'audit',
    summary: 'check that git tags, GitHub Releases and image tags agree (exit 1 on findings)',
    description:
      'Compares version git tags, GitHub Releases (draft/prerelease/latest), the image tags in the registry\n' +
      '(and GitHub Packages for ghcr.io) and the images\' platforms and OCI labels. Findings: half-release,\n' +
      'image-without-release, missing-platform, moving-tag, revision-mismatch, version-mismatch, latest-release.\n' +
      'Without a GitHub token, git tags stand in for Releases and the output says so.',
    configure: (c) =>
      c.addOption(new Option('--image <repo>', 'image repository (default: "image" setting, else ghcr.io/OWNER/NAME)')).addOption(new Option('--repo <owner/name>', 'GitHub repository (default: from the git remote)')),
    async run(ctx, _a, o) {
      const { config } = await ctx.config();
      const git = await GitRepo.open(ctx.cwd);
      const facts = await git.facts();
      const remote = pickGitHubRemote(facts.remotes)?.repo;
      const repo = o.repo ? parseRepoFlag(o.repo) : remote ? { owner: remote.owner, name: remote.name } : undefined;
      const image = o.image ?? imageRepository(config, remote);
      if (!image) throw usageError('No image repository to audit.', 'Pass --image REGISTRY/REPO or set "image" in release-operator.json.');
      let github: { client: GitHubClient; repo: { owner: string; name: string } } | undefined;
      let githubUnavailable: string | undefined;
      if (!repo) githubUnavailable = 'no GitHub remote (pass --repo OWNER/NAME)';
      else {
        try {
          github = { client: await GitHubClient.create({ apiUrl: config.github.apiUrl, token: cliTokenSource(ctx.io.env, runProcess, config.github.apiUrl), logger: ctx.logger }), repo };
        } catch (e) {
          githubUnavailable = describeError(e).replace(/\n\s*/g, ' ');
        }
      }
      const source = registryClientFromConfig(config, ctx.logger, { env: ctx.io.env, runner: runProcess });
      const report = await gatherAndAudit({ image, gitTags: facts.tags, config, source, github, githubUnavailable, signal: ctx.signal });
      return { ok: report.findings.length === 0, data: report, text: formatAudit(report) };
    },
  });
}

export function formatAudit(r: AuditReport): string {
  const lines = [`Audit of ${r.image}: ${r.versions.length} version(s), ${r.findings.length ? `${r.findings.length} finding(s)` : 'consistent'}`];
  for (const f of r.findings) lines.push(`  [${f.kind}] ${f.message}`, `      what to do: ${f.action}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
