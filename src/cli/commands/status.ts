import type { Command } from 'commander';
import { describeBasis } from '../../core/report';
import type { StatusReport } from '../../core/status';
import { neutralize as n } from '../../core/neutralize';
import { defineCommand, type CliRuntime } from '../framework';

export function register(program: Command, rt: CliRuntime): void {
  defineCommand(program, rt, {
    name: 'status',
    summary: 'show the repository, its effective version and the tag plan',
    async run(ctx) {
      const [
        { config },
        { localStatus, withRegistry },
        { registryClientFromConfig, registryState },
        { githubStatus },
        { githubContext },
        { formatGitHubStatus },
      ] = await Promise.all([
        ctx.config(),
        import('../../core/status'),
        import('../../core/registry'),
        import('../../core/github'),
        import('./github-context'),
        import('./format-github'),
      ]);
      let report = await localStatus(ctx.cwd, config);
      const registry = registryClientFromConfig(config, ctx.logger, { env: ctx.io.env });
      // The registry's tags decide the image prefix (unless configured) and count as released for the tag plan.
      if (report.image)
        report = withRegistry(
          report,
          config,
          await registryState(report.image, config, registry, { signal: ctx.signal }),
        );
      const [github, builders] = await Promise.all([
        githubStatus(() => githubContext(ctx), report.repository.root, config, ctx.signal),
        import('./status-builders').then((m) => m.builders(ctx, report.repository.root, config, registry)),
      ]);
      const text = `${formatStatus(report)}\n${formatGitHubStatus(github)}${builders.text}`;
      return { ok: true, data: { ...report, github, builders: builders.data }, text };
    },
  });
}

function formatStatus(s: StatusReport): string {
  const lines: string[] = [];
  const gh = s.repository.github;
  lines.push(`Repository  ${gh ? `${gh.owner}/${gh.name} (${gh.host}, remote ${gh.remote})` : '(no GitHub remote)'}`);
  lines.push(`Folder      ${s.repository.root}`);
  lines.push(
    `HEAD        ${s.repository.head ? s.repository.head.slice(0, 12) : '(no commits)'}${s.repository.branch ? ` on ${s.repository.branch}` : ' (detached)'}`,
  );
  lines.push(`Version     ${s.version ? `${s.version.version} (from ${s.version.source})` : '(none found)'}`);
  lines.push(`Image       ${s.image ?? '(unknown: set "image" in release-operator.json)'}`);
  if (s.tagPlan.length) {
    lines.push('Tag plan');
    for (const t of s.tagPlan) lines.push(`  ${t.tag.padEnd(16)} ${t.rule}`);
    for (const t of s.tagsHeld) lines.push(`  ${t.tag.padEnd(16)} not moved: stays on ${t.stays}, a newer release`);
  }
  for (const b of s.scheme) lines.push(`Scheme      ${describeBasis(b)}`);
  for (const f of s.schemeFindings) lines.push(`  ${f.severity === 'error' ? 'problem' : 'warning'}: ${f.message}`);
  if (s.gitTags.length)
    lines.push(
      `Git tags    ${s.gitTags
        .slice(0, 5)
        .map((t) => n(t.name))
        .join(', ')}${s.gitTags.length > 5 ? ', ...' : ''}`,
    );
  if (s.registry?.error)
    lines.push(`Image tags  the registry could not be read: ${n(s.registry.error.split('\n')[0])}`);
  else if (s.registry) {
    lines.push(
      `Image tags  ${s.registry.totalTags} in ` +
        `${s.registry.repository}${s.registry.tags.length < s.registry.totalTags ? ` (first ${s.registry.tags.length} shown)` : ''}`,
    );
    for (const t of s.registry.tags)
      lines.push(
        `  ${n(t.tag).padEnd(16)} ${t.digest.slice(0, 19)}  ` +
          `${t.platforms.map((p) => n(p)).join(', ') || '(no platform)'}${t.attestations ? `  +${t.attestations} attestation(s)` : ''}`,
      );
  }
  return lines.join('\n');
}
