import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../errors';
import { lintText } from './engine';
import { fileKind, isDockerfilePath, isWorkflowPath } from './kind';
import type { Finding, LintOptions } from './types';

const WORKFLOWS = path.join('.github', 'workflows');

/** The repository's Dockerfiles (top level, plus the smoke Dockerfile setting) and its workflow files. */
export async function discoverTargets(root: string, extraDockerfile?: string): Promise<string[]> {
  const top = await readdir(root).catch(() => [] as string[]);
  const dockerfiles = top.filter((f) => isDockerfilePath(f));
  if (extraDockerfile && !dockerfiles.includes(extraDockerfile) && (await isFile(path.join(root, extraDockerfile))))
    dockerfiles.push(extraDockerfile);
  const workflows = (await readdir(path.join(root, WORKFLOWS)).catch(() => [] as string[]))
    .filter((f) => /\.ya?ml$/i.test(f))
    .map((f) => path.join(WORKFLOWS, f));
  return [...dockerfiles.sort(), ...workflows.sort()].map(toPosix);
}

export interface LintRun {
  files: string[];
  findings: Finding[];
}

/**
 * Lints files given relative to (or absolute under) `root`; findings carry POSIX paths relative to root,
 * which is what SARIF and GitHub code scanning want. Workflows see the other workflows of their folder.
 */
export async function lintFiles(
  root: string,
  targets: string[],
  options: LintOptions,
  onRuleError?: (ruleId: string, error: unknown) => void,
): Promise<LintRun> {
  const findings: Finding[] = [];
  const files: string[] = [];
  for (const target of targets) {
    const abs = path.resolve(root, target);
    const rel = toPosix(path.relative(root, abs));
    const kind = fileKind(rel, true);
    if (!kind)
      throw usageError(
        `Cannot lint ${target}: it is neither a Dockerfile nor a workflow (.yml/.yaml).`,
        "Pass Dockerfile* or .github/workflows/*.yml files, or no path for the repository's own.",
      );
    const text = await readFile(abs, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw usageError(
        `Cannot read ${target}: ${e.code === 'ENOENT' ? 'no such file' : e.message}.`,
        'Check the path (it is relative to the repository root or the current folder).',
      );
    });
    const siblings = isWorkflowPath(rel) ? await readSiblings(abs, root) : [];
    files.push(rel);
    findings.push(...lintText({ file: rel, text, kind, siblings }, options, onRuleError));
  }
  return { files, findings };
}

/** Every other workflow in the same folder (read fresh: the extension also calls this for the file being edited). */
export async function readSiblings(absWorkflow: string, root: string): Promise<Array<{ file: string; text: string }>> {
  const dir = path.dirname(absWorkflow);
  const names = (await readdir(dir).catch(() => [] as string[])).filter(
    (f) => /\.ya?ml$/i.test(f) && path.join(dir, f) !== absWorkflow,
  );
  const out: Array<{ file: string; text: string }> = [];
  for (const n of names) {
    const text = await readFile(path.join(dir, n), 'utf8').catch(() => undefined);
    if (text !== undefined) out.push({ file: toPosix(path.relative(root, path.join(dir, n))), text });
  }
  return out;
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}

const toPosix = (p: string) => p.split(path.sep).join('/');
