import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { GitHubClient, RepoRef } from './client';

export type InputType = 'string' | 'boolean' | 'choice' | 'number' | 'environment';

/** A `workflow_dispatch` input as the workflow file declares it. */
export interface DispatchInput {
  name: string;
  type: InputType;
  description?: string;
  required: boolean;
  default?: string | boolean | number;
  options?: string[];
}

export interface WorkflowFile {
  /** File name (release.yml): what the API accepts as workflow_id. */
  file: string;
  /** .github/workflows/release.yml */
  path: string;
  name: string;
  /** Event names the workflow triggers on. */
  events: string[];
  /** True when `on.push.tags` is set or it triggers on `release`. */
  onTagOrRelease: boolean;
  /** True when the file pushes images (docker/build-push-action, docker push, ghcr.io). */
  pushesImages: boolean;
  dispatchInputs?: DispatchInput[];
  /** Set when the file could not be parsed. */
  error?: string;
}

export interface ApiWorkflow {
  id: number;
  name: string;
  path: string;
  state: string;
}

const TYPES: InputType[] = ['string', 'boolean', 'choice', 'number', 'environment'];

/** Parses one workflow file's text. Never throws: a broken file is reported, not fatal. */
export function parseWorkflow(file: string, text: string): WorkflowFile {
  const base: WorkflowFile = {
    file,
    path: `.github/workflows/${file}`,
    name: file,
    events: [],
    onTagOrRelease: false,
    pushesImages: false,
  };
  let doc: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    doc = parse(text);
  } catch (e) {
    return { ...base, error: (e as Error).message.split('\n')[0] };
  }
  if (!doc || typeof doc !== 'object') return { ...base, error: 'not a YAML mapping' };
  // YAML 1.1 turns a bare `on:` key into true; the yaml library (1.2) keeps "on", but accept both.
  const on = doc.on ?? doc[true as unknown as string];
  const events: string[] =
    typeof on === 'string'
      ? [on]
      : Array.isArray(on)
        ? on.map(String)
        : on && typeof on === 'object'
          ? Object.keys(on)
          : [];
  const onObj = on && typeof on === 'object' && !Array.isArray(on) ? on : {};
  const onTagOrRelease = events.includes('release') || Boolean(onObj.push?.tags);
  const pushesImages = /docker\/build-push-action|docker push|ghcr\.io|docker\/metadata-action/.test(text);
  const wd = events.includes('workflow_dispatch') ? (onObj.workflow_dispatch ?? {}) : undefined;
  const dispatchInputs = wd
    ? Object.entries<any>(wd?.inputs ?? {}).map(([name, spec]): DispatchInput => {
        // eslint-disable-line @typescript-eslint/no-explicit-any
        const s = spec && typeof spec === 'object' ? spec : {};
        const type: InputType = TYPES.includes(s.type) ? s.type : 'string';
        return {
          name,
          type,
          description: s.description,
          required: s.required === true,
          default: s.default,
          options: Array.isArray(s.options) ? s.options.map(String) : undefined,
        };
      })
    : undefined;
  return {
    ...base,
    name: typeof doc.name === 'string' ? doc.name : file,
    events,
    onTagOrRelease,
    pushesImages,
    dispatchInputs,
  };
}

/** Every workflow file under .github/workflows of a checkout, sorted by file name. */
export async function readWorkflowFiles(root: string): Promise<WorkflowFile[]> {
  const dir = path.join(root, '.github', 'workflows');
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = names.filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(files.map(async (f) => parseWorkflow(f, await readFile(path.join(dir, f), 'utf8'))));
}

export async function listApiWorkflows(gh: GitHubClient, repo: RepoRef, signal?: AbortSignal): Promise<ApiWorkflow[]> {
  const { data } = await gh.call(
    'GET /repos/{owner}/{repo}/actions/workflows',
    { owner: repo.owner, repo: repo.name, per_page: 100 },
    `list the workflows of ${repo.owner}/${repo.name}`,
    'repo',
    signal,
  );
  return data.workflows.map((w: ApiWorkflow) => ({ id: w.id, name: w.name, path: w.path, state: w.state }));
}

export interface ReleaseWorkflowGuess {
  workflow?: WorkflowFile;
  /** Why this one (or why none). */
  reason: string;
}

/**
 * The release workflow: the configured file, else the best scored file. Heuristic, in order of weight: the file
 * or workflow name says "release" (3), it triggers on version tags or the `release` event (2), it pushes images
 * (1); ties go to a file that can be dispatched by hand.
 */
export function guessReleaseWorkflow(files: WorkflowFile[], configured?: string): ReleaseWorkflowGuess {
  if (configured) {
    const w = files.find((f) => f.file === configured || f.path === configured || f.name === configured);
    return w
      ? { workflow: w, reason: `configured (github.releaseWorkflow = ${configured})` }
      : { reason: `github.releaseWorkflow is ${configured}, but there is no such file in .github/workflows` };
  }
  const scored = files
    .filter((f) => !f.error)
    .map((f) => {
      const why: string[] = [];
      let score = 0;
      if (/release/i.test(f.file) || /release/i.test(f.name)) ((score += 3), why.push('its name says release'));
      if (f.onTagOrRelease) ((score += 2), why.push('it runs on tags or releases'));
      if (f.pushesImages) ((score += 1), why.push('it pushes images'));
      return { f, score, why, tie: f.dispatchInputs ? 1 : 0 };
    })
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || b.tie - a.tie || a.f.file.localeCompare(b.f.file));
  if (!scored.length) return { reason: 'no workflow looks like a release workflow (set github.releaseWorkflow)' };
  return { workflow: scored[0].f, reason: `guessed: ${scored[0].why.join(', ')}` };
}

export interface KnownWorkflow {
  /** File name, the workflow_id the API accepts. */
  file: string;
  name: string;
  /** Parsed from the checkout (typed inputs known), from the API (state known), or both. */
  local?: WorkflowFile;
  remote?: ApiWorkflow;
}

/**
 * Workflows from the checkout and from the API, merged by file: a file only on the default branch shows up
 * from the API (its inputs then cannot be typed here), a local file not yet pushed only from disk.
 */
export async function knownWorkflows(
  root: string,
  gh?: GitHubClient,
  repo?: RepoRef,
  signal?: AbortSignal,
): Promise<KnownWorkflow[]> {
  const local = await readWorkflowFiles(root);
  const remote = gh && repo ? await listApiWorkflows(gh, repo, signal) : [];
  const byFile = new Map<string, KnownWorkflow>();
  for (const l of local) byFile.set(l.file, { file: l.file, name: l.name, local: l });
  for (const r of remote) {
    const file = r.path.split('/').pop() ?? r.path;
    const k = byFile.get(file);
    byFile.set(file, k ? { ...k, remote: r } : { file, name: r.name, remote: r });
  }
  return [...byFile.values()].sort((a, b) => a.file.localeCompare(b.file));
}
