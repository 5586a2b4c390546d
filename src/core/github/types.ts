/** The slim shapes of GitHub objects the product shows; mapped from the REST answers in one place (map.ts). */
export type RunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending' | string;

export interface WorkflowRun {
  id: number;
  name: string;
  workflowId: number;
  /** The workflow file (.github/workflows/release.yml). */
  path: string;
  runNumber: number;
  attempt: number;
  event: string;
  status: RunStatus;
  conclusion: string | null;
  branch: string | null;
  headSha: string;
  actor?: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  url: string;
}

export interface JobStep {
  number: number;
  name: string;
  status: RunStatus;
  conclusion: string | null;
  startedAt?: string;
  completedAt?: string;
}

export interface Job {
  id: number;
  runId: number;
  name: string;
  status: RunStatus;
  conclusion: string | null;
  startedAt?: string;
  completedAt?: string;
  url: string;
  steps: JobStep[];
}

export interface Release {
  id: number;
  tag: string;
  name: string;
  draft: boolean;
  prerelease: boolean;
  /** GitHub's "Latest" badge (GET /releases/latest). */
  latest: boolean;
  createdAt: string;
  publishedAt: string | null;
  url: string;
}

/** A container package version on GitHub Packages (ghcr.io): its digest and tags. */
export interface PackageVersion {
  id: number;
  digest: string;
  tags: string[];
  createdAt: string;
}

/** Whole seconds between two ISO times, or undefined. */
export function durationSeconds(start?: string | null, end?: string | null): number | undefined {
  if (!start || !end) return undefined;
  const d = (Date.parse(end) - Date.parse(start)) / 1000;
  return Number.isFinite(d) && d >= 0 ? Math.round(d) : undefined;
}
