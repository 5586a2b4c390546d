import type { Job, PackageVersion, Release, WorkflowRun } from './types';

/* eslint-disable @typescript-eslint/no-explicit-any */
export function mapRun(r: any): WorkflowRun {
  return {
    id: r.id,
    name: r.name ?? r.display_title ?? '',
    workflowId: r.workflow_id,
    path: r.path ?? '',
    runNumber: r.run_number,
    attempt: r.run_attempt ?? 1,
    event: r.event,
    status: r.status ?? 'queued',
    conclusion: r.conclusion ?? null,
    branch: r.head_branch ?? null,
    headSha: r.head_sha,
    actor: r.triggering_actor?.login ?? r.actor?.login,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.run_started_at ?? undefined,
    url: r.html_url,
  };
}

export function mapJob(j: any): Job {
  return {
    id: j.id,
    runId: j.run_id,
    name: j.name,
    status: j.status,
    conclusion: j.conclusion ?? null,
    startedAt: j.started_at ?? undefined,
    completedAt: j.completed_at ?? undefined,
    url: j.html_url ?? '',
    steps: (j.steps ?? []).map((s: any) => ({
      number: s.number,
      name: s.name,
      status: s.status,
      conclusion: s.conclusion ?? null,
      startedAt: s.started_at ?? undefined,
      completedAt: s.completed_at ?? undefined,
    })),
  };
}

export function mapRelease(r: any, latestId?: number): Release {
  return {
    id: r.id,
    tag: r.tag_name,
    name: r.name ?? r.tag_name,
    draft: Boolean(r.draft),
    prerelease: Boolean(r.prerelease),
    latest: latestId !== undefined && r.id === latestId,
    createdAt: r.created_at,
    publishedAt: r.published_at ?? null,
    url: r.html_url,
  };
}

export function mapPackageVersion(v: any): PackageVersion {
  return { id: v.id, digest: v.name, tags: v.metadata?.container?.tags ?? [], createdAt: v.created_at };
}
