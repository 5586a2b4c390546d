import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { isReleaseOperatorError } from '../errors';
import { errno, readRegularText, unreadableError } from '../files';
import { isObj, list, num, obj, optStr, str } from '../untrusted';
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
  /** Set when the file could not be parsed or read. */
  error?: string;
  /** True when it could not be read at all (permissions, I/O): a command that needs it is an environment fault. */
  unreadable?: boolean;
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
  const base = emptyWorkflow(file);
  let parsed: unknown;
  try {
    // Warnings would go to stderr through Node, with the file's own text in them: errors only, said by us.
    parsed = parse(text, { logLevel: 'error' });
  } catch (e) {
    return { ...base, error: (e as Error).message.split('\n')[0] };
  }
  if (!isObj(parsed)) return { ...base, error: 'not a YAML mapping' };
  const doc = parsed;
  // YAML 1.1 turns a bare `on:` key into true; the yaml library (1.2) keeps "on", but accept both.
  const on = doc.on ?? doc['true'];
  const events: string[] =
    typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : isObj(on) ? Object.keys(on) : [];
  const onObj = obj(on);
  const onTagOrRelease = events.includes('release') || Boolean(obj(onObj.push).tags);
  const pushesImages = /docker\/build-push-action|docker push|ghcr\.io|docker\/metadata-action/.test(text);
  const wd = events.includes('workflow_dispatch') ? obj(onObj.workflow_dispatch) : undefined;
  const dispatchInputs = wd
    ? Object.entries(obj(wd.inputs)).map(([name, spec]): DispatchInput => {
        const s = obj(spec);
        const type = TYPES.find((t) => t === s.type) ?? 'string';
        const d = s.default;
        return {
          name,
          type,
          description: optStr(s.description),
          required: s.required === true,
          default: typeof d === 'string' || typeof d === 'boolean' || typeof d === 'number' ? d : undefined,
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

/**
 * Every workflow file under .github/workflows of a checkout, sorted by file name. Only regular files inside the
 * checkout are read (a FIFO named release.yml would block for ever), each bounded in size; one that cannot be read
 * is listed with its `error` (so it is never guessed as the release workflow), and a folder that cannot be listed
 * is an environment fault.
 */
export async function readWorkflowFiles(root: string): Promise<WorkflowFile[]> {
  const dir = path.join(root, '.github', 'workflows');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return [];
    throw unreadableError(dir, e);
  }
  const files = names.filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(
    files.map(async (f) => {
      try {
        const text = await readRegularText(root, path.join(dir, f));
        return text === undefined ? unreadableWorkflow(f, 'it disappeared while read') : parseWorkflow(f, text);
      } catch (e) {
        if (!isReleaseOperatorError(e)) throw e;
        return unreadableWorkflow(f, e.message, e.kind === 'environment');
      }
    }),
  );
}

/** A workflow file that could not be read: listed, with why. */
function unreadableWorkflow(file: string, why: string, environment = false): WorkflowFile {
  return { ...emptyWorkflow(file), error: why, unreadable: environment || undefined };
}

/** A workflow file as known before its text is read: its name, nothing on or in it. */
function emptyWorkflow(file: string): WorkflowFile {
  return {
    file,
    path: `.github/workflows/${file}`,
    name: file,
    events: [],
    onTagOrRelease: false,
    pushesImages: false,
  };
}

export async function listApiWorkflows(gh: GitHubClient, repo: RepoRef, signal?: AbortSignal): Promise<ApiWorkflow[]> {
  const { data } = await gh.call(
    'GET /repos/{owner}/{repo}/actions/workflows',
    { owner: repo.owner, repo: repo.name, per_page: 100 },
    `list the workflows of ${repo.owner}/${repo.name}`,
    'repo',
    signal,
  );
  return list(obj(data).workflows).map((value) => {
    const w = obj(value);
    return { id: num(w.id), name: str(w.name), path: str(w.path), state: str(w.state) };
  });
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
  // A file that could not be read may be the release workflow: no guess is better than a wrong one.
  const unreadable = files.filter((f) => f.unreadable);
  if (unreadable.length)
    return {
      reason:
        `${unreadable.map((f) => f.path).join(', ')} could not be read (${unreadable[0].error}); set ` +
        `github.releaseWorkflow or fix the file's permissions`,
    };
  const scored = files
    .filter((f) => !f.error)
    .map((f) => {
      const why: string[] = [];
      let score = 0;
      const add = (points: number, reason: string) => {
        score += points;
        why.push(reason);
      };
      if (/release/i.test(f.file) || /release/i.test(f.name)) add(3, 'its name says release');
      if (f.onTagOrRelease) add(2, 'it runs on tags or releases');
      if (f.pushesImages) add(1, 'it pushes images');
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
