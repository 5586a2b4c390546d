import type { ReleaseOperatorConfig } from '../config/schema';
import type { Logger } from '../log';
import type { Descriptor, RegistryClient } from '../registry';
import type { Basis, ReadinessReport } from '../report';

export interface AssembleRequest {
  /** registry/repository the release is published to; every source must be in it. */
  image: string;
  /** Per-platform pushes: repository@sha256:... or candidate tags (repository:candidate-<run>-amd64); each may be a
   *  single-platform manifest or an index of one or more platforms with their attestations. */
  sources: string[];
  /** With no sources: the pre-push records here name them (candidate flow), so exactly what was tested is assembled. */
  record?: string;
  version: string;
  commit?: string;
  /** Platforms the index must have. */
  platforms: string[];
  /** Remove the candidate tags among the sources once the index is verified (default true). */
  cleanCandidates?: boolean;
  /** Plan only: read, never write. */
  dryRun?: boolean;
}

export interface AssembleDeps {
  config: ReleaseOperatorConfig;
  registry: RegistryClient;
  signal?: AbortSignal;
  logger?: Logger;
  now?: () => Date;
  /** The plan, once made and before anything is written: a face prints it first. */
  onPlan?: (plan: AssemblePlan) => void;
  /** Each step as it starts and ends (the plan first). */
  onStep?: (step: StepRecord) => void;
  /** Called after each step that wrote something, before the next (tests interrupt an assemble here). */
  between?: (done: StepName) => Promise<void>;
}

/** One platform of the index, and the attestations that describe it. */
export interface IndexEntry {
  platform: string;
  descriptor: Descriptor;
  attestations: Descriptor[];
  /** The source it came from. */
  source: string;
}

export interface SourcePlan {
  reference: string;
  /** The digest the reference resolved to. */
  digest: string;
  /** Given by tag: the tag (a candidate tag is cleaned up afterwards). */
  tag?: string;
  platforms: string[];
}

export interface TagStep {
  tag: string;
  kind: 'version' | 'sha' | 'minor' | 'major' | 'latest';
  /** Where it points now (null: new). */
  from: string | null;
  to: string;
  unchanged: boolean;
}

export type CleanupHow = 'delete-tag' | 'delete-manifest' | 'keep';

export interface CleanupStep {
  tag: string;
  digest: string;
  /** delete-tag: the registry untags (OCI 1.1); delete-manifest: the tag's manifest goes (no index refers to it and no
   *  other tag is on it); keep: neither is safe or possible. Decided again when it runs. */
  how: CleanupHow;
  reason: string;
}

export interface AssemblePlan {
  repository: string;
  version: string;
  sources: SourcePlan[];
  entries: IndexEntry[];
  index: { digest: string; mediaType: string; size: number; bytes: Buffer };
  tags: TagStep[];
  held: Array<{ tag: string; stays: string }>;
  /** The image tag prefix the plan used (configured, or inferred from the registry's tags). */
  imagePrefix: string;
  /** Where the tag scheme came from, for the report. */
  basis: Basis[];
  cleanup: CleanupStep[];
}

export type StepName = 'plan' | 'index' | 'verify' | 'tags' | 'cleanup';

export interface StepRecord {
  name: StepName;
  status: 'running' | 'done' | 'failed' | 'not-run' | 'planned';
  detail: string;
}

export interface AssembleResult {
  plan?: AssemblePlan;
  steps: StepRecord[];
  report: ReadinessReport;
  /** The index digest, once written. */
  digest?: string;
  platformDigests: Record<string, string>;
  /** Tags written, in order. */
  written: string[];
}
