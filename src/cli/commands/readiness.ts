import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../core/errors';
import type { KnownSmoke } from '../../core/gate';
import type { SmokeReport } from '../../core/smoke';
import semver from '../../core/version/semver';
import { defineCommand, listOption, repeatOption, type CliContext, type CliRuntime } from '../framework';
import { githubFor } from './gate';

interface ReadinessFlags {
  image?: string;
  platforms?: string[];
  smokeReport?: string[];
  markdown?: string | boolean;
  repo?: string;
  timeout?: string;
}

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string | undefined], ReadinessFlags>(program, rt, {
    name: 'readiness',
    summary: 'is this version ready to ship? the readiness report the editor shows, over what is published now',
    description:
      "Every check that can run without pushing, over the version's published image: pipeline lint, platforms,\n" +
      'labels, tag scheme and moving tags, signatures and provenance (advisory unless configured), glibc per\n' +
      'platform, smoke per platform (from --smoke-report files of `release-operator smoke --json`; without one a\n' +
      "platform's smoke row says it has not run), GitHub Release x git tag x image, and the latest release run.\n" +
      "The same report as the editor's Readiness view. VERSION defaults to the effective version.\n" +
      'Several images ("images"): the repository\'s rows once (lint of the workflows, the release run), then each\n' +
      "image's rows under its name; --image NAME checks one.\n" +
      'Exit 0 ready, 1 a problem or nothing checked, 2 bad usage, 3 a check could not run.',
    usesDocker: true,
    configure(cmd) {
      cmd.argument('[version]', 'the version to check (default: the effective version)');
      cmd.option(
        '--image <name|repo>',
        'one configured image by name (default: every image of "images"), or the image repository of a ' +
          'single-image configuration (default: "image" setting, else ghcr.io/OWNER/NAME)',
      );
      cmd.option('--platforms <list>', 'required platforms (default: requiredPlatforms)', listOption);
      cmd.option(
        '--smoke-report <file>',
        'a smoke run to count, as `release-operator smoke --json` wrote it (repeatable; a run of another image counts as not run)',
        repeatOption,
      );
      cmd.option('--markdown [file]', 'print the report as Markdown instead of text (or also write it to FILE)');
      cmd.option('--repo <owner/name>', 'the GitHub repository (default: from the git remote)');
      cmd.option('--timeout <seconds>', 'deadline of all checks (default: 600)');
    },
    async run(ctx, [versionArg], flags) {
      const [{ config, root }, gate, { runProcess }, { registryClientFromConfig }, report] = await Promise.all([
        ctx.config(),
        import('../../core/gate'),
        import('../../core/process/run'),
        import('../../core/registry'),
        import('../../core/report'),
      ]);
      const facts = await gate.gateFacts(ctx.cwd, config, ctx.io.env);
      const selected = gate.chooseImages(config, flags.image, facts.image);
      const version = versionArg === undefined ? facts.version : semver.valid(versionArg.replace(/^v/, ''));
      if (!version)
        throw versionArg === undefined
          ? usageError('No version found.', 'Pass the version to check, e.g. release-operator readiness 1.2.3.')
          : usageError(`'${versionArg}' is not a version.`, 'Pass a semantic version, e.g. 1.2.3.');
      const timeout = flags.timeout === undefined ? 600 : Number(flags.timeout);
      if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86_400)
        throw usageError(`--timeout must be a whole number of seconds from 1 to 86400, not '${flags.timeout}'.`);
      // Another version than the effective one: its own git tag, and HEAD is not its commit.
      const tagName = `${facts.gitPrefix}${version}`;
      const tagCommit = facts.gitTags.find((t) => t.name === tagName)?.commit;
      const commit = tagCommit ?? (version === facts.version ? facts.commit : undefined);
      const smoke = await knownSmoke(ctx, flags.smokeReport ?? [], gate.smokeChecks);
      const github = await githubFor(ctx, config.github.apiUrl, flags.repo, facts.github);
      const base = {
        version,
        commit,
        root: facts.root ?? root,
        repository: facts.github && `${facts.github.owner}/${facts.github.name}`,
        gitTag: { name: tagName, commit: tagCommit },
        smoke,
        timeoutSeconds: timeout,
      };
      const r = await gate.readinessForImages(
        selected.map(({ name, image, config: own }) => ({
          name,
          config: own,
          request: { ...base, image, platforms: flags.platforms ?? own.requiredPlatforms },
        })),
        {
          repositoryConfig: config,
          runner: runProcess,
          registry: registryClientFromConfig(config, ctx.logger, { env: ctx.io.env, runner: runProcess }),
          github,
          gitTags: facts.gitTags,
          signal: ctx.signal,
          logger: ctx.logger,
          onEvent: (e) =>
            e.type === 'check-finished' &&
            ctx.options.verbose &&
            ctx.io.stderr(
              `${e.check.verdict.padEnd(15)} ${e.check.title}${e.check.subject ? ` ${e.check.subject}` : ''}\n`,
            ),
        },
      );
      const image = r.image ?? selected.map((s) => s.image).join(', ');
      const markdown = report.reportMarkdown(r, { title: `Readiness of ${image} ${version}` });
      if (typeof flags.markdown === 'string') await writeFile(path.resolve(ctx.cwd, flags.markdown), markdown);
      return {
        ok: r.verdict === 'pass',
        data: r,
        text: flags.markdown === true ? markdown : gate.renderGateText(r, { heading: 'readiness' }),
        exitCode: report.exitCodeOf(r.verdict),
      };
    },
  });
}

/** The smoke runs given as `smoke --json` files, as the rows the readiness report takes (per platform). */
async function knownSmoke(
  ctx: CliContext,
  files: string[],
  smokeChecks: typeof import('../../core/gate').smokeChecks,
): Promise<KnownSmoke[]> {
  const out: KnownSmoke[] = [];
  for (const file of files) {
    const where = path.resolve(ctx.cwd, file);
    const text = await readFile(where, 'utf8').catch(() => {
      throw usageError(`Cannot read the smoke report ${file}.`, 'Write one with release-operator smoke IMAGE --json.');
    });
    let report: SmokeReport;
    try {
      report = JSON.parse(text) as SmokeReport;
    } catch {
      report = {} as SmokeReport;
    }
    if (typeof report?.image !== 'string' || !Array.isArray(report.platforms))
      throw usageError(
        `${file} is not a smoke report.`,
        'Pass the JSON that release-operator smoke IMAGE --json printed.',
      );
    // A later file wins for its platform (the readiness engine takes the first match).
    out.unshift(...smokeChecks(report, {}).map((check) => ({ reference: report.image, check })));
  }
  return out;
}
