import * as core from '@actions/core';
import os from 'node:os';
import path from 'node:path';
import { assemble, formatPlan } from '../core/assemble';
import { loadConfig } from '../core/config/load';
import { CancelledError, describeError, usageError } from '../core/errors';
import {
  chooseImages,
  defaultRecordPath,
  gateFacts,
  localsByImage,
  parseLocalImage,
  refuseSharedReferences,
  runGateForImages,
  wantsReleaseAssets,
  type GateGitHub,
} from '../core/gate';
import { GitHubClient } from '../core/github';
import { createLogger } from '../core/log';
import { exitWhenFlushed } from '../core/process/exit';
import { runProcess } from '../core/process/run';
import { registerSecret } from '../core/redact';
import { registryClientFromConfig } from '../core/registry';
import type { ReadinessReport } from '../core/report';
import { keepHeapSmall } from '../core/process/heap';
import { readInputs } from './inputs';
import { assembleProgress, gateProgress } from './progress';
import { annotate, writeReportFile, writeSummary, type ImageOutput } from './report';

const DEFAULT_TIMEOUT = { 'pre-push': 1800, 'post-push': 300, 'pre-release': 300, 'post-release': 300, assemble: 600 };

/**
 * The GitHub Action: one gate stage (or assemble) per step, as the runner runs a JavaScript action. Inputs come
 * from INPUT_*; outputs, the job summary and annotations go through @actions/core. A verdict other than pass
 * fails the step, so nothing after it runs.
 */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const controller = new AbortController();
  // A cancelled job gets SIGINT, then SIGTERM: stop, and remove every container the stage started.
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const inputs = readInputs();
    if (inputs.githubToken) {
      core.setSecret(inputs.githubToken);
      registerSecret(inputs.githubToken);
    }
    const logger = createLogger(
      (level, m) => (level === 'warn' || level === 'error' ? core.info(`${level}: ${m}`) : core.debug(m)),
      'debug',
    );
    const cwd = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd(), inputs.workingDirectory ?? '.');
    const { config } = await loadConfig(cwd);
    if (inputs.docker) config.dockerPath = inputs.docker;
    if (env.GITHUB_API_URL && config.github.apiUrl === 'https://api.github.com')
      config.github.apiUrl = env.GITHUB_API_URL;
    // ghcr.io takes the workflow's token; other registries the docker config docker/login-action wrote.
    const credentialEnv = inputs.githubToken ? { ...env, GITHUB_TOKEN: inputs.githubToken } : env;
    const registry = registryClientFromConfig(config, logger, { env: credentialEnv, runner: runProcess });
    const facts = await gateFacts(cwd, config, env);
    // The image input names one configured image (or, with one image, is its repository); left out: every image.
    const chosen = chooseImages(config, inputs.image, facts.image, { option: 'the image input', verb: 'gate' });
    const version = inputs.version ?? facts.version;
    const commit = inputs.commit ?? facts.commit;
    const temp = path.join(env.RUNNER_TEMP || os.tmpdir(), 'release-operator');
    const record = path.resolve(cwd, inputs.record ?? defaultRecordPath(env, os.tmpdir()));
    let report: ReadinessReport;
    let digest: string | undefined;
    let platformDigests: Record<string, string> = {};
    let extra: Record<string, unknown> = {};
    let perImage: Record<string, ImageOutput> = {};
    if (inputs.stage === 'assemble') {
      if (chosen.length > 1)
        throw usageError(
          `assemble makes one image's index; ${chosen.length} images are configured (${chosen.map((c) => c.name).join(', ')}).`,
          'Set the image input to one of them, one assemble step per image.',
        );
      const [{ name, image, config: own }] = chosen;
      const platforms = inputs.platforms ?? own.requiredPlatforms;
      if (!version) throw new Error('No version to release: set the version input, or run on a tag push.');
      const result = await assemble(
        {
          image,
          sources: inputs.candidates ?? [],
          record,
          version,
          commit,
          platforms,
          cleanCandidates: !inputs.keepCandidates,
          dryRun: inputs.dryRun,
        },
        {
          config: own,
          registry,
          signal: controller.signal,
          logger,
          onPlan: (plan) => core.info(formatPlan(plan)),
          onStep: assembleProgress,
        },
      );
      ({ report, digest, platformDigests } = result);
      extra = { digest, platformDigests, written: result.written, steps: result.steps };
      perImage = {
        [name]: { image, verdict: report.verdict, digest: digest ?? '', 'platform-digests': platformDigests },
      };
    } else {
      const stage = inputs.stage;
      refuseSharedReferences(
        chosen,
        {
          'The reference input': inputs.reference !== undefined,
          'The candidates input': Boolean(inputs.candidates?.length),
        },
        'the image input',
      );
      const names = config.images.map((e) => e.name);
      const locals = localsByImage(
        (inputs.localImages ?? []).map((l) => parseLocalImage(l, names, 'local-images')),
        chosen,
        'local-images',
      );
      const result = await runGateForImages(
        chosen.map(({ name, image, config: own }) => ({
          name,
          config: own,
          request: {
            stage,
            image,
            version,
            commit,
            platforms: inputs.platforms ?? own.requiredPlatforms,
            local: locals.get(name),
            candidates: inputs.candidates,
            reference: inputs.reference,
            root: facts.root,
            repository: facts.github && `${facts.github.owner}/${facts.github.name}`,
            gitTag: facts.gitTag,
            requireSignature: inputs.requireSignature,
            releaseAssets: inputs.releaseAssets,
            record,
            skip: inputs.skip,
            timeoutSeconds: inputs.timeoutSeconds ?? DEFAULT_TIMEOUT[stage],
          },
        })),
        {
          repositoryConfig: config,
          runner: runProcess,
          registry,
          github:
            inputs.stage === 'post-release' ||
            inputs.stage === 'post-push' ||
            wantsReleaseAssets({ ...inputs, stage: inputs.stage }, config)
              ? await github(config.github.apiUrl, inputs.githubToken, facts.github, logger)
              : undefined,
          gitTags: facts.gitTags,
          signal: controller.signal,
          logger,
          onEvent: gateProgress(),
        },
      );
      ({ report, digest, platformDigests } = result);
      extra = { digest, platformDigests, recordPath: result.recordPath };
      perImage = Object.fromEntries(
        result.images.map(({ name, result: r }) => [
          name,
          {
            image: r.report.image ?? '',
            verdict: r.report.verdict,
            digest: r.digest ?? '',
            'platform-digests': r.platformDigests,
            ...(r.recordPath ? { 'record-path': r.recordPath } : {}),
          },
        ]),
      );
    }
    const reportPath = await writeReportFile(report, extra, temp);
    core.setOutput('verdict', report.verdict);
    core.setOutput('digest', digest ?? '');
    core.setOutput('platform-digests', JSON.stringify(platformDigests));
    core.setOutput('report-path', reportPath);
    core.setOutput('images', JSON.stringify(perImage));
    if (inputs.summary)
      await writeSummary(
        report,
        `Release Operator ${report.stage ?? inputs.stage}`,
        chosen.length > 1 ? perImage : undefined,
      );
    annotate(report);
    core.info(`${report.verdict}: ${report.summary}`);
    if (report.verdict !== 'pass') core.setFailed(`${report.stage ?? inputs.stage}: ${report.summary}`);
  } catch (e) {
    core.setFailed(
      e instanceof CancelledError ? 'Cancelled; every container the stage started was removed.' : describeError(e),
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  // setFailed set the exit code; the step ends now rather than when idle registry connections time out.
  exitWhenFlushed(typeof process.exitCode === 'number' ? process.exitCode : 0);
}

async function github(
  apiUrl: string,
  token: string | undefined,
  repo: { owner: string; name: string } | undefined,
  logger: ReturnType<typeof createLogger>,
): Promise<GateGitHub> {
  if (!repo) return { unavailable: 'no repository (GITHUB_REPOSITORY is not set)' };
  if (!token) return { unavailable: 'no github-token input' };
  try {
    return { client: await GitHubClient.create({ apiUrl, token: () => Promise.resolve(token), logger }), repo };
  } catch (e) {
    return { unavailable: describeError(e).replace(/\n\s*/g, ' ') };
  }
}

keepHeapSmall();
void run();
