import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { EXIT_CODES, usageError } from '../../core/errors';
import { neutralize, neutralizeBlock } from '../../core/neutralize';
import type { SmokeEvent, SmokeReport } from '../../core/smoke';
import { configForImage, imageEntries, selectImages, type ImageEntry } from '../../core/config/images';
import type { ReleaseOperatorConfig } from '../../core/config/schema';
import { defineCommand, type CliRuntime } from '../framework';

interface SmokeFlags {
  platform?: string[];
  build?: boolean;
  timeout?: string;
  healthPath?: string;
  port?: string;
  expectBody?: string;
  memory?: string;
  junit?: string;
  image?: string;
}

const int = (name: string, v: string | undefined, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw usageError(`${name} must be a whole number from ${min} to ${max}, not '${v}'.`);
  return n;
};

export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string | undefined], SmokeFlags>(program, rt, {
    name: 'smoke',
    summary: 'smoke test an image on every platform: --help, version, GET /health',
    description:
      "Smoke test IMAGE (or, with --build, the repository's Dockerfile) on each platform: the image must be that\n" +
      'platform, its help command must exit 0, and the service must answer its health path before the deadline.\n' +
      'Exit 0 when every platform passed, 1 when one failed, 3 when this machine could not run the test.',
    usesDocker: true,
    configure(cmd) {
      cmd.argument('[image]', 'image reference to test (omit with --build)');
      cmd.addOption(
        new Option(
          '--platform <platform>',
          'platform to test, os/arch[/variant]; repeatable (default: smoke.platforms or requiredPlatforms)',
        ).argParser((v: string, prev: string[] = []) => [
          ...prev,
          ...v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ]),
      );
      cmd.option('--build', "build the image from the repository's Dockerfile for each platform");
      cmd.option(
        '--image <name>',
        'a configured image by name: its Dockerfile and smoke settings (default: the image whose repository ' +
          'IMAGE names; with --build, every configured image)',
      );
      cmd.option('--timeout <seconds>', 'health deadline per platform (default: 30 native, 120 emulated)');
      cmd.option('--health-path <path>', 'HTTP path that must answer (default /health)');
      cmd.option('--port <port>', 'container port of the service; 0 skips the service check (default 8080)');
      cmd.option('--expect-body <text>', 'text the health answer must contain (default ok)');
      cmd.option('--memory <size>', 'memory limit of the containers, e.g. 256m (default smoke.memory; none)');
      cmd.option('--junit <file>', 'also write a JUnit XML report to FILE');
    },
    async run(ctx, [image], flags) {
      if (image && flags.build) throw usageError('Give either an IMAGE or --build, not both.');
      if (!image && !flags.build)
        throw usageError(
          'Nothing to smoke test.',
          'Pass an image reference (release-operator smoke ghcr.io/o/n:1.2.3) or --build.',
        );
      // The engine loads while the configuration does (a chunk of its own in dist/esm; --help needs none of it).
      const [
        { config, root },
        { runProcess },
        { registryClientFromConfig },
        { runSmoke, smokeJUnit, smokeOptionsFromConfig },
      ] = await Promise.all([
        ctx.config(),
        import('../../core/process/run'),
        import('../../core/registry'),
        import('../../core/smoke'),
      ]);
      const version =
        config.images.some((e) => e.smoke?.versionArgs?.length) || config.smoke.versionArgs.length
          ? await import('../../core/status')
              .then(({ localStatus }) => localStatus(ctx.cwd, config))
              .then(
                (s) => s.version?.version,
                () => undefined,
              )
          : undefined;
      const registry = flags.build
        ? undefined
        : registryClientFromConfig(config, ctx.logger, { env: ctx.io.env, runner: runProcess });
      const reports: Array<{ name: string; report: SmokeReport }> = [];
      for (const entry of smokeImages(config, image, flags)) {
        const own = configForImage(config, entry);
        const options = smokeOptionsFromConfig(own, root, {
          image,
          build: flags.build,
          platforms: flags.platform,
          timeoutSeconds: int('--timeout', flags.timeout, 1, 3600),
          healthPath: flags.healthPath,
          port: int('--port', flags.port, 0, 65535),
          expectBody: flags.expectBody,
          memory: flags.memory,
          version: own.smoke.versionPattern ? undefined : version,
        });
        const report = await runSmoke(options, {
          runner: runProcess,
          signal: ctx.signal,
          logger: ctx.logger,
          registry,
          onEvent: (e) => printEvent(e, (s) => ctx.io.stderr(s), Boolean(ctx.options.verbose)),
        });
        reports.push({ name: entry.name, report });
        if (report.outcome === 'cancelled') break;
      }
      const several = reports.length > 1;
      if (flags.junit) await writeFile(path.resolve(ctx.cwd, flags.junit), smokeJUnit(reports[0].report));
      const exitCodes = reports.map(
        ({ report }) =>
          ({
            passed: EXIT_CODES.ok,
            failed: EXIT_CODES.check,
            environment: EXIT_CODES.environment,
            cancelled: 130,
          })[report.outcome],
      );
      // The worst: a cancel, then a broken image, then a machine that could not run the test.
      const exitCode = [130, EXIT_CODES.check, EXIT_CODES.environment].find((c) => exitCodes.includes(c)) ?? 0;
      return {
        ok: reports.every((r) => r.report.passed),
        data: several ? { images: reports.map(({ name, report }) => ({ name, ...report })) } : reports[0].report,
        text: reports
          .map(({ name, report }) => (several ? `Image ${name}\n${formatSmoke(report)}` : formatSmoke(report)))
          .join('\n\n'),
        exitCode,
      };
    },
  });
}

/**
 * The configured images a smoke run is about: the one named (--image); else the one whose repository IMAGE names;
 * with --build, every image (each from its own Dockerfile); else the only one.
 */
function smokeImages(config: ReleaseOperatorConfig, reference: string | undefined, flags: SmokeFlags): ImageEntry[] {
  const all = imageEntries(config);
  if (flags.image !== undefined) return selectImages(config, flags.image);
  if (all.length === 1 || flags.build) return all;
  const repo = reference?.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const mine = all.filter((e) => e.image && e.image === repo);
  if (mine.length === 1) return mine;
  throw usageError(
    `There are several images (${all.map((e) => e.name).join(', ')}); which one's smoke settings apply to ${reference}?`,
    'Pass --image NAME.',
  );
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Progress for a person, on stderr: one line per finished step. */
export function printEvent(e: SmokeEvent, write: (s: string) => void, verbose: boolean): void {
  switch (e.type) {
    case 'run-started':
      return write(`smoke run ${e.runId}: ${e.image} on ${e.platforms.join(', ')}\n`);
    case 'note':
      return write(`note: ${e.message}\n`);
    case 'platform-started':
      return write(
        `[${e.platform}] started${e.engine ? ` on ${e.engine}` : ''}` +
          `${e.emulated ? ` (emulated, health deadline ${e.deadlineSeconds} s)` : ''}\n`,
      );
    case 'step-started':
      return verbose ? write(`[${e.platform}] ${e.step} ...\n`) : undefined;
    case 'step-finished': {
      const s = e.step;
      if (s.skipped) return verbose ? write(`[${e.platform}] ${s.name} skipped: ${neutralize(s.detail)}\n`) : undefined;
      return write(
        `[${e.platform}] ${s.passed ? 'ok  ' : 'FAIL'} ${s.name} (${secs(s.durationMs)}): ${neutralize(s.detail)}\n`,
      );
    }
    case 'output':
      return verbose ? write(`[${e.platform}] | ${neutralize(e.line)}\n`) : undefined;
    case 'platform-finished':
      return write(`[${e.platform}] ${e.result.outcome} in ${secs(e.result.durationMs)}\n`);
    case 'run-finished':
      return;
  }
}

/** The summary on stdout: a table, then the evidence of each platform that did not pass. */
export function formatSmoke(r: SmokeReport): string {
  const rows = r.platforms.map((p) => {
    const failed = p.steps.find((s) => s.name === p.failedStep);
    const what = p.passed
      ? p.steps
          .filter((s) => !s.skipped)
          .map((s) => `${s.name} ${secs(s.durationMs)}`)
          .join(', ')
      : failed
        ? `${failed.name}: ${neutralize(failed.detail)}`
        : p.outcome;
    return [
      p.platform,
      p.passed ? 'passed' : p.outcome === 'failed' ? 'FAILED' : p.outcome.toUpperCase(),
      secs(p.durationMs),
      what,
    ];
  });
  const header = ['PLATFORM', 'RESULT', 'TIME', 'STEPS'];
  const w = [0, 1, 2].map((i) => Math.max(header[i].length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(w[i]) : c)).join('  ');
  const out = [
    `Smoke test of ${r.image} (run ${r.runId}): ${r.outcome}`,
    ...r.notes.map((n) => `Note: ${n}`),
    '',
    line(header),
    ...rows.map(line),
  ];
  for (const p of r.platforms.filter((x) => !x.passed && x.outcome !== 'cancelled')) {
    out.push(
      '',
      `${p.platform}: ${p.failedStep ?? ''} did not pass${p.exit ? ` (container exit code ${p.exit.exitCode}${p.exit.oomKilled ? ', OOM killed' : ''})` : ''}`,
    );
    if (p.environmentProblem)
      out.push(
        `  ${p.environmentProblem.message}`,
        ...(p.environmentProblem.hint ? [`  ${p.environmentProblem.hint}`] : []),
      );
    if (p.psRow) out.push('  docker ps -a:', ...p.psRow.split('\n').map((l) => `    ${neutralize(l)}`));
    // The container's own output: each line stays one line, and cannot act on the terminal.
    if (p.logs?.length)
      out.push(
        `  last ${p.logs.length} log line(s):`,
        ...p.logs.map((l) => `    ${neutralizeBlock(l).replace(/\n/g, '\\n')}`),
      );
  }
  if (r.cleanup.errors.length)
    out.push(
      '',
      'Cleanup could not remove everything; run `release-operator cleanup`:',
      ...r.cleanup.errors.map((e) => `  ${e}`),
    );
  return out.join('\n');
}
