import {
  BINFMT_HINT,
  binfmtState,
  build,
  containerState,
  isDockerHostProblem,
  isExecFormatError,
  isPortTaken,
  logs,
  removeContainers,
  runAttached,
  runDetached,
  type ImageInfo,
  type Platform,
} from '../container';
import { sleep } from '../sleep';
import { probeAddress } from './forward';
import { pollHealth } from './health';
import { describePlatform, resolveImage } from './resolveImage';
import { tempImageTag, type EngineRun, type RunContext } from './runContext';
import { StepFailure, type StepOutcome } from './step';
import type { PlatformResult, StepName } from './types';

/** One platform's run as its steps see it: what they share, and what they leave for later steps and the cleanup. */
export interface PlatformRun {
  ctx: RunContext;
  /** The engine the platform runs on: every docker call of the platform goes there. */
  engine: EngineRun;
  platform: string;
  p: Platform;
  deadlineSeconds: number;
  labels: Record<string, string>;
  /** The containers: the help and version commands run in their own, the service in a third. */
  names: { help: string; version: string; service: string };
  /** What the platform created, removed at its end. */
  created: { containers: string[]; images: string[] };
  result: PlatformResult;
  /** Set by the image step. */
  image?: ImageInfo;
  /** Set by the start step, read by the health step. */
  service: { started: number; port: number };
}

/** How long the engine may take to report an out-of-memory kill after the exit (see exitState). */
const OOM_EVENT_GRACE_MS = 500;
/** Attempts at publishing the service on a free loopback port (another process can take it in between). */
const PORT_ATTEMPTS = 3;

/** What each step does; smokePlatform runs them in plan order. */
export const STEPS: Record<StepName, (run: PlatformRun) => Promise<StepOutcome>> = {
  emulation: emulationStep,
  build: buildStep,
  image: imageStep,
  help: (run) => commandStep(run, 'help'),
  version: (run) => commandStep(run, 'version'),
  start: startStep,
  health: healthStep,
};

async function emulationStep({ ctx, engine, platform, p }: PlatformRun): Promise<StepOutcome> {
  // A remote engine's binfmt handlers are on its machine: a run there finds out (exec format error).
  if (engine.remote)
    return { detail: `cannot tell on ${engine.name} (another machine); an exec format error will say so` };
  const state = await binfmtState(p, ctx.options.binfmtDir);
  if (state.registered === true) return { detail: `QEMU handler registered (${state.interpreter ?? 'enabled'})` };
  if (state.registered === 'unknown')
    return { detail: `cannot tell (${state.reason}); an exec format error will say so` };
  throw new StepFailure(`${platform} needs emulation on this ${engine.hostArch} Docker host, but ${state.reason}.`, {
    message: `Cannot run ${platform} containers here: ${state.reason}.`,
    hint: BINFMT_HINT,
  });
}

async function buildStep({ ctx, engine, platform, labels, created, result }: PlatformRun): Promise<StepOutcome> {
  const o = ctx.options;
  const b = ctx.builder!;
  if (b.kind === 'none') throw new StepFailure(b.description, { message: b.description, hint: b.hint });
  const tag = tempImageTag(ctx.runId, platform);
  created.images.push(tag);
  const tail: string[] = [];
  try {
    await engine.docker.exec(build({ builder: b.kind, platform, tag, ...o.build!, labels }), {
      signal: ctx.signal,
      onLine: (line) => {
        tail.push(line);
        if (tail.length > o.logTail) tail.shift();
        ctx.emit({ type: 'output', platform, line });
      },
    });
  } catch (e) {
    result.logs = tail;
    throw e;
  }
  return {
    detail: `built ${tag} with ${b.kind === 'buildx' ? 'docker buildx build' : 'DOCKER_BUILDKIT=1 docker build'}`,
  };
}

async function imageStep(run: PlatformRun): Promise<StepOutcome> {
  const { ctx, platform } = run;
  const o = ctx.options;
  const ref = o.build ? tempImageTag(ctx.runId, platform) : (o.platformImages?.[platform] ?? o.image!);
  const found = await resolveImage(ctx, run.engine, ref, run.p);
  const image = (run.image = found.info);
  run.result.imageId = image.id;
  const at = found.pinned?.indexOf('@') ?? -1;
  const entry = found.pinned ? `, index entry ${found.pinned.slice(at + 1, at + 20)}` : '';
  const pulled = found.pulled ? ', pulled' : '';
  return { detail: `${ref} -> ${image.id.slice(0, 19)} (${describePlatform(image)}${pulled})${entry}` };
}

/** The help or version command, in a container of its own that runs to its end. */
async function commandStep(run: PlatformRun, name: 'help' | 'version'): Promise<StepOutcome> {
  const { ctx, platform, names } = run;
  const o = ctx.options;
  const args = name === 'help' ? o.helpArgs : o.versionArgs;
  const shown = `'${args.join(' ')}'`;
  run.created.containers.push(names[name]);
  const r = await run.engine.docker.exec(
    runAttached(
      {
        name: names[name],
        image: run.image!.id,
        platform,
        labels: run.labels,
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
  if (r.timedOut) throw new StepFailure(`${shown} did not finish within ${o.commandTimeoutSeconds} s`);
  if (r.exitCode === 125 && isDockerHostProblem(text)) {
    const why = `docker could not start the container: ${lastOf(r.output)}`;
    throw new StepFailure(why, {
      message: why,
      hint: 'The Docker host failed, not the image: check `docker info` and the daemon log, then retry.',
    });
  }
  if (r.exitCode === 137 && o.memory) {
    const s = await exitState(run, names[name]).catch(() => undefined);
    run.result.exit = { exitCode: 137, oomKilled: Boolean(s?.oomKilled) };
    throw new StepFailure(`${shown} was ${killedText(run, s?.oomKilled ?? false)}: ${lastOf(r.output)}`);
  }
  if (r.exitCode !== 0) {
    const why = r.exitCode === 125 ? ' (docker could not start the container)' : '';
    throw new StepFailure(`${shown} exited ${r.exitCode}${why}: ${lastOf(r.output)}`);
  }
  if (name === 'version' && o.versionPattern && !new RegExp(o.versionPattern).test(text))
    throw new StepFailure(`${shown} printed '${lastOf(r.output)}', which does not match /${o.versionPattern}/`);
  return { detail: `${shown} exited 0${name === 'version' ? `: ${lastOf(r.output)}` : ''}` };
}

/** The service in the background, its port published on a loopback port picked here (the health step needs it). */
async function startStep(run: PlatformRun): Promise<StepOutcome> {
  const { ctx, platform, names } = run;
  const o = ctx.options;
  run.created.containers.push(names.service);
  for (let attempt = 1; ; attempt++) {
    const port = await ctx.freePort();
    run.service.port = port;
    try {
      const id = await run.engine.docker.exec(
        runDetached({
          name: names.service,
          image: run.image!.id,
          platform,
          labels: run.labels,
          env: o.env,
          publish: o.port,
          hostPort: port,
          // A tcp:// engine's port is dialled on its host by name: loopback there is out of reach.
          publishAddress: run.engine.endpoint?.startsWith('tcp://') ? '0.0.0.0' : undefined,
          memory: o.memory || undefined,
        }),
        { signal: ctx.signal },
      );
      run.service.started = Date.now();
      return { detail: `container ${id.slice(0, 12)} started, port ${o.port} published on 127.0.0.1:${port}` };
    } catch (e) {
      if (attempt >= PORT_ATTEMPTS || !isPortTaken(e instanceof Error ? e.message : String(e))) throw e;
      // The container was created but could not start: remove it so the name is free for the next attempt.
      await run.engine.docker.exec(removeContainers([names.service]), { signal: ctx.signal });
    }
  }
}

/** GET the health path until it answers as expected, the deadline passes, or the container stops. */
async function healthStep(run: PlatformRun): Promise<StepOutcome> {
  const { ctx, platform, names, service } = run;
  const o = ctx.options;
  const exited = async () => {
    const s = await exitState(run, names.service);
    if (s.running) return undefined;
    run.result.exit = { exitCode: s.exitCode, oomKilled: s.oomKilled };
    const killed = s.oomKilled || (s.exitCode === 137 && o.memory) ? ` (${killedText(run, s.oomKilled)})` : '';
    return `the container exited with code ${s.exitCode}${killed}${s.error ? ` (${s.error})` : ''}`;
  };
  const at = await probeAddress(run.engine.endpoint, service.port, {
    runner: ctx.runner,
    freePort: () => ctx.freePort(),
    signal: ctx.signal,
  });
  const url = `http://${at.host}:${at.port}${o.healthPath.startsWith('/') ? '' : '/'}${o.healthPath}`;
  let h: Awaited<ReturnType<typeof pollHealth>>;
  try {
    h = await pollHealth({
      url,
      expectStatus: o.expectStatus,
      expectBody: o.expectBody,
      deadline: service.started + run.deadlineSeconds * 1000,
      pollIntervalMs: o.pollIntervalMs ?? 500,
      signal: ctx.signal,
      stopReason: exited,
    });
  } finally {
    await at.close();
  }
  if (h.passed) {
    const after = ((Date.now() - service.started) / 1000).toFixed(1);
    return {
      detail: `GET ${url} -> ${h.detail} after ${after} s (${h.attempts} attempt${h.attempts === 1 ? '' : 's'})`,
    };
  }
  if (!h.stoppedEarly) throw new StepFailure(`GET ${url}: ${h.detail} (deadline ${run.deadlineSeconds} s)`);
  const tail = await run.engine.docker.exec(logs(names.service, 20), { signal: ctx.signal });
  if (isExecFormatError(tail.join('\n'))) throw execFormat(platform);
  throw new StepFailure(`GET ${o.healthPath}: ${h.detail}`);
}

/**
 * A container's state once it stopped. Killed (137) under a memory limit without the engine saying "out of
 * memory": Docker 20.10 on cgroup v2 sets OOMKilled only when its OOM event arrives before the exit event
 * (hashicorp/nomad#13119), so it is asked once more after a moment.
 */
async function exitState({ ctx, engine }: PlatformRun, container: string) {
  const s = await engine.docker.exec(containerState(container), { signal: ctx.signal });
  if (s.running || s.exitCode !== 137 || s.oomKilled || !ctx.options.memory) return s;
  await sleep(OOM_EVENT_GRACE_MS, ctx.signal);
  return engine.docker.exec(containerState(container), { signal: ctx.signal });
}

/** How a container killed by SIGKILL under the memory limit is described: confirmed by the engine or not. */
function killedText({ ctx }: PlatformRun, confirmed: boolean): string {
  const memory = ctx.options.memory;
  return confirmed || !memory
    ? `killed: out of memory${memory ? `, limit ${memory}` : ''}`
    : `killed; most likely out of memory under the ${memory} limit (the engine did not say)`;
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
