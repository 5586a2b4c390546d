import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { describeError } from '../errors';
import { readRegularText } from '../files';
import { parseWorkflow } from '../lint/workflow/model';
import { evaluate } from './evaluate';
import { findBuilders, type BuilderSite } from './find';

/** A builder image for the current toolchain: whether the registry has it, and the glibc it provides. */
export interface BuilderStatus {
  /** Where it is built: .github/workflows/x.yml:LINE (job). */
  at: string;
  written: string;
  guard: string;
  /** The reference for the toolchain as it is now, when it could be worked out exactly. */
  reference?: string;
  /** exists / missing in the registry; nothing-checked when the tag cannot be evaluated here; environment when the
   *  registry could not be asked. */
  state: 'exists' | 'missing' | 'nothing-checked' | 'environment';
  reason?: string;
  digest?: string;
  /** The glibc of the image's libc.so.6 per platform ("linux/amd64": "2.36"): binaries built in it need no newer. */
  glibc?: Record<string, string>;
  glibcError?: string;
}

export interface BuilderDeps {
  /** HEAD of a manifest: its digest, or null when the tag does not exist. */
  head(ref: string): Promise<{ digest: string } | null>;
  /** The glibc each platform of an image provides (the glibc engine over the registry image). */
  glibcOf?(ref: string): Promise<Record<string, string>>;
}

/**
 * The builder images the repository's workflows build only when missing (tagged by a hash of the toolchain),
 * each with its reference for the toolchain as it is in the working tree, and whether the registry has it.
 */
export async function builderStatus(root: string, deps: BuilderDeps): Promise<BuilderStatus[]> {
  const sites: BuilderSite[] = [];
  const dir = path.join(root, '.github', 'workflows');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const rel = `.github/workflows/${name}`;
    const text = await readRegularText(root, rel).catch(() => undefined);
    if (text === undefined) continue;
    sites.push(...findBuilders(parseWorkflow(rel, text)));
  }
  return Promise.all(sites.map((s) => one(s, root, deps)));
}

async function one(site: BuilderSite, root: string, deps: BuilderDeps): Promise<BuilderStatus> {
  const job = site.step.job;
  const base = { at: `${site.file}:${site.line} (${site.job})`, written: site.written, guard: site.guard };
  const env = { ...site.workflowEnv, ...job.env, ...site.step.env };
  const r = await evaluate(site.written, { root, env, steps: job.steps });
  if ('unevaluable' in r) return { ...base, state: 'nothing-checked', reason: `tag not evaluated: ${r.unevaluable}` };
  const reference = r.value;
  let head: { digest: string } | null;
  try {
    head = await deps.head(reference);
  } catch (e) {
    return { ...base, reference, state: 'environment', reason: describeError(e).split('\n')[0] };
  }
  if (!head)
    return {
      ...base,
      reference,
      state: 'missing',
      reason: 'not in the registry: the next run of the workflow builds it',
    };
  const status: BuilderStatus = { ...base, reference, state: 'exists', digest: head.digest };
  if (deps.glibcOf)
    try {
      status.glibc = await deps.glibcOf(`${reference.split('@')[0].replace(/:[^:/]+$/, '')}@${head.digest}`);
    } catch (e) {
      status.glibcError = describeError(e).split('\n')[0];
    }
  return status;
}
