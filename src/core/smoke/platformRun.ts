import { CancelledError } from '../errors';
import type { Logger } from '../log';
import {
  BINFMT_HINT,
  binfmtState,
  build,
  containerState,
  formatPlatform,
  imageInspect,
  isDockerHostProblem,
  isExecFormatError,
  isPortTaken,
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
  TEMP_IMAGE_REPO,
  type BuilderDetection,
  type DockerClient,
  type ImageInfo,
  type Platform,
} from '../container';
import { sleep } from '../sleep';
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
  hostArch: string;
  builder?: BuilderDetection;
  /** Serializes image resolution: pulling one platform re-points the tag another platform is reading. */
  imageLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * `docker image inspect` of the image's tag, shared by the platforms until a pull re-points the tag (the first one
   * is started beside the run's `docker version`).
   */
  localTag?: Promise<ImageInfo | undefined>;
  freePort(): Promise<number>;
  /** `repo@sha256:...` of the image's index entry for a platform, from the registry; undefined when it cannot say. */
  platformReference?(platform: string): Promise<string | undefined>;
  /** Set when a platform could not remove what it created: the run then sweeps by label. */
  cleanupFailed?: boolean;
}

const CLEANUP_TIMEOUT_MS = 60_000;
/** How long the engine may take to report an out-of-memory kill after the exit (see exitState). */
const OOM_EVENT_GRACE_MS = 500;

export const tempImageTag = (runId: string, platform: string) =>
  `${TEMP_IMAGE_REPO}:${runId}-${platform.replace(/\//g, '-')}`;

/** Steps that need nothing but the image, run one after the other. */
const BEFORE: readonly StepName[] = ['emulation', 'build', 'image'];
/** The two branches run at the same time once the image is known: the commands, and the service. */
const COMMANDS: readonly StepName[] = ['help', 'version'];
const SERVICE: readonly StepName[] = ['start', 'health'];
/** Attempts at publishing the service on a free loopback port (another process can take it in between). */
const PORT_ATTEMPTS = 3;

/**
 * build -> image, then help -> version beside start -> health for one platform, then evidence and cleanup.
 * The two branches are independent (the commands and the service run in containers of their own), so they
 * run at the same time and both report: a broken --help does not hide whether the service comes up. A failed
 * step stops only the later steps of its own branch; the platform's failed step is the first in plan order.
 */
export async function smokePlatform(ctx: RunContext, platform: string): Promise<PlatformResult> {
  const o = ctx.options;
  const p = parsePlatform(platform);
  const emulated = !runsNatively(ctx.hostArch, p);
  const deadlineSeconds = emulated ? o.emulatedTimeoutSeconds : o.timeoutSeconds;
  const started = Date.now();
  const result: PlatformResult = {
    platform,
    passed: false,
    outcome: 'failed',
    emulated,
    deadlineSeconds,
    steps: [],
    durationMs: 0,
  };
  const slug = platform.replace(/\//g, '-');
  const labels = smokeLabels(ctx.runId, platform, o.labels);
  const names = {
    help: `ro-smoke-${ctx.runId}-${slug}-help`,
    version: `ro-smoke-${ctx.runId}-${slug}-version`,
    service: `ro-smoke-${ctx.runId}-${slug}`,
  };
  /** The container each container step runs in: evidence comes from the failed step's container. */
  const containerOf: Partial<Record<StepName, string>> = {
    help: names.help,
    version: names.version,
    start: names.service,
    health: names.service,
  };
  const created = { containers: [] as string[], images: [] as string[] };
  const planned: StepName[] = [
    ...(emulated ? (['emulation'] as const) : []),
    ...(o.build ? (['build'] as const) : []),
    'image',
    ...(o.helpArgs.length ? (['help'] as const) : []),
    ...(o.versionArgs.length ? (['version'] as const) : []),
    ...(o.port ? (['start', 'health'] as const) : []),
  ];
  // Set by the start step, read by the health step.
  let serviceStarted = 0;
  let servicePort = 0;
  let image: ImageInfo | undefined;
  const stops: Stop[] = [];
  /**
   * A container's state once it stopped. Killed (137) under a memory limit without the engine saying "out of
   * memory": Docker 20.10 on cgroup v2 sets OOMKilled only when its OOM event arrives before the exit event
   * (hashicorp/nomad#13119), so it is asked once more after a moment.
   */
  const exitState = async (container: string) => {
    const s = await ctx.docker.exec(containerState(container), { signal: ctx.signal });
    if (s.running || s.exitCode !== 137 || s.oomKilled || !o.memory) return s;
    await sleep(OOM_EVENT_GRACE_MS, ctx.signal);
    return ctx.docker.exec(containerState(container), { signal: ctx.signal });
  };
  /** How a container killed by SIGKILL under the memory limit is described: confirmed by the engine or not. */
  const killedText = (confirmed: boolean) =>
    confirmed || !o.memory
      ? `killed: out of memory${o.memory ? `, limit ${o.memory}` : ''}`
      : `killed; most likely out of memory under the ${o.memory} limit (the engine did not say)`;
  const onLine = (line: string) => ctx.emit({ type: 'output', platform, line });

  const command = (name: 'help' | 'version') => async () => {
    const args = name === 'help' ? o.helpArgs : o.versionArgs;
    created.containers.push(names[name]);
    const r = await ctx.docker.exec(
      runAttached(
        {
          name: names[name],
          image: image!.id,
          platform,
          labels,
          env: o.env,
          args,
          network: o.commandNetwork === 'bridge' ? undefined : 'none',
          memory: o.memory || undefined,
        },
        o.commandTimeoutSeconds * 1000,
      ),
      { signal: ctx.signal },
    );
    const text = r.output.join('\n');
    if (isExecFormatError(text)) throw execFormat(platform);
    if (r.timedOut) throw new StepFailure(`'${args.join(' ')}' did not finish within ${o.commandTimeoutSeconds} s`);
    if (r.exitCode === 125 && isDockerHostProblem(text)) {
      const why = `docker could not start the container: ${lastOf(r.output)}`;
      throw new StepFailure(why, {
        message: why,
        hint: 'The Docker host failed, not the image: check `docker info` and the daemon log, then retry.',
      });
    }
    if (r.exitCode === 137 && o.memory) {
      const s = await exitState(names[name]).catch(() => undefined);
      result.exit = { exitCode: 137, oomKilled: Boolean(s?.oomKilled) };
      throw new StepFailure(`'${args.join(' ')}' was ${killedText(s?.oomKilled ?? false)}: ${lastOf(r.output)}`);
    }
    if (r.exitCode !== 0)
      throw new StepFailure(
        `'${args.join(' ')}' exited ${r.exitCode}${r.exitCode === 125 ? ' (docker could not start the container)' : ''}: ${lastOf(r.output)}`,
      );
    if (name === 'version' && o.versionPattern && !new RegExp(o.versionPattern).test(text)) {
      throw new StepFailure(
        `'${args.join(' ')}' printed '${lastOf(r.output)}', which does not match /${o.versionPattern}/`,
      );
    }
    return { detail: `'${args.join(' ')}' exited 0${name === 'version' ? `: ${lastOf(r.output)}` : ''}` };
  };

  const bodies: Record<StepName, () => Promise<{ detail: string }>> = {
    emulation: async () => {
      const state = await binfmtState(p, o.binfmtDir);
      if (state.registered === true) return { detail: `QEMU handler registered (${state.interpreter ?? 'enabled'})` };
      if (state.registered === 'unknown')
        return { detail: `cannot tell (${state.reason}); an exec format error will say so` };
      throw new StepFailure(`${platform} needs emulation on this ${ctx.hostArch} Docker host, but ${state.reason}.`, {
        message: `Cannot run ${platform} containers here: ${state.reason}.`,
        hint: BINFMT_HINT,
      });
    },
    build: async () => {
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
      return {
        detail: `built ${tag} with ${b.kind === 'buildx' ? 'docker buildx build' : 'DOCKER_BUILDKIT=1 docker build'}`,
      };
    },
    image: async () => {
      const ref = o.build ? tempImageTag(ctx.runId, platform) : (o.platformImages?.[platform] ?? o.image!);
      const found = await resolveImage(ctx, ref, p);
      image = found.info;
      result.imageId = image.id;
      const entry = found.pinned
        ? `, index entry ${found.pinned.slice(found.pinned.indexOf('@') + 1, found.pinned.indexOf('@') + 20)}`
        : '';
      return {
        detail: `${ref} -> ${image.id.slice(0, 19)} (${describePlatform(image)}${found.pulled ? ', pulled' : ''})${entry}`,
      };
    },
    help: command('help'),
    version: command('version'),
    start: async () => {
      created.containers.push(names.service);
      // The host port is picked here rather than by Docker, so the health step need not ask Docker for it.
      for (let attempt = 1; ; attempt++) {
        servicePort = await ctx.freePort();
        try {
          const id = await ctx.docker.exec(
            runDetached({
              name: names.service,
              image: image!.id,
              platform,
              labels,
              env: o.env,
              publish: o.port,
              hostPort: servicePort,
              memory: o.memory || undefined,
            }),
            { signal: ctx.signal },
          );
          serviceStarted = Date.now();
          return {
            detail: `container ${id.slice(0, 12)} started, port ${o.port} published on 127.0.0.1:${servicePort}`,
          };
        } catch (e) {
          if (attempt >= PORT_ATTEMPTS || !isPortTaken(e instanceof Error ? e.message : String(e))) throw e;
          // The container was created but could not start: remove it so the name is free for the next attempt.
          await ctx.docker.exec(removeContainers([names.service]), { signal: ctx.signal });
        }
      }
    },
    health: async () => {
      const deadline = serviceStarted + deadlineSeconds * 1000;
      const exited = async () => {
        const s = await exitState(names.service);
        if (s.running) return undefined;
        result.exit = { exitCode: s.exitCode, oomKilled: s.oomKilled };
        const killed = s.oomKilled || (s.exitCode === 137 && o.memory) ? ` (${killedText(s.oomKilled)})` : '';
        return `the container exited with code ${s.exitCode}${killed}${s.error ? ` (${s.error})` : ''}`;
      };
      const serviceUrl = `http://127.0.0.1:${servicePort}${o.healthPath.startsWith('/') ? '' : '/'}${o.healthPath}`;
      const h = await pollHealth({
        url: serviceUrl,
        expectStatus: o.expectStatus,
        expectBody: o.expectBody,
        deadline,
        pollIntervalMs: o.pollIntervalMs ?? 500,
        signal: ctx.signal,
        stopReason: exited,
      });
      if (h.passed)
        return {
          detail: `GET ${serviceUrl} -> ${h.detail} after ${((Date.now() - serviceStarted) / 1000).toFixed(1)} s (${h.attempts} attempt${h.attempts === 1 ? '' : 's'})`,
        };
      if (!h.stoppedEarly) throw new StepFailure(`GET ${serviceUrl}: ${h.detail} (deadline ${deadlineSeconds} s)`);
      const tail = await ctx.docker.exec(logs(names.service, 20), { signal: ctx.signal });
      if (isExecFormatError(tail.join('\n'))) throw execFormat(platform);
      throw new StepFailure(`GET ${o.healthPath}: ${h.detail}`);
    },
  };

  /** Runs a branch's planned steps in order until one does not pass; true when all passed. */
  const branch = async (names: readonly StepName[]): Promise<boolean> => {
    for (const name of planned.filter((n) => names.includes(n))) {
      const stop = await runStep(platform, name, (e) => ctx.emit(e), result.steps, bodies[name]);
      if (stop) {
        stops.push(stop);
        return false;
      }
    }
    return true;
  };

  ctx.emit({ type: 'platform-started', platform, emulated, deadlineSeconds });
  if (ctx.signal?.aborted) stops.push({ kind: 'cancelled', step: planned[0] });
  else if (await branch(BEFORE)) {
    await Promise.all([
      branch(COMMANDS).then(async (passed) => {
        // Passed command containers are not evidence: remove them while the service is still being checked.
        const done = created.containers.filter((c) => c === names.help || c === names.version);
        if (passed && done.length && (await removeNow(ctx, done)))
          created.containers = created.containers.filter((c) => !done.includes(c));
      }),
      branch(SERVICE),
    ]);
  }

  const order = (n: StepName) => planned.indexOf(n);
  result.steps.sort((a, b) => order(a.name) - order(b.name));
  let stop = stops.sort((a, b) => order(a.step) - order(b.step))[0];
  if (ctx.signal?.aborted && (!stop || stop.kind !== 'cancelled'))
    stop = { kind: 'cancelled', step: stop?.step ?? planned[0] };
  // Steps that never ran are listed, so every platform shows the same plan.
  for (const name of planned.filter((n) => !result.steps.some((s) => s.name === n))) {
    result.steps.push({
      name,
      passed: false,
      skipped: true,
      durationMs: 0,
      detail: stop?.kind === 'cancelled' ? 'cancelled' : `not run: ${stop?.step ?? 'an earlier step'} did not pass`,
    });
  }
  result.steps.sort((a, b) => order(a.name) - order(b.name));
  if (!stop) {
    result.passed = true;
    result.outcome = 'passed';
  } else {
    result.outcome = stop.kind;
    result.failedStep = stop.step;
    result.environmentProblem = stop.environment;
    const container = containerOf[stop.step];
    if (stop.kind !== 'cancelled' && container && created.containers.includes(container))
      await collectEvidence(ctx, result, container);
  }
  ctx.cleanupFailed ||= !(await cleanupPlatform(ctx, created));
  result.durationMs = Date.now() - started;
  ctx.emit({ type: 'platform-finished', platform, result });
  return result;
}

/** Removes containers at once; false (and a warning) when that failed, so the final cleanup tries again. */
async function removeNow(ctx: RunContext, containers: string[]): Promise<boolean> {
  try {
    await ctx.docker.exec(removeContainers(containers), { timeoutMs: CLEANUP_TIMEOUT_MS });
    return true;
  } catch (e) {
    ctx.logger.warn(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}

function execFormat(platform: string): StepFailure {
  const message = `${platform} binaries cannot run on this Docker host: exec format error (no emulator registered).`;
  return new StepFailure(message, { message, hint: BINFMT_HINT });
}

function lastOf(lines: string[]): string {
  return (
    lines
      .filter((l) => l.trim())
      .at(-1)
      ?.trim() ?? '(no output)'
  );
}

function describePlatform(i: Pick<ImageInfo, 'os' | 'architecture' | 'variant'>): string {
  return formatPlatform({ os: i.os, architecture: i.architecture, variant: i.variant });
}

/**
 * The platform's own image. The local image when the reference names one of that platform; else, with a registry
 * client, the reference's index entry for the platform, by digest (`repo@sha256:...`): used as it is when Docker
 * already has it (a digest names exact content), pulled otherwise, and the local tag is left alone, so platforms
 * resolve at the same time. Without a registry client, or when the registry cannot say, `docker pull --platform`
 * of the tag, one platform at a time (each pull re-points the tag).
 */
type Resolved = { info: ImageInfo; pulled: boolean; pinned?: string };

async function resolveImage(ctx: RunContext, ref: string, p: Platform): Promise<Resolved> {
  const platform = formatPlatform(p);
  const inspect = (r: string) => ctx.docker.exec(imageInspect(r), { signal: ctx.signal });
  // Built images and per-platform references have a reference per platform; a shared one has one tag for all.
  const own = ctx.options.build || Boolean(ctx.options.platformImages?.[platform]);
  const first = own ? await inspect(ref) : await ctx.imageLock(() => (ctx.localTag ??= inspect(ref)));
  if (first && samePlatform(p, first)) return { info: first, pulled: false };
  const pullable = !ref.startsWith('sha256:') && !ctx.options.build;

  const pinned = pullable && !own ? await ctx.platformReference?.(platform) : undefined;
  if (pinned) {
    const have = await inspect(pinned);
    if (have && samePlatform(p, have)) return { info: have, pulled: false, pinned };
    try {
      await ctx.docker.exec(pull(pinned, platform), { signal: ctx.signal });
      const after = await inspect(pinned);
      if (after && samePlatform(p, after)) return { info: after, pulled: true, pinned };
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      ctx.logger.debug(
        `pull of ${pinned} failed, pulling the tag instead: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  // A reference of this platform's own cannot be re-pointed by another platform's pull: no lock needed.
  const lock = own ? (fn: () => Promise<Resolved>) => fn() : (fn: () => Promise<Resolved>) => ctx.imageLock(fn);
  return lock(async (): Promise<Resolved> => {
    const local = await inspect(ref);
    if (local && samePlatform(p, local)) return { info: local, pulled: false };
    let pullError = '';
    if (pullable) {
      if (!own) ctx.localTag = undefined; // the pull re-points the tag
      try {
        await ctx.docker.exec(pull(ref, platform), { signal: ctx.signal });
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        pullError = e instanceof Error ? e.message : String(e);
      }
    }
    const after = pullError || !pullable ? local : await inspect(ref);
    if (after && samePlatform(p, after)) return { info: after, pulled: true };
    const have = after ?? local;
    if (have) {
      throw new StepFailure(
        `${ref} is ${describePlatform(have)}, not ${platform}${pullError ? `, and no ${platform} image could be pulled (${pullError})` : ''}`,
      );
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

/** Removes what this platform created, with a fresh signal: it must run after a cancel too. False when something failed. */
async function cleanupPlatform(ctx: RunContext, created: { containers: string[]; images: string[] }): Promise<boolean> {
  try {
    if (created.containers.length)
      await ctx.docker.exec(removeContainers(created.containers), { timeoutMs: CLEANUP_TIMEOUT_MS });
    if (created.images.length) await ctx.docker.exec(removeImages(created.images), { timeoutMs: CLEANUP_TIMEOUT_MS });
    return true;
  } catch (e) {
    ctx.logger.warn(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}
