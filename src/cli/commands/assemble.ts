import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { usageError } from '../../core/errors';
import type { AssembleResult, StepRecord } from '../../core/assemble';
import { defineCommand, type CliRuntime } from '../framework';

interface AssembleFlags {
  image?: string;
  source?: string[];
  version?: string;
  commit?: string;
  platforms?: string[];
  record?: string;
  keepCandidates?: boolean;
  dryRun?: boolean;
}

const repeat = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean),
];

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[], AssembleFlags>(program, rt, {
    name: 'assemble',
    summary: 'merge per-platform pushes into one OCI index, verify it, then write the release tags in order',
    description:
      'Reads each --source (REPO@sha256:... or a candidate tag such as REPO:candidate-RUN-amd64; a single manifest\n' +
      'or an index with its attestations) without pulling layers, writes one OCI index by digest, reads it back,\n' +
      'then writes the tags: the version tag first, the commit tag, the moving tags last, and never a moving tag\n' +
      'that a newer release holds. Candidate tags (candidate-*) are removed only after the index is verified, and\n' +
      'never in a way that breaks an index referring to them. The plan is printed first; --dry-run stops there.\n' +
      'Exit 0 done, 1 a problem (nothing tagged), 2 bad usage, 3 the registry could not be used.',
    configure(cmd) {
      cmd.option('--image <repo>', 'image repository (default: "image" setting, else ghcr.io/OWNER/NAME)');
      cmd.addOption(
        new Option('--source <ref>', 'a per-platform push, by digest or candidate tag (repeatable)').argParser(repeat),
      );
      cmd.option(
        '--version <version>',
        'the version released (default: the pushed tag in Actions, else the effective version)',
      );
      cmd.option('--commit <sha>', 'the released commit, for the commit tag (default: GITHUB_SHA, else HEAD)');
      cmd.addOption(
        new Option('--platforms <list>', 'required platforms (default: requiredPlatforms)').argParser(repeat),
      );
      cmd.option(
        '--record <path>',
        'with no --source: assemble the candidates the pre-push records here name (default: the gate record folder)',
      );
      cmd.option('--keep-candidates', 'leave the candidate tags in place');
      cmd.option('--dry-run', 'print the plan and write nothing');
    },
    async run(ctx, _args, flags) {
      const [{ config }, gate, { assemble, formatPlan }, { registryClientFromConfig }, { runProcess }, { exitCodeOf }] =
        await Promise.all([
          ctx.config(),
          import('../../core/gate'),
          import('../../core/assemble'),
          import('../../core/registry'),
          import('../../core/process/run'),
          import('../../core/report'),
        ]);
      const facts = await gate.gateFacts(ctx.cwd, config, ctx.io.env);
      const image = flags.image ?? facts.image;
      if (!image)
        throw usageError('No image repository.', 'Pass --image REGISTRY/REPO or set "image" in release-operator.json.');
      const version = flags.version ?? facts.version;
      if (!version) throw usageError('No version to release.', 'Pass --version X.Y.Z.');
      const registry = registryClientFromConfig(config, ctx.logger, { env: ctx.io.env, runner: runProcess });
      const result = await assemble(
        {
          image,
          sources: flags.source ?? [],
          record: path.resolve(ctx.cwd, flags.record ?? gate.defaultRecordPath(ctx.io.env, os.tmpdir())),
          version,
          commit: flags.commit ?? facts.commit,
          platforms: flags.platforms ?? config.requiredPlatforms,
          cleanCandidates: !flags.keepCandidates,
          dryRun: flags.dryRun,
        },
        {
          config,
          registry,
          signal: ctx.signal,
          logger: ctx.logger,
          // The plan goes out before anything is written (on stderr, so --json stays one document).
          onPlan: (plan) => {
            if (!flags.dryRun) ctx.io.stderr(`${formatPlan(plan)}\n`);
          },
          onStep: (s) => {
            if (s.status !== 'running') ctx.io.stderr(`${s.name}: ${s.status}: ${s.detail}\n`);
          },
        },
      );
      const planText = result.plan && flags.dryRun ? `${formatPlan(result.plan)}\n` : '';
      return {
        ok: result.report.verdict === 'pass',
        data: {
          ...result.report,
          digest: result.digest,
          platformDigests: result.platformDigests,
          written: result.written,
          steps: result.steps,
          plan: result.plan && { ...result.plan, index: { ...result.plan.index, bytes: undefined } },
        },
        text: [
          planText + gate.renderGateText(result.report, { heading: result.report.stage }),
          ...stepLines(result),
        ].join('\n'),
        exitCode: exitCodeOf(result.report.verdict),
      };
    },
  });
}

function stepLines(r: AssembleResult): string[] {
  const mark: Record<StepRecord['status'], string> = {
    done: 'done',
    failed: 'FAILED',
    'not-run': 'not run',
    running: 'stopped',
    planned: 'planned',
  };
  return ['steps:', ...r.steps.map((s) => `  ${s.name.padEnd(8)} ${mark[s.status]}: ${s.detail}`)];
}
