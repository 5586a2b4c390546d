import os from 'node:os';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { describeError, usageError } from '../../core/errors';
import type { GateEvent, GateGitHub, GateStage } from '../../core/gate';
import type { ReadinessReport } from '../../core/report';
import { defineCommand, listOption, repeatOption, type CliContext, type CliRuntime } from '../framework';
import { parseRepoFlag } from './github-context';
import { printEvent } from './smoke';

declare const RELEASE_OPERATOR_VERSION: string;

interface GateFlags {
  stage: GateStage;
  image?: string;
  version?: string;
  commit?: string;
  platforms?: string[];
  local?: string[];
  candidate?: string[];
  reference?: string;
  record?: string;
  skip?: string[];
  timeout?: string;
  repo?: string;
  junit?: string;
  sarif?: string;
  markdown?: string;
  requireSignature?: boolean;
  releaseAssets?: boolean;
}

const DEFAULT_TIMEOUT: Record<GateStage, number> = {
  'pre-push': 1800,
  'post-push': 300,
  'pre-release': 300,
  'post-release': 300,
};

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[], GateFlags>(program, rt, {
    name: 'gate',
    summary: 'run one stage of the release gate and print its readiness report',
    description:
      'Stages, in the order a release pipeline runs them:\n' +
      '  pre-push      pipeline lint, glibc and smoke per platform, on local images (--local PLATFORM=REF)\n' +
      '                or candidates pushed by digest (--candidate REF); records what it tested (--record)\n' +
      '  post-push     the pushed image: every platform (attestations never count), labels, the same images\n' +
      '                pre-push tested, the tags where the plan says\n' +
      '  pre-release   the image of the version exists with every platform; with glibc.assets (or\n' +
      "                --release-assets) the glibc floor of the Release's assets, a draft's too (run it\n" +
      '                before publishing the Release)\n' +
      '  post-release  the release consistency audit for the version\n' +
      'Exit 0 ready, 1 a problem or nothing checked, 2 bad usage, 3 the stage could not run (a fault, a timeout).',
    usesDocker: true,
    configure(cmd) {
      cmd.addOption(
        new Option('--stage <stage>', 'the stage to run')
          .choices(['pre-push', 'post-push', 'pre-release', 'post-release'])
          .makeOptionMandatory(),
      );
      cmd.option(
        '--image <name|repo>',
        'one configured image by name (default: every image of "images"), or the image repository of a ' +
          'single-image configuration (default: "image" setting, else ghcr.io/OWNER/NAME)',
      );
      cmd.option(
        '--version <version>',
        'the version released (default: the pushed tag in Actions, else the effective version)',
      );
      cmd.option('--commit <sha>', 'the released commit (default: GITHUB_SHA, else HEAD)');
      cmd.addOption(
        new Option('--platforms <list>', 'required platforms (default: requiredPlatforms)').argParser(listOption),
      );
      cmd.addOption(
        new Option(
          '--local <[image:]platform=ref>',
          'pre-push: a local image per platform (repeatable); with several images, prefix the image name (app:linux/amd64=REF)',
        ).argParser(repeatOption),
      );
      cmd.addOption(
        new Option(
          '--candidate <ref>',
          'pre-push: an image in the registry by digest or candidate tag (repeatable)',
        ).argParser(repeatOption),
      );
      cmd.option('--reference <ref>', 'post-push, pre-release: the image to check (default: IMAGE:<version tag>)');
      cmd.option('--record <path>', 'where pre-push records what it tested and post-push reads it (file or folder)');
      cmd.addOption(
        new Option('--skip <check>', 'leave out a check: lint, glibc, smoke, release-assets (repeatable)').argParser(
          listOption,
        ),
      );
      cmd.option('--timeout <seconds>', 'deadline of the whole stage (default: 1800 pre-push, 300 the others)');
      cmd.option('--repo <owner/name>', 'post-release: the GitHub repository (default: from the git remote)');
      cmd.option(
        '--require-signature',
        'post-push: require a valid signature from the release workflow (supply-chain rows block instead of advising)',
      );
      cmd.option(
        '--release-assets',
        "pre-release: check the glibc floor of the Release's assets (a draft's too) against glibc.policy; glibc.assets alone turns it on",
      );
      cmd.option('--junit <file>', 'also write the report as JUnit XML');
      cmd.option('--sarif <file>', 'also write the findings that point at a file as SARIF');
      cmd.option('--markdown <file>', 'also write the report as Markdown (a job summary)');
    },
    async run(ctx, _args, flags) {
      const [{ config, root }, gate, { runProcess }, { registryClientFromConfig }, report] = await Promise.all([
        ctx.config(),
        import('../../core/gate'),
        import('../../core/process/run'),
        import('../../core/registry'),
        import('../../core/report'),
      ]);
      const facts = await gate.gateFacts(ctx.cwd, config, ctx.io.env);
      const selected = gate.chooseImages(config, flags.image, facts.image, { option: '--image', verb: 'gate' });
      gate.refuseSharedReferences(selected, {
        '--reference': flags.reference !== undefined,
        '--candidate': Boolean(flags.candidate?.length),
      });
      const timeout = flags.timeout === undefined ? DEFAULT_TIMEOUT[flags.stage] : Number(flags.timeout);
      if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86_400)
        throw usageError(`--timeout must be a whole number of seconds from 1 to 86400, not '${flags.timeout}'.`);
      const names = config.images.map((e) => e.name);
      const locals = gate.localsByImage(
        (flags.local ?? []).map((l) => gate.parseLocalImage(l, names)),
        selected,
      );
      // post-release reads Releases; post-push reads GitHub's attestations when it can (the supply-chain rows);
      // pre-release reads the Release's assets when asked to.
      const github =
        flags.stage === 'post-release' || flags.stage === 'post-push' || gate.wantsReleaseAssets(flags, config)
          ? await githubFor(ctx, config.github.apiUrl, flags.repo, facts.github)
          : undefined;
      const registry = registryClientFromConfig(config, ctx.logger, { env: ctx.io.env, runner: runProcess });
      const verbose = Boolean(ctx.options.verbose);
      const images = selected.map(({ name, image, config: own }) => ({
        name,
        config: own,
        request: {
          stage: flags.stage,
          image,
          version: flags.version ?? facts.version,
          commit: flags.commit ?? facts.commit,
          platforms: flags.platforms ?? own.requiredPlatforms,
          local: locals.get(name),
          candidates: flags.candidate,
          reference: flags.reference,
          root: facts.root ?? root,
          repository: facts.github && `${facts.github.owner}/${facts.github.name}`,
          gitTag: facts.gitTag,
          requireSignature: flags.requireSignature,
          releaseAssets: flags.releaseAssets,
          record: path.resolve(ctx.cwd, flags.record ?? gate.defaultRecordPath(ctx.io.env, os.tmpdir())),
          skip: flags.skip,
          timeoutSeconds: timeout,
        },
      }));
      const result = await gate.runGateForImages(images, {
        repositoryConfig: config,
        runner: runProcess,
        registry,
        github,
        gitTags: facts.gitTags,
        signal: ctx.signal,
        logger: ctx.logger,
        onEvent: (e) => progress(e, (s) => ctx.io.stderr(s), verbose),
      });
      const r = result.report;
      await writeExtras(ctx, r, flags, report);
      return {
        ok: r.verdict === 'pass',
        data: { ...r, digest: result.digest, platformDigests: result.platformDigests, recordPath: result.recordPath },
        text: gate.renderGateText(r),
        exitCode: report.exitCodeOf(r.verdict),
      };
    },
  });
}

export async function githubFor(
  ctx: CliContext,
  apiUrl: string,
  repoFlag: string | undefined,
  fromFacts: { owner: string; name: string } | undefined,
): Promise<GateGitHub> {
  const repo = repoFlag ? parseRepoFlag(repoFlag) : fromFacts;
  if (!repo) return { unavailable: 'no GitHub repository (pass --repo OWNER/NAME)' };
  const [{ GitHubClient, cliTokenSource }, { runProcess }] = await Promise.all([
    import('../../core/github'),
    import('../../core/process/run'),
  ]);
  try {
    const client = await GitHubClient.create({
      apiUrl,
      token: cliTokenSource(ctx.io.env, runProcess, apiUrl),
      logger: ctx.logger,
    });
    return { client, repo };
  } catch (e) {
    return { unavailable: describeError(e).replace(/\n\s*/g, ' ') };
  }
}

async function writeExtras(
  ctx: CliContext,
  r: ReadinessReport,
  flags: GateFlags,
  report: typeof import('../../core/report'),
): Promise<void> {
  const out = (f: string) => path.resolve(ctx.cwd, f);
  if (flags.junit) await writeFile(out(flags.junit), report.reportJUnit(r));
  if (flags.markdown) await writeFile(out(flags.markdown), report.reportMarkdown(r));
  if (flags.sarif) {
    const { ALL_RULES } = await import('../../core/lint/rules');
    const version = typeof RELEASE_OPERATOR_VERSION === 'string' ? RELEASE_OPERATOR_VERSION : '0.0.0';
    const sarif = report.reportSarif(r, {
      version,
      informationUri: 'https://github.com/release-operator/release-operator',
      rules: ALL_RULES.map((x) => ({ id: x.id, title: x.title, explanation: x.explanation })),
    });
    await writeFile(out(flags.sarif), JSON.stringify(sarif, null, 2) + '\n');
  }
}

/** Progress on stderr: each check as it ends; smoke steps as the smoke command shows them. */
function progress(e: GateEvent, write: (s: string) => void, verbose: boolean): void {
  switch (e.type) {
    case 'stage-started':
      return write(`gate ${e.stage}: ${e.image}${e.version ? ` ${e.version}` : ''}\n`);
    case 'note':
      return write(`note: ${e.message}\n`);
    case 'check-started':
      return verbose ? write(`${e.title}${e.subject ? ` ${e.subject}` : ''} ...\n`) : undefined;
    case 'check-finished':
      return write(
        `${e.check.verdict.padEnd(15)} ${e.check.title}${e.check.subject ? ` ${e.check.subject}` : ''}: ${e.check.summary}\n`,
      );
    case 'smoke':
      return printEvent(e.event, write, verbose);
  }
}
