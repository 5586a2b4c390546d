import { createHash } from 'node:crypto';
import { readRegularFile } from '../files';
import type { WorkflowStep } from '../lint/workflow/model';

/** A value worked out here exactly as the runner would, or why it cannot be without running the workflow. */
export type Evaluated = { value: string } | { unevaluable: string };

/** What an expression may read: the step's env (step over job over workflow), its job's steps, the repository. */
export interface EvalScope {
  root: string;
  env: Record<string, string>;
  steps: readonly WorkflowStep[];
}

const EXPRESSION = /\$\{\{\s*([\s\S]*?)\s*\}\}/g;
const SHELL_VAR = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * `${{ ... }}` expressions and shell variables in an image reference, evaluated only where the result is certain:
 * `env.NAME` and `$NAME` (written in the workflow), string literals, `hashFiles('one/file')` (one literal path:
 * GitHub's sha256 over each file's sha256; several files or a glob depend on the runner's file order, so they are
 * not evaluated), and `steps.ID.outputs.NAME` when that step writes `NAME=VALUE` to $GITHUB_OUTPUT with an
 * evaluable VALUE. Anything else (github.*, vars.*, matrix.*, a shell command) is said as not evaluated, never guessed.
 */
export async function evaluate(text: string, scope: EvalScope, depth = 0): Promise<Evaluated> {
  if (depth > 5) return { unevaluable: 'expressions nest too deep to follow' };
  let out = '';
  let last = 0;
  for (const m of text.matchAll(EXPRESSION)) {
    out += text.slice(last, m.index);
    last = m.index + m[0].length;
    const v = await expression(m[1], scope, depth);
    if ('unevaluable' in v) return v;
    out += v.value;
  }
  out += text.slice(last);
  if (/\$\(|`/.test(out)) return { unevaluable: `'${text}' runs a shell command, which is not evaluated here` };
  let failed: string | undefined;
  const expanded = out.replace(SHELL_VAR, (_all, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    if (!(name in scope.env)) failed ??= `$${name} is not set in the workflow (known only in a run)`;
    return scope.env[name] ?? '';
  });
  if (failed) return { unevaluable: failed };
  if (expanded !== out) return evaluate(expanded, scope, depth + 1);
  return { value: out };
}

async function expression(expr: string, scope: EvalScope, depth: number): Promise<Evaluated> {
  const literal = /^'((?:[^']|'')*)'$/.exec(expr);
  if (literal) return { value: literal[1].replace(/''/g, "'") };
  const env = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
  if (env) {
    const v = scope.env[env[1]];
    return v === undefined
      ? { unevaluable: `env.${env[1]} is not set in the workflow (known only in a run)` }
      : evaluate(v, scope, depth + 1);
  }
  const hash = /^hashFiles\(\s*'([^']*)'\s*\)$/.exec(expr);
  if (hash) return hashOneFile(hash[1], scope.root);
  if (/^hashFiles\(/.test(expr))
    return { unevaluable: `${expr} hashes several files, whose order is the runner's: not evaluated here` };
  const output = /^steps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)$/.exec(expr);
  if (output) return stepOutput(output[1], output[2], scope, depth);
  return { unevaluable: `\${{ ${expr} }} is known only in a run` };
}

/** GitHub's hashFiles for one file: sha256 over the file's raw sha256 digest, in hex. */
async function hashOneFile(file: string, root: string): Promise<Evaluated> {
  if (/[*?[\]{}!]/.test(file) || !file.trim())
    return { unevaluable: `hashFiles('${file}') is a pattern, whose matches' order is the runner's` };
  const bytes = await readRegularFile(root, file, { maxBytes: 64 * 1024 * 1024 }).catch((e: Error) => e);
  if (bytes instanceof Error) return { unevaluable: `hashFiles('${file}'): ${bytes.message.split('\n')[0]}` };
  // No match is '' for the runner too; a tag built from it is then not what the author meant, so say so.
  if (!bytes) return { unevaluable: `hashFiles('${file}'): no such file in the repository` };
  const inner = createHash('sha256').update(bytes).digest();
  return { value: createHash('sha256').update(inner).digest('hex') };
}

/** A step's output, when the step writes it with echo/printf "NAME=VALUE" >> $GITHUB_OUTPUT. */
async function stepOutput(id: string, name: string, scope: EvalScope, depth: number): Promise<Evaluated> {
  const step = scope.steps.find((s) => s.id === id);
  if (!step) return { unevaluable: `steps.${id} is not a step of this job` };
  if (!step.run) return { unevaluable: `steps.${id}.outputs.${name} is set by an action (${step.uses?.value ?? '?'})` };
  const line = step.run.value
    .split('\n')
    .map((l) => l.trim())
    .find((l) => new RegExp(`^(?:echo|printf)\\s+["']?${name}=`).test(l) && /GITHUB_OUTPUT/.test(l));
  const value = line && /^(?:echo|printf)\s+(["']?)([^=]+)=(.*?)\1\s*>>\s*"?\$\{?GITHUB_OUTPUT\}?"?\s*$/.exec(line);
  if (!value) return { unevaluable: `steps.${id}.outputs.${name} is not written as ${name}=VALUE to $GITHUB_OUTPUT` };
  return evaluate(value[3], { ...scope, env: { ...scope.env, ...step.env } }, depth + 1);
}
