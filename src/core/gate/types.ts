import type { ReleaseOperatorConfig } from '../config/schema';
import type { GitTag } from '../git/repo';
import type { GitHubClient, RepoRef } from '../github';
import type { Logger } from '../log';
import type { Runner } from '../process/run';
import type { RegistryClient } from '../registry';
import type { CheckResult, ReadinessReport } from '../report';
import type { SmokeEvent } from '../smoke';

export const GATE_STAGES = ['pre-push', 'post-push', 'pre-release', 'post-release'] as const;
export type GateStage = (typeof GATE_STAGES)[number];

/**
 * How the images reached the pre-push stage:
 * - local: each platform built and loaded into the local engine under a reference of its own (the classic image
 *   store cannot load several platforms under one tag);
 * - candidate: each platform pushed to the registry by digest (or under a candidate tag), smoke-tested by digest,
 *   then promoted by `assemble`.
 */
export type GateFlow = 'local' | 'candidate';

/** A local image for one platform; the platform is read from the image when not given. */
export interface LocalImage {
  platform?: string;
  reference: string;
}

export interface GateRequest {
  stage: GateStage;
  /** registry/repository the release publishes to, e.g. ghcr.io/owner/name. */
  image: string;
  /** The version released (1.2.3); the version tag comes from the scheme's image prefix. */
  version?: string;
  /** The released commit: labels must name it, and its short form is the commit tag. */
  commit?: string;
  /** Platforms the release must have. */
  platforms: string[];
  /** pre-push, local flow. */
  local?: LocalImage[];
  /** pre-push, candidate flow: references in the registry (by digest, or candidate tags), one or more platforms each. */
  candidates?: string[];
  /** post-push and pre-release: what to check (default image:<version tag>); e.g. the digest `assemble` wrote. */
  reference?: string;
  /** The repository whose Dockerfiles and workflows pre-push lints. */
  root?: string;
  /** Its GitHub owner/name (lint tells this repository's own reusable workflows and actions from others'). */
  repository?: string;
  /**
   * Where pre-push records what it tested and post-push reads it: a file, or a folder of record files (one per
   * pre-push run; the per-platform flow gathers them from several runners).
   */
  record: string;
  /**
   * pre-push lint: the repository's Dockerfiles and workflows with this image's Dockerfile (default), or only the
   * image's Dockerfile, when the caller lints the repository once for several images (runGateForImages).
   */
  lintScope?: 'repository' | 'image-dockerfile';
  /** Checks to leave out, by id (lint, glibc, smoke, ...); each is named in the report. */
  skip?: string[];
  /** The whole stage's deadline; what has not finished by then is a failure that says so. */
  timeoutSeconds: number;
  /** After the deadline, how long a check may take to remove what it started (default 30 s). */
  graceMs?: number;
  /** post-push: require a valid signature from the release workflow (the supply-chain rows become blocking). */
  requireSignature?: boolean;
  /**
   * pre-release: check the glibc floor of the Release's assets (a draft's too) even when glibc.assets names no
   * policy; they are then held to glibc.policy / glibc.maxGlibc.
   */
  releaseAssets?: boolean;
  /** The version's git tag and its commit, when the repository has it (the supply chain cross-checks them; the
   *  pre-release stage finds the Release by it). */
  gitTag?: { name: string; commit?: string };
}

/** GitHub for post-release: a client and the repository, or why there is none. */
export type GateGitHub = { client: GitHubClient; repo: RepoRef } | { unavailable: string };

export interface GateDeps {
  config: ReleaseOperatorConfig;
  runner: Runner;
  registry: RegistryClient;
  github?: GateGitHub;
  /** Version git tags of the repository (post-release compares them with Releases and image tags). */
  gitTags?: GitTag[];
  signal?: AbortSignal;
  logger?: Logger;
  now?: () => Date;
  onEvent?: (e: GateEvent) => void;
}

export type GateEvent =
  | { type: 'stage-started'; stage: GateStage; image: string; version?: string; flow?: GateFlow }
  | { type: 'check-started'; id: string; title: string; subject?: string }
  | { type: 'check-finished'; check: CheckResult }
  | { type: 'smoke'; event: SmokeEvent }
  | { type: 'note'; message: string };

/** What a platform's image was when pre-push tested it. */
export interface TestedPlatform {
  platform: string;
  /** The image config digest (the local image ID on Docker's classic image store): what a push keeps. */
  configDigest: string;
  /** The reference smoke ran. */
  reference: string;
  /** The manifest digest, when the image was tested from the registry (candidate flow). */
  manifestDigest?: string;
  /** Candidate flow: the pushed reference it came from, pinned by digest (an index keeps its attestations). */
  source?: string;
}

/** The handoff from pre-push to post-push (a JSON file). */
export interface GateRecord {
  schema: 'release-operator/gate-record@1';
  image: string;
  version?: string;
  commit?: string;
  flow: GateFlow;
  platforms: TestedPlatform[];
  recordedAt: string;
}

/** A stage's outcome: the readiness report, and per platform the digest it concerns (the Action's outputs). */
export interface GateResult {
  report: ReadinessReport;
  /** The index digest post-push and pre-release checked. */
  digest?: string;
  /** Per platform: the manifest digest in the registry, or (local pre-push) the image ID tested. */
  platformDigests: Record<string, string>;
  /** Where pre-push wrote its record. */
  recordPath?: string;
}
