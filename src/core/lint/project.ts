import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { throwIfAborted, usageError } from '../errors';
import { parseDockerfile } from './dockerfile/model';
import { lintDocumentAsync } from './engine';
import { fileKind, isDockerfilePath, isWorkflowPath } from './kind';
import { normalizeRepoPath, RepoView } from './repo';
import { listFolder, readRegularFile } from './safe-read';
import { addStats, emptyStats, type Finding, type LintOptions, type LintStats, type SuppressedFinding } from './types';
import { actionName, buildsOf } from './workflow/analysis';

const WORKFLOWS = '.github/workflows';

/** What discovery looks for, said when it finds nothing (a lint that looked at nothing must not pass). */
const LOOKED_FOR =
  'Dockerfile*, Containerfile* and *.dockerfile at the repository root, Dockerfiles that workflows build, and .github/workflows/*.yml or *.yaml';

export interface LintRun {
  /** Files linted, POSIX paths relative to the root. */
  files: string[];
  findings: Finding[];
  suppressed: SuppressedFinding[];
  /** Files found but not read, with why (not a regular file, a link out of the repository, too large). */
  /** Files that were not read, and why; `fault`: it exists but could not be read (the verdict is then environment). */
  skipped: Array<{ file: string; reason: string; fault?: boolean }>;
  stats: LintStats;
  lookedFor: string;
}

export interface LintHooks {
  onRuleError?: (ruleId: string, error: unknown) => void;
  signal?: AbortSignal;
  /** A Dockerfile to lint besides the discovered ones (the smoke.dockerfile setting). */
  extraDockerfile?: string;
  /** Dockerfiles discovery leaves to another run (several images: each image's Dockerfile is a row of its own). */
  excludeDockerfiles?: readonly string[];
}

const toPosix = (p: string) => p.split(path.sep).join('/');

/**
 * Lints the repository's own files (`targets` undefined: discovered) or the files given. Findings carry POSIX
 * paths relative to root, which is what SARIF and GitHub code scanning want. Workflows see the other
 * workflows, the local actions and bake files they use and the Dockerfiles they build; Dockerfiles see their
 * entrypoint scripts. Yields to the event loop between files, so a cancel (SIGINT/SIGTERM) is seen at once.
 */
export async function lintRepository(
  root: string,
  targets: string[] | undefined,
  options: LintOptions,
  hooks: LintHooks = {},
): Promise<LintRun> {
  const repo = new RepoView([], options.repository);
  const skipped: LintRun['skipped'] = [];
  const explicit = targets !== undefined;
  const excluded = new Set((hooks.excludeDockerfiles ?? []).flatMap((f) => normalizeRepoPath(f) ?? []));
  const read = async (given: string, required: boolean): Promise<string | undefined> => {
    const rel = normalizeRepoPath(given);
    if (rel === undefined || rel === '') return undefined;
    const have = repo.read(rel);
    if (have !== undefined) return have;
    throwIfAborted(hooks.signal);
    const r = await readRegularFile(root, rel);
    if ('text' in r) {
      repo.add({ file: rel, text: r.text });
      return r.text;
    }
    if (required)
      throw usageError(
        `Cannot read ${rel}: ${r.skipped}.`,
        'Check the path (it is relative to the repository root or the current folder).',
      );
    if (r.skipped !== 'no such file' && !skipped.some((s) => s.file === rel))
      skipped.push({ file: rel, reason: r.skipped, ...(r.fault ? { fault: true } : {}) });
    return undefined;
  };

  // 1. Which files: given ones, or the root's Dockerfiles and the workflows folder.
  let lintList: string[] = [];
  if (explicit) {
    for (const t of targets) {
      const rel = normalizeRepoPath(toPosix(path.relative(root, path.resolve(root, t))));
      if (rel === undefined || rel === '')
        throw usageError(
          `Cannot lint ${t}: it is outside the repository at ${root}.`,
          'Pass files inside the repository.',
        );
      if (!fileKind(rel, true))
        throw usageError(
          `Cannot lint ${t}: it is neither a Dockerfile nor a workflow (.yml/.yaml).`,
          "Pass Dockerfile* or .github/workflows/*.yml files, or no path for the repository's own.",
        );
      lintList.push(rel);
    }
  } else {
    lintList = (await listFolder(root, '.'))
      .filter((f) => isDockerfilePath(f) && !/\.(ya?ml|json)$/i.test(f) && !excluded.has(f))
      .sort();
    if (hooks.extraDockerfile) {
      const extra = normalizeRepoPath(hooks.extraDockerfile);
      if (extra && !lintList.includes(extra) && (await read(extra, false)) !== undefined) lintList.push(extra);
    }
  }
  const workflowNames = (await listFolder(root, WORKFLOWS))
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => `${WORKFLOWS}/${f}`);
  if (!explicit) lintList.push(...workflowNames);

  // 2. Read the workflows (all of them: rules follow reusable workflows and compare publishing paths).
  for (const w of workflowNames) await read(w, explicit && lintList.includes(w));
  for (const t of lintList) if (isWorkflowPath(t) || fileKind(t, true) === 'workflow') await read(t, explicit);

  // 3. What the workflows use: local actions, bake files, then the Dockerfiles they build.
  const workflows = [...new Set([...workflowNames, ...lintList.filter((t) => fileKind(t, true) === 'workflow')])];
  const built = new Set<string>();
  for (const w of workflows) {
    await yieldToLoop();
    throwIfAborted(hooks.signal);
    const model = repo.workflow(w);
    if (!model || model.syntaxError) continue;
    for (const job of model.jobs)
      for (const step of job.steps) {
        const uses = step.uses?.value;
        if (uses?.startsWith('./') && !/\.ya?ml$/.test(uses)) {
          await read(`${uses}/action.yml`, false);
          await read(`${uses}/action.yaml`, false);
        }
        if (/bake-action$/.test(actionName(uses))) {
          const dir =
            step.with.source?.value && !/^(\.|\$\{\{.*)$/.test(step.with.source.value) ? step.with.source.value : '';
          const files = step.with.files?.value
            ? step.with.files.value.split(/[\n,]+/).map((f) => f.trim())
            : ['docker-bake.hcl', 'docker-bake.json', 'docker-bake.override.hcl'];
          for (const f of files) if (f && !/\$\{\{/.test(f)) await read(`${dir}/${f}`, false);
        }
        for (const b of buildsOf(step, model, repo) ?? []) built.add(b.dockerfile);
      }
  }
  for (const d of [...built].sort()) {
    // An excluded Dockerfile is still read: the workflow rules see what it builds.
    if ((await read(d, false)) !== undefined && !explicit && !lintList.includes(d) && !excluded.has(d))
      lintList.push(d);
  }

  // 4. Dockerfiles: read them, and the scripts they start with.
  for (const d of lintList.filter((t) => fileKind(t, true) === 'dockerfile')) {
    throwIfAborted(hooks.signal);
    const text = await read(d, explicit);
    if (text === undefined) continue;
    for (const script of scriptsOf(d, text)) await read(script, false);
  }

  // 5. Lint, one file at a time, yielding between files.
  const run: LintRun = { files: [], findings: [], suppressed: [], skipped, stats: emptyStats(), lookedFor: LOOKED_FOR };
  for (const file of lintList) {
    const text = repo.read(file);
    if (text === undefined) continue;
    await yieldToLoop();
    throwIfAborted(hooks.signal);
    const result = await lintDocumentAsync({ file, text, kind: fileKind(file, true)!, repo }, options, hooks);
    run.files.push(file);
    run.findings.push(...result.findings);
    run.suppressed.push(...result.suppressed);
    addStats(run.stats, result.stats);
  }
  return run;
}

/** Scripts a Dockerfile copies from the build context that look like entrypoints (read for D003/D004). */
function scriptsOf(dockerfile: string, text: string): string[] {
  const model = parseDockerfile(text);
  const dir = dockerfile.includes('/') ? dockerfile.slice(0, dockerfile.lastIndexOf('/')) : '';
  const out = new Set<string>();
  for (const s of model.stages)
    for (const i of s.instructions) {
      if ((i.keyword !== 'COPY' && i.keyword !== 'ADD') || i.flags.from) continue;
      for (const src of i.argv.slice(0, -1)) {
        if (src.startsWith('--') || !/(\.sh$|entrypoint|start|run\b)/i.test(src.split('/').pop() ?? '')) continue;
        for (const p of [normalizeRepoPath(src), normalizeRepoPath(`${dir}/${src}`)]) if (p) out.add(p);
      }
    }
  return [...out].slice(0, 16);
}

/**
 * The repository's other files the editor needs to lint one open document like the CLI does: the other
 * workflows, what they use and build, and (for a Dockerfile) its entrypoint scripts. The open document itself
 * is linted from the editor's text, not from disk.
 */
export async function repoViewFor(
  root: string,
  file: string,
  document: { text: string; kind: 'dockerfile' | 'workflow' },
  options: LintOptions,
): Promise<RepoView> {
  const repo = new RepoView([], options.repository);
  const names = (await listFolder(root, WORKFLOWS)).filter((f) => /\.ya?ml$/i.test(f)).map((f) => `${WORKFLOWS}/${f}`);
  const add = async (given: string) => {
    const rel = normalizeRepoPath(given);
    if (!rel || repo.has(rel)) return;
    const r = await readRegularFile(root, rel);
    if ('text' in r) repo.add({ file: rel, text: r.text });
  };
  for (const n of names) if (n !== file) await add(n);
  for (const w of repo.workflowFiles()) {
    const model = repo.workflow(w);
    if (!model || model.syntaxError) continue;
    for (const job of model.jobs)
      for (const step of job.steps) {
        const uses = step.uses?.value;
        if (uses?.startsWith('./') && !/\.ya?ml$/.test(uses)) {
          await add(`${uses}/action.yml`);
          await add(`${uses}/action.yaml`);
        }
        if (/bake-action$/.test(actionName(uses)))
          for (const f of ['docker-bake.hcl', 'docker-bake.json']) await add(f);
        for (const b of buildsOf(step, model, repo) ?? []) if (b.dockerfile !== file) await add(b.dockerfile);
      }
  }
  if (document.kind === 'dockerfile') for (const s of scriptsOf(file, document.text)) await add(s);
  return repo;
}
