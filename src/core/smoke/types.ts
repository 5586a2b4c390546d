import type { RegistryClient } from '../registry';
import type { ReleaseOperatorConfig } from '../config/schema';
import type { Logger } from '../log';
import type { Runner } from '../process/run';
import type { EngineSpec } from '../container';

/**
 * The settings the smoke gate takes from the configuration as they are (their meaning is documented once, in the
 * smoke section of src/core/config/schema.ts): the help and version commands, the service port and health check,
 * the deadlines, the containers' environment and how much log to keep.
 */
type SmokeSettings = Pick<
  ReleaseOperatorConfig['smoke'],
  | 'helpArgs'
  | 'versionArgs'
  | 'versionPattern'
  | 'port'
  | 'healthPath'
  | 'expectStatus'
  | 'expectBody'
  | 'timeoutSeconds'
  | 'emulatedTimeoutSeconds'
  | 'commandTimeoutSeconds'
  | 'commandNetwork'
  | 'memory'
  | 'env'
  | 'logTail'
>;

/** What to smoke and how; smokeOptionsFromConfig() fills it from the configuration. */
export interface SmokeOptions extends SmokeSettings {
  /** Docker executable (config.dockerPath). */
  dockerPath: string;
  /** The engine per platform (config.engines); platforms not listed run on the default engine. */
  engines?: Readonly<Record<string, EngineSpec>>;
  /** Image reference to test. Ignored when `build` is set. */
  image?: string;
  /**
   * A reference of its own per platform, when each platform is a separate image (one loaded locally per platform,
   * or a candidate pushed by digest); a platform listed here runs that image, `image` then only names the run.
   */
  platformImages?: Record<string, string>;
  /** Build the image from the repository instead, once per platform, under a temporary tag. */
  build?: { dockerfile: string; context: string; buildArgs: Record<string, string> };
  /** os/arch[/variant], e.g. linux/amd64. */
  platforms: string[];
  /** true: all platforms side by side; false: one at a time; a number: at most that many at once. */
  parallel: boolean | number;
  /** Names this run's containers and images (label release-operator.smoke=<runId>); default a fresh one. */
  runId?: string;
  /** Extra labels for every container and image (tests label theirs). */
  labels?: Record<string, string>;
  /** Where binfmt handlers are registered on the Docker host; default /proc/sys/fs/binfmt_misc. */
  binfmtDir?: string;
  /** Milliseconds between health probes; default 500. */
  pollIntervalMs?: number;
}

export interface SmokeDeps {
  /** Runs programs: runProcess from src/core/process/run.ts. */
  runner: Runner;
  /** Cancels the run; everything it created is still removed before runSmoke resolves. */
  signal?: AbortSignal;
  onEvent?: (event: SmokeEvent) => void;
  logger?: Logger;
  /**
   * Resolves a registry reference's index entry per platform, so each platform runs exactly that image and the
   * platforms resolve at the same time; without it, each platform pulls the tag with --platform, one at a time.
   */
  registry?: RegistryClient;
  /** Picks the loopback port the service is published on; default: a port the kernel says is free. */
  freePort?: () => Promise<number>;
}

export type StepName = 'emulation' | 'build' | 'image' | 'help' | 'version' | 'start' | 'health';

export interface StepResult {
  name: StepName;
  passed: boolean;
  /** Not run because an earlier step failed, or the run was cancelled. */
  skipped?: boolean;
  durationMs: number;
  /** What happened, in words (on success too: "200 ok after 1.2 s"). */
  detail: string;
}

export type PlatformOutcome = 'passed' | 'failed' | 'environment' | 'cancelled';

export interface EnvironmentProblem {
  message: string;
  hint?: string;
}

export interface PlatformResult {
  platform: string;
  passed: boolean;
  /** failed: the image is broken; environment: this machine could not run the check; cancelled: stopped. */
  outcome: PlatformOutcome;
  /** Runs under QEMU on its engine (an engine of another architecture than the platform's). */
  emulated: boolean;
  /**
   * The engine the platform ran on: its name, its own architecture (from the engine, not from the configuration),
   * whether `engines` chose it for this platform, and whether a verdict names it (configured, or a default engine
   * that DOCKER_HOST or the current docker context points elsewhere; its name then says which and how found).
   */
  engine?: { name: string; architecture: string; configured: boolean; named?: boolean };
  /** Health deadline used, in seconds. */
  deadlineSeconds: number;
  /** The platform's own image (the id the containers ran from). */
  imageId?: string;
  steps: StepResult[];
  /** The step that decided a failure. */
  failedStep?: StepName;
  /** Evidence when it did not pass: `docker ps -a` row and the container's log tail. */
  psRow?: string;
  logs?: string[];
  /** The service container's end, when it stopped by itself. */
  exit?: { exitCode: number; oomKilled: boolean };
  environmentProblem?: EnvironmentProblem;
  durationMs: number;
}

export type SmokeOutcome = 'passed' | 'failed' | 'environment' | 'cancelled';

export interface SmokeReport {
  runId: string;
  /** The reference tested, or "(built from Dockerfile)". */
  image: string;
  /** How images were built (when building): buildx or the BuildKit fallback. */
  builder?: string;
  /** Things worth telling a person (fallbacks taken). */
  notes: string[];
  passed: boolean;
  /**
   * passed: every platform passed; failed: one at least failed; environment: none failed but one could not run;
   * cancelled.
   */
  outcome: SmokeOutcome;
  platforms: PlatformResult[];
  /**
   * The final sweep by label: what it still found after the platforms removed their own containers and
   * temporary tags (normally 0; more after a cancel), and what could not be removed.
   */
  cleanup: { leftoverContainers: number; leftoverImages: number; errors: string[] };
  startedAt: string;
  durationMs: number;
}

export type SmokeEvent =
  | { type: 'run-started'; runId: string; platforms: string[]; image: string }
  | { type: 'note'; message: string; platform?: string }
  | {
      type: 'platform-started';
      platform: string;
      emulated: boolean;
      deadlineSeconds: number;
      /** The engine configured for the platform (config engines), with its own architecture. */
      engine?: string;
    }
  | { type: 'step-started'; platform: string; step: StepName }
  | { type: 'step-finished'; platform: string; step: StepResult }
  | { type: 'output'; platform: string; line: string }
  | { type: 'platform-finished'; platform: string; result: PlatformResult }
  | { type: 'run-finished'; report: SmokeReport };
