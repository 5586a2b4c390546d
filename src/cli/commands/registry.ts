import type { Command } from 'commander';
import { CancelledError, usageError } from '../../core/errors';
import { neutralize as n } from '../../core/neutralize';
import type { ImageInfo, RollbackPlan } from '../../core/registry';
import { askYesNo, canAsk } from '../confirm';
import { defineCommand, type CliContext, type CliRuntime } from '../framework';

/** The registry commands: manifest, tags, verify, rollback. */
export function register(program: Command, rt: CliRuntime): void {
  // The registry engine loads when one of these commands runs (a chunk of its own in dist/esm).
  const engine = () => import('../../core/registry');
  const client = async (ctx: CliContext) => {
    const [{ config, root }, { registryClientFromConfig }] = await Promise.all([ctx.config(), engine()]);
    return registryClientFromConfig(config, ctx.logger, { env: ctx.io.env }, { root });
  };
  const platformsOption = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  defineCommand<[string], { requirePlatforms?: string[] }>(program, rt, {
    name: 'manifest',
    summary: 'show what is behind an image reference: digest, kind, platforms, attestations, labels',
    configure: (cmd) =>
      cmd
        .argument('<ref>', 'image reference, e.g. ghcr.io/owner/name:v1.2.3')
        .option(
          '--require-platforms <list>',
          'comma-separated platforms that must be present (exit 1 when not)',
          platformsOption,
        ),
    async run(ctx, [ref], options) {
      const { missingPlatforms, parseReference } = await engine();
      const r = parseReference(ref);
      const info = await (await client(ctx)).inspect(r, { signal: ctx.signal });
      const missing = options.requirePlatforms ? missingPlatforms(info, options.requirePlatforms) : [];
      return {
        ok: missing.length === 0,
        data: { ...info, missingPlatforms: missing },
        text: formatManifest(info, missing),
      };
    },
  });

  defineCommand<[string], object>(program, rt, {
    name: 'tags',
    summary: 'list every tag of an image repository with its digest, grouping tags that share one',
    description:
      'Lists every tag with the digest it points at. For an image in GitHub Packages (github.containerRegistry,\n' +
      'ghcr.io) the digests come from the Packages API when the GitHub token may read packages (a page per 100\n' +
      'versions); otherwise one HEAD request per tag, over HTTP/2 where the registry offers it. The output says which.',
    configure: (cmd) => cmd.argument('<repo>', 'image repository, e.g. ghcr.io/owner/name'),
    async run(ctx, [repo]) {
      const [{ parseRepository, repositoryName, listTagDigests, short }, { describeBasis }, { config }] =
        await Promise.all([engine(), import('../../core/report'), ctx.config()]);
      const r = parseRepository(repo);
      const result = await listTagDigests(await client(ctx), r, {
        signal: ctx.signal,
        containerRegistry: config.github.containerRegistry,
        packages: (owner, name, signal) => packageVersions(ctx, owner, name, signal),
      });
      const groups = new Map<string, string[]>();
      for (const t of result.tags) groups.set(t.digest, [...(groups.get(t.digest) ?? []), t.tag]);
      const data = {
        repository: repositoryName(r),
        tags: result.tags,
        groups: [...groups].map(([digest, ts]) => ({ digest, tags: ts.sort() })),
        source: result.source,
        basis: [result.basis],
      };
      const text = data.groups.length
        ? data.groups.map((g) => `${short(g.digest)}  ${g.tags.map((t) => n(t)).join(', ')}`).join('\n')
        : `${data.repository} has no tags`;
      return { ok: true, data, text: `${text}\n  based on: ${describeBasis(result.basis)}` };
    },
  });

  defineCommand<[string], { requirePlatforms?: string[]; allowEmpty?: boolean; image?: string }>(program, rt, {
    name: 'verify',
    summary:
      'check a published tag: required platforms, tag scheme and OCI labels (exit 1 on a problem or when a check matched nothing)',
    description:
      'Checks a published tag: the required platforms, the moving tags of the scheme (X.Y, X, latest and the commit\n' +
      'tag point at the newest release they stand for) and the OCI labels. The image tag prefix is tags.imagePrefix,\n' +
      "else inferred from the repository's tags; the output says which. A check that found nothing to examine (no\n" +
      'version tags at all) is "nothing checked" and exits 1 like a problem, unless --allow-empty.',
    configure: (cmd) =>
      cmd
        .argument('<ref>', 'image reference of a release, e.g. ghcr.io/owner/name:v1.2.3')
        .option('--require-platforms <list>', 'override the required platforms', platformsOption)
        .option(
          '--image <name>',
          'a configured image by name: its required platforms and tag scheme (default: the image whose repository REF names)',
        )
        .option('--allow-empty', 'exit 0 when a check had nothing to examine (its verdict still says so)'),
    async run(ctx, [ref], options) {
      const [{ verifyReference, short }, { renderReport, exitCodeOf }] = await Promise.all([
        engine(),
        import('../../core/report'),
      ]);
      const { config: all } = await ctx.config();
      const { configForImage, imageOfReference } = await import('../../core/config/images');
      // Several images: the one REF belongs to decides the platforms and tag scheme checked.
      const entry = imageOfReference(all, options.image, ref);
      const config = entry ? configForImage(all, entry) : all;
      const report = await verifyReference(await client(ctx), ref, config, {
        signal: ctx.signal,
        requiredPlatforms: options.requirePlatforms,
      });
      return {
        ok: report.verdict === 'pass',
        data: report,
        text: renderReport(report, `verify ${report.reference} ${short(report.digest)}`),
        exitCode: exitCodeOf(report.verdict, { allowEmpty: options.allowEmpty }),
      };
    },
  });

  defineCommand<[string], { to: string; tag: string; yes?: boolean; dryRun?: boolean }>(program, rt, {
    name: 'rollback',
    summary: 'point a tag (default latest) at the manifest of an earlier tag, without pulling or rebuilding',
    configure: (cmd) =>
      cmd
        .argument('<repo>', 'image repository, e.g. ghcr.io/owner/name')
        .requiredOption('--to <tag>', 'the tag (or sha256 digest) to point at')
        .option('--tag <tag>', 'the tag to move', 'latest')
        .option('--yes', 'do not ask for confirmation')
        .option('--dry-run', 'show where the tag points now and where it would point; change nothing'),
    async run(ctx, [repo], options) {
      const { parseRepository, rollback, rollbackCommand } = await engine();
      const r = parseRepository(repo);
      if (options.dryRun) {
        const plan = await rollback(await client(ctx), r, {
          source: options.to,
          tag: options.tag,
          dryRun: true,
          signal: ctx.signal,
        });
        const lines = [`from ${plan.from ?? '(tag does not exist)'}`, `to   ${plan.to} (${plan.source})`];
        lines.push(
          plan.unchanged
            ? `${plan.repository}:${plan.tag} already points there; nothing to do`
            : `dry run: ${plan.repository}:${plan.tag} would point at ${plan.to}; nothing changed. To move ` +
                `it: ${rollbackCommand(plan.repository, options.to, plan.tag, '--yes')}`,
        );
        return { ok: true, data: plan, text: lines.join('\n') };
      }
      if (!options.yes && !canAsk(ctx))
        throw usageError(
          'rollback changes a published tag and needs confirmation, but there is no terminal to ask on.',
          'Pass --yes to confirm.',
        );
      const confirm = options.yes ? undefined : (plan: RollbackPlan) => ask(ctx, plan);
      try {
        const result = await rollback(await client(ctx), r, {
          source: options.to,
          tag: options.tag,
          confirm,
          signal: ctx.signal,
        });
        const lines = [`from ${result.from ?? '(tag did not exist)'}`, `to   ${result.to} (${result.source})`];
        lines.push(
          result.applied
            ? `${result.repository}:${result.tag} now points at ${result.to} (verified)`
            : `${result.repository}:${result.tag} already points there; nothing changed`,
        );
        if (result.applied && result.undo) lines.push(`undo: ${result.undo}`);
        return { ok: true, data: result, text: lines.join('\n') };
      } catch (e) {
        if (e instanceof CancelledError && !ctx.signal.aborted)
          return {
            ok: false,
            data: { applied: false, reason: 'not confirmed' },
            text: 'Not confirmed; nothing changed.',
            exitCode: 2,
          };
        throw e;
      }
    },
  });
}

function ask(ctx: CliContext, plan: RollbackPlan): Promise<boolean> {
  ctx.io.stderr(
    `${plan.repository}:${plan.tag}\n  from ${n(plan.from ?? '(does not exist)')}\n  to   ${n(plan.to)} (${n(plan.source)})\n`,
  );
  return askYesNo(ctx, `Move ${plan.tag}?`);
}

/** The manifest's facts, one per line; every value that came from the registry is one line with no control codes. */
function formatManifest(info: ImageInfo, missing: string[]): string {
  const lines = [
    `${info.reference}`,
    `digest      ${info.digest}`,
    `media type  ${n(info.mediaType)}`,
    `kind        ${info.kind}`,
  ];
  lines.push('platforms');
  for (const p of info.platforms)
    lines.push(
      `  ${n(p.platform).padEnd(16)} ` +
        `${p.digest}${p.attestations.length ? `  (+${p.attestations.length} attestation${p.attestations.length > 1 ? 's' : ''})` : ''}`,
    );
  if (!info.platforms.length) lines.push('  (none)');
  if (info.attestations.length) {
    lines.push('attestations (no platform found)');
    for (const a of info.attestations)
      lines.push(`  ${n(a.type)} ${a.digest}${a.refersTo ? ` -> ${n(a.refersTo)}` : ''}`);
  }
  const labels = Object.entries(info.labels);
  if (labels.length) {
    lines.push('labels');
    for (const [k, v] of labels.sort()) lines.push(`  ${n(k)}=${n(v)}`);
  }
  for (const m of missing) lines.push(`problem: required platform ${n(m)} is missing`);
  return lines.join('\n');
}

/** The GitHub Packages API for `tags`: a GitHub client when a token is at hand, else the reason there is none. */
async function packageVersions(ctx: CliContext, owner: string, name: string, signal: AbortSignal | undefined) {
  const [{ config }, { GitHubClient, cliTokenSource, listContainerVersions }, { runProcess }, { limitsFrom }] =
    await Promise.all([
      ctx.config(),
      import('../../core/github'),
      import('../../core/process/run'),
      import('../../core/limits'),
    ]);
  let gh;
  try {
    gh = await GitHubClient.create({
      apiUrl: config.github.apiUrl,
      token: cliTokenSource(ctx.io.env, runProcess, config.github.apiUrl),
      logger: ctx.logger,
      limits: limitsFrom(config),
    });
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  }
  return listContainerVersions(gh, owner, name, { signal, maxPages: config.limits.listingPages });
}
