import pLimit from 'p-limit';
import { CancelledError, usageError } from '../errors';
import { type Logger, nullLogger } from '../log';
import {
  namesRegistry,
  parseReference,
  platformMatches,
  repositoryName,
  type ImageReference,
  type ManifestResult,
  type RegistryClient,
  isIndex,
  splitIndex,
} from '../registry';
import { freeLoopbackPort } from '../net';
import {
  DockerClient,
  SMOKE_RUN_LABEL,
  detectBuilder,
  imageInspect,
  isDaemonDown,
  markRunActive,
  newRunId,
  parsePlatform,
  removeLabelled,
  runsNatively,
  serverVersion,
  settleKilledCreate,
  contextHost,
  engineFor,
  engineKey,
  isRemoteHost,
  defaultEngine,
  describeDefaultEngine,
  type EngineSpec,
} from '../container';
import { smokePlatform } from './platformRun';
import type { EngineRun, RunContext } from './runContext';
import type { PlatformResult, SmokeDeps, SmokeEvent, SmokeOptions, SmokeOutcome, SmokeReport } from './types';

const CLEANUP_TIMEOUT_MS = 60_000;
/** Docker refuses a --memory below this. */
const MIN_MEMORY = 6 * 1024 * 1024;

/** docker's size notation (256m, 1g, 1.5g, 1048576): bytes; NaN when it is not one. */
function memoryBytes(size: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([bkmg]?)$/i.exec(size.trim());
  if (!m) return Number.NaN;
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * unit);
}

/**
 * Runs the smoke gate on every platform and resolves to the report once everything the run created is gone.
 * Throws ReleaseOperatorError before any platform starts when the options are unusable ('usage') or Docker
 * cannot be used at all ('environment'). A cancel (deps.signal) resolves to a report with outcome 'cancelled'.
 */
export async function runSmoke(options: SmokeOptions, deps: SmokeDeps): Promise<SmokeReport> {
  const started = Date.now();
  const logger = deps.logger ?? nullLogger;
  const emit = (e: SmokeEvent) => {
    try {
      deps.onEvent?.(e);
    } catch (err) {
      logger.warn(`a smoke event listener failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (!options.platforms.length)
    throw usageError(
      'No platform to smoke test.',
      'Pass --platform (e.g. linux/amd64) or set smoke.platforms / requiredPlatforms.',
    );
  const own = (p: string) => Boolean(options.platformImages?.[p]);
  if (!options.build && !options.image && !options.platforms.every(own))
    throw usageError(
      'No image to smoke test.',
      "Pass an image reference, or --build to build the repository's Dockerfile.",
    );
  options.platforms.forEach(parsePlatform);
  if (options.versionPattern) {
    try {
      new RegExp(options.versionPattern);
    } catch (e) {
      throw usageError(
        `The version pattern /${options.versionPattern}/ is not a regular expression: ${(e as Error).message}`,
      );
    }
  }
  // docker takes the size as written: no spaces around it.
  if (options.memory !== undefined) options = { ...options, memory: options.memory.trim() };
  if (options.memory && !(memoryBytes(options.memory) >= MIN_MEMORY)) {
    throw usageError(
      `The memory limit '${options.memory}' is not a size Docker accepts (at least 6 MiB, written like 256m or 1g).`,
      'Set smoke.memory (or --memory) to a size like 256m, or leave it empty for no limit.',
    );
  }
  const platforms = [...new Set(options.platforms)];
  const runId = options.runId ?? newRunId();
  // The commands that create containers (or build images) and were still running when the run was cancelled: only
  // these can have the daemon create something after their client was killed.
  const killed: { creates: (readonly string[])[]; build: boolean } = { creates: [], build: false };
  const runner: typeof deps.runner = async (command, args, o) => {
    // The subcommand comes after the engine flag (--host X / --context X) when the platform has an engine.
    const sub = args[0] === '--host' || args[0] === '--context' ? args[2] : args[0];
    const kind =
      sub === 'run' || sub === 'create' ? 'create' : sub === 'build' || sub === 'buildx' ? 'build' : undefined;
    const onAbort = () => (kind === 'create' ? killed.creates.push(args) : (killed.build = true));
    if (kind && deps.signal?.aborted) onAbort();
    else if (kind) deps.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await deps.runner(command, args, o);
    } finally {
      deps.signal?.removeEventListener('abort', onAbort);
    }
  };
  const docker = new DockerClient({ runner, dockerPath: options.dockerPath, logger });
  const onDefault = platforms.some((p) => !engineFor(options.engines, p));
  // The image's local state is asked for beside the daemon's version: both are the run's first docker calls.
  const shared = !options.build && options.image && !options.platforms.every(own);
  const localTag = shared && onDefault ? docker.exec(imageInspect(options.image!), { signal: deps.signal }) : undefined;
  localTag?.catch(() => undefined); // read (and its error reported) by the first image step
  // A reference that names its registry is most likely run from there: ask it where the tag points meanwhile too.
  const platformReference =
    deps.registry && shared ? platformReferences(deps.registry, options.image!, logger, deps.signal) : undefined;
  if (platformReference && namesRegistry(options.image!)) platformReference().catch(() => undefined); // a cancel is reported by the step that asks
  const engines = await openEngines(docker, platforms, options.engines, onDefault, deps.signal);
  const defaultEngine = engines.get('');
  if (defaultEngine) defaultEngine.localTag = localTag;
  const engineOf = (p: string) => engines.get(engineKey(engineFor(options.engines, p)))!;
  const notes: string[] = [];
  for (const p of platforms) {
    const e = engineOf(p);
    // Said, not refused: an engine emulating the platform still tests it, only slower and less faithfully.
    if (e.named && !runsNatively(e.hostArch, parsePlatform(p)))
      notes.push(
        `${p} runs on ${e.name}, an engine of architecture ${e.hostArch}, not ${parsePlatform(p).architecture}: ` +
          `${p} is emulated there (QEMU), not native.`,
      );
  }
  const builder = options.build ? await detectBuilder(docker, deps.signal) : undefined;
  // The fallback is worth a note; a builder that cannot build at all is reported by each platform's build step.
  if (builder?.kind === 'buildkit') notes.push(builder.description);
  const image = options.build
    ? `(built from ${options.build.dockerfile})`
    : (options.image ?? platforms.map((p) => options.platformImages![p]).join(', '));

  emit({ type: 'run-started', runId, platforms, image });
  for (const message of notes) emit({ type: 'note', message });
  const ctx: RunContext = {
    docker,
    engineOf,
    options,
    runId,
    signal: deps.signal,
    emit,
    logger,
    builder,
    freePort: deps.freePort ?? freeLoopbackPort,
    runner: deps.runner,
    platformReference,
  };
  const width =
    options.parallel === true ? platforms.length : options.parallel === false ? 1 : Math.max(1, options.parallel);
  const limit = pLimit(width);
  let results: PlatformResult[] = [];
  let cleanup: SmokeReport['cleanup'];
  // While the run lasts, `cleanup` (another terminal, another window) leaves its containers alone.
  const endRun = await markRunActive(runId, undefined, (m) => logger.debug(m));
  try {
    results = await Promise.all(platforms.map((p) => limit(() => smokePlatform(ctx, p))));
  } finally {
    // The platforms remove what they created, by name. This sweep by label catches what a cancel raced past (a
    // `docker run` whose client was killed while the daemon still created the container), and what a failed
    // run or a failed removal may have left; a run where every platform passed and cleaned up needs none.
    const clean =
      !deps.signal?.aborted &&
      !ctx.cleanupFailed &&
      results.length === platforms.length &&
      results.every((r) => r.passed);
    // Every engine the run used is swept: a container is removed on the engine that started it.
    const swept = clean
      ? []
      : await Promise.all(
          [...engines].map(([k, e]) => sweep(e.docker, runId, logger, killedOn(killed, k), Boolean(options.build))),
        );
    cleanup = {
      leftoverContainers: swept.reduce((n, c) => n + c.leftoverContainers, 0),
      leftoverImages: swept.reduce((n, c) => n + c.leftoverImages, 0),
      errors: swept.flatMap((c) => c.errors),
    };
    await endRun();
  }
  if (!deps.signal?.aborted && results.some((r) => r.outcome === 'failed')) {
    const answers = new Map<EngineRun, Promise<boolean>>();
    const failed = results.filter((r) => r.outcome === 'failed');
    for (const r of failed) answers.set(engineOf(r.platform), daemonAnswers(engineOf(r.platform).docker, cleanup));
    const down = new Set<string>();
    for (const r of failed) if (!(await answers.get(engineOf(r.platform)))) down.add(r.platform);
    results = results.map((r) => (down.has(r.platform) ? blameDaemon(r) : r));
  }
  const outcome: SmokeOutcome = deps.signal?.aborted
    ? 'cancelled'
    : results.some((r) => r.outcome === 'failed')
      ? 'failed'
      : results.some((r) => r.outcome !== 'passed')
        ? 'environment'
        : 'passed';
  const report: SmokeReport = {
    runId,
    image,
    builder: builder?.kind === 'none' ? undefined : builder?.kind,
    notes,
    passed: outcome === 'passed',
    outcome,
    platforms: results,
    cleanup,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
  emit({ type: 'run-finished', report });
  return report;
}

/**
 * The engines of a run, one per distinct engine (platforms on the same engine share it): its client, its own
 * architecture from `docker version` (the run's first call on each), and whether it may be another machine (a
 * context is asked where it points). A context that does not exist is a usage error before anything starts.
 */
async function openEngines(
  docker: DockerClient,
  platforms: string[],
  specs: SmokeOptions['engines'],
  withDefault: boolean,
  signal?: AbortSignal,
): Promise<Map<string, EngineRun>> {
  const wanted = new Map<string, EngineSpec | undefined>();
  if (withDefault) wanted.set('', undefined);
  for (const p of platforms) {
    const spec = engineFor(specs, p);
    if (spec) wanted.set(engineKey(spec), spec);
  }
  const opened = await Promise.all(
    [...wanted].map(async ([key, spec]): Promise<[string, EngineRun]> => {
      const client = docker.forEngine(spec);
      // The default engine is where the client's DOCKER_HOST or current context points, not always this machine.
      const found = spec ? undefined : client.exec(defaultEngine(), { signal });
      // Both asked at once (awaited below): finding the default engine costs the run no extra round.
      const version = client.exec(serverVersion(), { signal });
      for (const p of [found, version]) p?.catch(() => undefined);
      const endpoint = !spec
        ? (await found)?.endpoint
        : 'host' in spec
          ? spec.host
          : (await docker.exec(contextHost(spec.context), { signal })) || undefined;
      // A context whose endpoint cannot be told is taken for another machine: nothing local is assumed of it.
      const remote = spec ? !endpoint || isRemoteHost(endpoint) : Boolean((await found)?.remote);
      const server = await version;
      const lock = pLimit(1);
      const elsewhere = found && describeDefaultEngine(await found);
      return [
        key,
        {
          docker: client,
          hostArch: server.arch,
          name: elsewhere ?? client.engineName,
          configured: Boolean(spec),
          named: Boolean(spec) || elsewhere !== undefined,
          remote,
          endpoint,
          imageLock: (fn) => lock(fn),
        },
      ];
    }),
  );
  return new Map(opened);
}

/**
 * Whether the daemon still answers after a failed run. dockerd closes its API before it stops containers on the
 * way down, so a container killed by a daemon shutdown (exit 137 mid-step) is always followed by a daemon that no
 * longer answers: that failure belongs to the environment, not to the image.
 */
async function daemonAnswers(docker: DockerClient, cleanup: SmokeReport['cleanup']): Promise<boolean> {
  if (cleanup.errors.some(isDaemonDown)) return false;
  try {
    await docker.exec(serverVersion(), { signal: AbortSignal.timeout(10_000) });
    return true;
  } catch {
    return false;
  }
}

function blameDaemon(r: PlatformResult): PlatformResult {
  if (r.outcome !== 'failed') return r;
  const step = r.steps.find((s) => s.name === r.failedStep);
  return {
    ...r,
    outcome: 'environment',
    environmentProblem: {
      message: `The Docker daemon stopped during the run${step ? ` (at the ${step.name} step: ${step.detail})` : ''}; the image was not judged.`,
      hint:
        'Start the Docker daemon, remove what the run left (`release-operator cleanup`, or Remove Containers ' +
        'Left by Crashed Runs in VS Code), then run the smoke test again.',
    },
  };
}

/**
 * The index entry per platform of a registry reference, asked once per run for all platforms (called without a
 * platform, it only starts asking). Any failure (no registry, no credentials, not a registry reference) is logged
 * and answers undefined: the image step then pulls the tag as Docker would.
 */
function platformReferences(
  registry: RegistryClient,
  image: string,
  logger: Logger,
  signal?: AbortSignal,
): (platform?: string) => Promise<string | undefined> {
  let top: Promise<{ ref: ImageReference; manifest: ManifestResult } | undefined> | undefined;
  return async (platform) => {
    top ??= (async () => {
      try {
        const ref = parseReference(image);
        return { ref, manifest: await registry.getManifest(ref, { signal }) };
      } catch (e) {
        if (signal?.aborted) throw new CancelledError();
        logger.debug(
          `the registry could not resolve ${image} (${e instanceof Error ? e.message : String(e)}); pulling by tag`,
        );
        return undefined;
      }
    })();
    const found = await top;
    if (!found || !platform) return undefined;
    const { ref, manifest } = found;
    if (!isIndex(manifest.json)) return `${repositoryName(ref)}@${manifest.digest}`;
    const matches = splitIndex(manifest.json).platforms.filter((p) => platformMatches(p, platform));
    return matches.length === 1 ? `${repositoryName(ref)}@${matches[0].digest}` : undefined;
  };
}

/**
 * Removes what carries the run's label, and settles each create a cancel killed in flight (settleKilledCreate: by
 * name, at once, not by waiting to see whether the daemon still creates its container). A build killed in flight
 * may still tag its image after its client died: only then is the sweep repeated a second later. Only a --build
 * run creates images, so only then are images looked for (after the settling, whose claims use them).
 */
async function sweep(
  docker: DockerClient,
  runId: string,
  logger: { warn(m: string): void },
  killed: { creates: (readonly string[])[]; build: boolean },
  built: boolean,
): Promise<SmokeReport['cleanup']> {
  const total = { leftoverContainers: 0, leftoverImages: 0, errors: [] as string[] };
  const failed = (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    logger.warn(`cleanup of smoke run ${runId}: ${message}`);
    total.errors.push(message);
  };
  const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
  const settling = new Set(killed.creates.map((a) => a[a.indexOf('--name') + 1]));
  const settle = killed.creates.map(async (args) => {
    try {
      if ((await settleKilledCreate(docker, args, signal)).existed) total.leftoverContainers++;
    } catch (e) {
      failed(e);
    }
  });
  const round = async (images: boolean) => {
    try {
      // The names being settled are theirs to remove (and count).
      const removed = await removeLabelled(docker, `${SMOKE_RUN_LABEL}=${runId}`, signal, { images, leave: settling });
      total.leftoverContainers += removed.containers.length;
      total.leftoverImages += removed.images.length;
    } catch (e) {
      failed(e);
    }
  };
  // A claim creates from the run's image: a temporary image goes once the settling is done.
  const imagesNow = built && !settle.length;
  await Promise.all([...settle, round(imagesNow)]);
  if (killed.build) await new Promise((r) => setTimeout(r, 1000));
  if (killed.build || (built && !imagesNow)) await round(built);
  return total;
}

/** What was killed on the engine of key `key` (engineKey), without the engine flag its client adds itself. */
function killedOn(
  killed: { creates: (readonly string[])[]; build: boolean },
  key: string,
): { creates: (readonly string[])[]; build: boolean } {
  const keyOf = (a: readonly string[]) =>
    a[0] === '--host' ? `host:${a[1]}` : a[0] === '--context' ? `context:${a[1]}` : '';
  const creates = killed.creates.filter((a) => keyOf(a) === key).map((a) => (keyOf(a) ? a.slice(2) : a));
  return { creates, build: killed.build };
}
