import type { Command } from 'commander';
import { describeBasis } from '../../core/report';
import type { StatusReport } from '../../core/status';
import { neutralize as n } from '../../core/neutralize';
import { defineCommand, type CliRuntime } from '../framework';

export function register(program: Command, rt: CliRuntime): void {
  defineCommand(program, rt, {
    name: 'status',
    summary: 'show the repository, its effective version and the tag plan (per image when there are several)',
    configure(cmd) {
      cmd.option('--image <name>', 'one configured image by name (default: every image)');
    },
    async run(ctx, _args, flags: { image?: string }) {
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
      const { configForImage, selectImages } = await import('../../core/config/images');
      const entries = selectImages(config, flags.image);
      const registry = registryClientFromConfig(config, ctx.logger, { env: ctx.io.env });
      // One status per image: the repository and version are shared, the image, its tags and its plan are its own.
      const reports: Array<{ name: string; report: StatusReport }> = [];
      for (const entry of entries) {
        const own = configForImage(config, entry);
        let one = await localStatus(ctx.cwd, own);
        // The registry's tags decide the image prefix (unless configured) and count as released for the tag plan.
        if (one.image)
          one = withRegistry(one, own, await registryState(one.image, own, registry, { signal: ctx.signal }));
        reports.push({ name: entry.name, report: one });
      }
      const report = reports[0].report;
      const several = reports.length > 1 || flags.image !== undefined;
      const [github, builders] = await Promise.all([
        githubStatus(() => githubContext(ctx), report.repository.root, config, ctx.signal),
        import('./status-builders').then((m) => m.builders(ctx, report.repository.root, config, registry)),
      ]);
      const text = several
        ? reports.map(({ name, report: r }) => `Image ${name}\n${formatStatus(r)}`).join('\n\n')
        : formatStatus(report);
      const data = several
        ? { ...report, images: reports.map(({ name, report: r }) => ({ name, ...r })), github, builders: builders.data }
        : { ...report, github, builders: builders.data };
      return { ok: true, data, text: `${text}\n${formatGitHubStatus(github)}${builders.text}` };
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
