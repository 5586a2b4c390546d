import { list, nullableStr, num, obj, optStr, str, strings } from '../untrusted';
import type { Job, JobStep, PackageVersion, Release, WorkflowRun } from './types';

/**
 * GitHub's answers mapped to the product's slim shapes, in one place. The answers are read as untrusted data:
 * a field of the wrong type becomes a safe default instead of flowing on (a string where a tag list belongs is
 * no list of one-character tags).
 */
export function mapRun(value: unknown): WorkflowRun {
  const r = obj(value);
  return {
    id: num(r.id),
    name: str(r.name, str(r.display_title)),
    workflowId: num(r.workflow_id),
    path: str(r.path),
    runNumber: num(r.run_number),
    attempt: num(r.run_attempt, 1),
    event: str(r.event),
    status: str(r.status, 'queued'),
    conclusion: nullableStr(r.conclusion),
    branch: nullableStr(r.head_branch),
    headSha: str(r.head_sha),
    actor: optStr(obj(r.triggering_actor).login) ?? optStr(obj(r.actor).login),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
    startedAt: optStr(r.run_started_at),
    url: str(r.html_url),
  };
}

function mapStep(value: unknown): JobStep {
  const s = obj(value);
  return {
    number: num(s.number),
    name: str(s.name),
    status: str(s.status),
    conclusion: nullableStr(s.conclusion),
    startedAt: optStr(s.started_at),
    completedAt: optStr(s.completed_at),
  };
}

export function mapJob(value: unknown): Job {
  const j = obj(value);
  return {
    id: num(j.id),
    runId: num(j.run_id),
    name: str(j.name),
    status: str(j.status),
    conclusion: nullableStr(j.conclusion),
    startedAt: optStr(j.started_at),
    completedAt: optStr(j.completed_at),
    url: str(j.html_url),
    steps: list(j.steps).map(mapStep),
  };
}

export function mapRelease(value: unknown, latestId?: number): Release {
  const r = obj(value);
  const id = num(r.id);
  const tag = str(r.tag_name);
  return {
    id,
    tag,
    name: str(r.name, tag) || tag,
    draft: r.draft === true,
    prerelease: r.prerelease === true,
    latest: latestId !== undefined && id === latestId,
    createdAt: str(r.created_at),
    publishedAt: nullableStr(r.published_at),
    url: str(r.html_url),
  };
}

export function mapPackageVersion(value: unknown): PackageVersion {
  const v = obj(value);
  return {
    id: num(v.id),
    digest: str(v.name),
    tags: strings(obj(obj(v.metadata).container).tags),
    createdAt: str(v.created_at),
  };
}
