import { CancelledError } from '../errors';
import type { Logger } from '../log';
import {
  BINFMT_HINT,
  binfmtState,
  build,
  containerState,
  formatPlatform,
  hostPort,
  imageInspect,
  isDockerHostProblem,
  isExecFormatError,
  logs,
  parsePlatform,
  psRow,
  pull,
  removeContainers,
  removeImages,
  runAttached,
  runDetached,
  runsNatively,
  samePlatform,
  smokeLabels,
  type BuilderDetection,
  type DockerClient,
  type ImageInfo,
  type Platform,
} from '../container';
import { pollHealth } from './health';
import { runStep, StepFailure, type Stop } from './step';
import type { PlatformResult, SmokeEvent, SmokeOptions, StepName } from './types';

/** What every platform of one run shares. */
export interface RunContext {
  docker: DockerClient;
  options: SmokeOptions;
  runId: string;
  signal?: AbortSignal;
  emit(e: SmokeEvent): void;
  logger: Logger;
  fetch: typeof fetch;
  hostArch: string;
  builder?: BuilderDetection;
  /** Serializes image resolution: pulling one platform re-points the tag another platform is reading. */
  imageLock<T>(fn: () => Promise<T>): Promise<T>;
}

const CLEANUP_TIMEOUT_MS = 60_000;

export const tempImageTag = (runId: string, platform: string) => `release-operator-smoke:${runId}-${platform.replace(/\//g, '-')}`;

/** build -> image -> help -> version -> start -> health for one platform, then evidence and cleanup. */
export async function smokePlatform(ctx: RunContext, platform: string): Promise<PlatformResult> {
  const o = ctx.options;
  const p = parsePlatform(platform);
  const emulated = !runsNatively(ctx.hostArch, p);
  const deadlineSeconds = emulated ? o.emulatedTimeoutSeconds : o.timeoutSeconds;
  const started = Date.now();
  const result: PlatformResult = { platform, passed: false, outcome: 'failed', emulated, deadlineSeconds, steps: [], durationMs: 0 };
  const slug = platform.replace(/\//g, '-');
  const labels = smokeLabels(ctx.runId, platform, o.labels);
  const names = { help: `ro-smoke-${ctx.runId}-${slug}-help`, version: `ro-smoke-${ctx.runId}-${slug}-version`, service: `ro-smoke-${ctx.runId}-${slug}` };
  const created = { containers: [] as string[], images: [] as string[] };
  const planned: StepName[] = [
    ...(emulated ? (['emulation'] as const) : []),
    ...(o.build ? (['build'] as const) : []),
    'image',
    ...(o.helpArgs.length ? (['help'] as const) : []),
    ...(o.versionArgs.length ? (['version'] as const) : []),
    ...(o.port ? (['start', 'health'] as const) : []),
  ];
  let evidenceFrom: string | undefined;
  // Set by the start step, read by the health step.
  let serviceStarted = 0;
  let image: ImageInfo | undefined;
  let stop: Stop | undefined;
  const step = (name: StepName, body: () => Promise<{ detail: string }>) => runStep(platform, name, ctx.emit, result.steps, body);
  const onLine = (line: string) => ctx.emit({ type: 'output', platform, line });

  ctx.emit({ type: 'platform-started', platform, emulated, deadlineSeconds });
  try {
    if (ctx.signal?.aborted) throw new CancelledError();
    for (const name of planned) {
      switch (name) {
        case 'emulation':
          stop = await step(name, async () => {
            const state = await binfmtState(p, o.binfmtDir);
            if (state.registered === true) return { detail: `QEMU handler registered (${state.interpreter ?? 'enabled'})` };
            if (state.registered === 'unknown') return { detail: `cannot tell (${state.reason}); an exec format error will say so` };
            throw new StepFailure(`${platform} needs emulation on this ${ctx.hostArch} Docker host, but ${state.reason}.`, {
              message: `Cannot run ${platform} containers here: ${state.reason}.`,
              hint: BINFMT_HINT,
            });
          });
          break;
        case 'build':
          stop = await step(name, async () => {
            const b = ctx.builder!;
            if (b.kind === 'none') throw new StepFailure(b.description, { message: b.description, hint: b.hint });
            const tag = tempImageTag(ctx.runId, platform);
            created.images.push(tag);
            const tail: string[] = [];
            try {
              await ctx.docker.exec(build({ builder: b.kind, platform, tag, ...o.build!, labels }), {
                signal: ctx.signal,
                onLine: (l) => {
                  tail.push(l);
                  if (tail.length > o.logTail) tail.shift();
                  onLine(l);
                },
              });
            } catch (e) {
              result.logs = tail;
              throw e;
            }
            return { detail: `built ${tag} with ${b.kind === 'buildx' ? 'docker buildx build' : 'DOCKER_BUILDKIT=1 docker build'}` };
          });
          break;
        case 'image':
          stop = await step(name, async () => {
            const ref = o.build ? tempImageTag(ctx.runId, platform) : o.image!;
            const found = await resolveImage(ctx, ref, p);
            image = found.info;
            result.imageId = image.id;
            return { detail: `${ref} -> ${image.id.slice(0, 19)} (${describePlatform(image)}${found.pulled ? ', pulled' : ''})` };
          });
          break;
        case 'help':
        case 'version': {
          const args = name === 'help' ? o.helpArgs : o.versionArgs;
          stop = await step(name, async () => {
            created.containers.push(names[name]);
            evidenceFrom = names[name];
            const r = await ctx.docker.exec(runAttached({ name: names[name], image: image!.id, platform, labels, env: o.env, args }, o.commandTimeoutSeconds * 1000), { signal: ctx.signal });
            const text = r.output.join('\n');
            if (isExecFormatError(text)) throw execFormat(platform);
            if (r.timedOut) throw new StepFailure(`'${args.join(' ')}' did not finish within ${o.commandTimeoutSeconds} s`);
            if (r.exitCode === 125 && isDockerHostProblem(text)) {
              const why = `docker could not start the container: ${lastOf(r.output)}`;
              throw new StepFailure(why, { message: why, hint: 'The Docker host failed, not the image: check `docker info` and the daemon log, then retry.' });
            }
            if (r.exitCode !== 0) throw new StepFailure(`'${args.join(' ')}' exited ${r.exitCode}${r.exitCode === 125 ? ' (docker could not start the container)' : ''}: ${lastOf(r.output)}`);
            if (name === 'version' && o.versionPattern && !new RegExp(o.versionPattern).test(text)) {
              throw new StepFailure(`'${args.join(' ')}' printed '${lastOf(r.output)}', which does not match /${o.versionPattern}/`);
            }
            evidenceFrom = undefined;
            return { detail: `'${args.join(' ')}' exited 0${name === 'version' ? `: ${lastOf(r.output)}` : ''}` };
          });
          break;
        }
        case 'start':
          stop = await step(name, async () => {
            created.containers.push(names.service);
            evidenceFrom = names.service;
            const id = await ctx.docker.exec(runDetached({ name: names.service, image: image!.id, platform, labels, env: o.env, publish: o.port }), { signal: ctx.signal });
            serviceStarted = Date.now();
            return { detail: `container ${id.slice(0, 12)} started, port ${o.port} published on loopback` };
          });
          break;
        case 'health':
          stop = await step(name, async () => {
            const deadline = serviceStarted + deadlineSeconds * 1000;
            const exited = async () => {
              const s = await ctx.docker.exec(containerState(names.service), { signal: ctx.signal });
              if (s.running) return undefined;
              result.exit = { exitCode: s.exitCode, oomKilled: s.oomKilled };
              return `the container exited with code ${s.exitCode}${s.oomKilled ? ' (killed: out of memory)' : ''}${s.error ? ` (${s.error})` : ''}`;
            };
            const failEarly = async (why: string) => {
              const tail = await ctx.docker.exec(logs(names.service, 20), { signal: ctx.signal });
              if (isExecFormatError(tail.join('\n'))) throw execFormat(platform);
              return new StepFailure(`GET ${o.healthPath}: ${why}`);
            };
            // A container that exits at once has no published port any more, so ask for its state first.
            const gone = await exited();
            if (gone) throw await failEarly(`${gone} before answering`);
            const port = await ctx.docker.exec(hostPort(names.service, o.port), { signal: ctx.signal }).catch(async (e) => {
              const why = await exited();
              if (why) throw await failEarly(`${why} before answering`);
              throw e;
            });
            const serviceUrl = `http://127.0.0.1:${port}${o.healthPath.startsWith('/') ? '' : '/'}${o.healthPath}`;
            const h = await pollHealth({
              url: serviceUrl,
              expectStatus: o.expectStatus,
              expectBody: o.expectBody,
              deadline,
              pollIntervalMs: o.pollIntervalMs ?? 500,
              signal: ctx.signal,
              fetch: ctx.fetch,
              stopReason: exited,
            });
            if (!h.passed) throw h.stoppedEarly ? await failEarly(h.detail) : new StepFailure(`GET ${serviceUrl}: ${h.detail} (deadline ${deadlineSeconds} s)`);
            evidenceFrom = undefined;
            return { detail: `GET ${serviceUrl} -> ${h.detail} after ${((Date.now() - serviceStarted) / 1000).toFixed(1)} s (${h.attempts} attempt${h.attempts === 1 ? '' : 's'})` };
          });
          break;
      }
      if (stop) break;
    }
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    stop = { kind: 'cancelled', step: planned[0] };
  }

  if (ctx.signal?.aborted && (!stop || stop.kind !== 'cancelled')) stop = { kind: 'cancelled', step: stop?.step ?? planned[0] };
  // Steps that never ran are listed, so every platform shows the same plan.
  for (const name of planned.filter((n) => !result.steps.some((s) => s.name === n))) {
    result.steps.push({ name, passed: false, skipped: true, durationMs: 0, detail: stop?.kind === 'cancelled' ? 'cancelled' : `not run: ${stop?.step ?? 'an earlier step'} did not pass` });
  }
  if (!stop) {
    result.passed = true;
    result.outcome = 'passed';
  } else {
    result.outcome = stop.kind;
    result.failedStep = stop.step;
    result.environmentProblem = stop.environment;
    if (stop.kind !== 'cancelled' && evidenceFrom) await collectEvidence(ctx, result, evidenceFrom);
  }
  await cleanupPlatform(ctx, created);
  result.durationMs = Date.now() - started;
  ctx.emit({ type: 'platform-finished', platform, result });
  return result;
}

function execFormat(platform: string): StepFailure {
  const message = `${platform} binaries cannot run on this Docker host: exec format error (no emulator registered).`;
  return new StepFailure(message, { message, hint: BINFMT_HINT });
}

function lastOf(lines: string[]): string {
  return lines.filter((l) => l.trim()).at(-1)?.trim() ?? '(no output)';
}

function describePlatform(i: Pick<ImageInfo, 'os' | 'architecture' | 'variant'>): string {
  return formatPlatform({ os: i.os, architecture: i.architecture, variant: i.variant });
}

/** The platform's own image: the local one when it is that platform, else a pull of that platform. */
async function resolveImage(ctx: RunContext, ref: string, p: Platform): Promise<{ info: ImageInfo; pulled: boolean }> {
  const platform = formatPlatform(p);
  return ctx.imageLock(async () => {
    const local = await ctx.docker.exec(imageInspect(ref), { signal: ctx.signal });
    if (local && samePlatform(p, local)) return { info: local, pulled: false };
    let pullError = '';
    if (!ref.startsWith('sha256:') && !ctx.options.build) {
      try {
        await ctx.docker.exec(pull(ref, platform), { signal: ctx.signal });
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        pullError = e instanceof Error ? e.message : String(e);
      }
    }
    const after = pullError || ctx.options.build ? local : await ctx.docker.exec(imageInspect(ref), { signal: ctx.signal });
    if (after && samePlatform(p, after)) return { info: after, pulled: true };
    const have = after ?? local;
    if (have) {
      throw new StepFailure(`${ref} is ${describePlatform(have)}, not ${platform}${pullError ? `, and no ${platform} image could be pulled (${pullError})` : ''}`);
    }
    throw new StepFailure(`no image ${ref} here${pullError ? `, and it could not be pulled (${pullError})` : ''}`);
  });
}

async function collectEvidence(ctx: RunContext, result: PlatformResult, container: string): Promise<void> {
  try {
    result.psRow = await ctx.docker.exec(psRow(container));
    const lines = await ctx.docker.exec(logs(container, ctx.options.logTail));
    result.logs = lines;
  } catch (e) {
    ctx.logger.warn(`could not collect the evidence of ${container}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Removes what this platform created, with a fresh signal: it must run after a cancel too. */
async function cleanupPlatform(ctx: RunContext, created: { containers: string[]; images: string[] }): Promise<void> {
  try {
    if (created.containers.length) await ctx.docker.exec(removeContainers(created.containers), { timeoutMs: CLEANUP_TIMEOUT_MS });
    if (created.images.length) await ctx.docker.exec(removeImages(created.images), { timeoutMs: CLEANUP_TIMEOUT_MS });
  } catch (e) {
    ctx.logger.warn(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
  }
}
