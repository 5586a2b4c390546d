/**
 * The GitHub Action run as the runner runs a JavaScript action: `node action/index.js` (the committed bundle) with
 * the step's environment (a fixture of the runner's variables, as docker/metadata-action keeps them), INPUT_* for
 * every input (defaults from action.yml, as the runner fills them), and the runner's files (GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, ...) in a folder of the test's own. What the runner would read back is parsed: the outputs,
 * the summary, and the annotations (workflow commands on stdout).
 *
 *   const run = await runAction({ fixture: 'tag-push', workspace, runnerDir, inputs: { stage: 'pre-push', ... } });
 *   run.code, run.outputs.verdict, run.summary, run.annotations[0] -> { level, file, line, title, message }
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { spawn } from 'node:child_process';
import { FIXTURES, REPO_ROOT } from './paths';

const ACTION_BUNDLE = path.join(REPO_ROOT, 'action', 'index.js');

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  title?: string;
  message: string;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Lines of the step's log inside each ::group:: (by group title). */
  groups: Record<string, string[]>;
}

/** The variables of a runner environment fixture (test/fixtures/action/env/NAME.env). */
function runnerEnv(fixture: string): Record<string, string> {
  const text = readFileSync(path.join(FIXTURES, 'action', 'env', `${fixture}.env`), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The defaults action.yml gives its inputs (the runner passes them when the workflow leaves an input out). */
function inputDefaults(token: string): Record<string, string> {
  const yml = parseYaml(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  return Object.fromEntries(
    Object.entries(yml.inputs)
      .filter(([, i]) => i.default !== undefined)
      .map(([k, i]) => [k, i.default === '${{ github.token }}' ? token : String(i.default)]),
  );
}

/** The runner's name for an input's variable: INPUT_ + the name upper-cased, spaces as underscores. */
const inputVar = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

export async function runAction(o: {
  fixture: string;
  workspace: string;
  /** A folder of the test's own that plays the runner's work folder (_temp, file commands). */
  runnerDir: string;
  inputs: Record<string, string>;
  env?: Record<string, string>;
  token?: string;
  signal?: AbortSignal;
}): Promise<ActionRun> {
  const temp = path.join(o.runnerDir, '_temp');
  const commands = path.join(temp, '_runner_file_commands');
  mkdirSync(commands, { recursive: true });
  const files = {
    GITHUB_OUTPUT: path.join(commands, 'set_output'),
    GITHUB_STEP_SUMMARY: path.join(commands, 'step_summary'),
    GITHUB_ENV: path.join(commands, 'set_env'),
    GITHUB_PATH: path.join(commands, 'add_path'),
    GITHUB_STATE: path.join(commands, 'save_state'),
    GITHUB_EVENT_PATH: path.join(temp, 'event.json'),
  };
  // Each step starts with empty command files, as on the runner.
  for (const f of Object.values(files)) writeFileSync(f, f.endsWith('.json') ? '{}' : '');
  const inputs = { ...inputDefaults(o.token ?? 'ghs_runnerTokenForTests0123456789abcdef'), ...o.inputs };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...runnerEnv(o.fixture),
    ...files,
    GITHUB_WORKSPACE: o.workspace,
    RUNNER_TEMP: temp,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [inputVar(k), v])),
    ...o.env,
  };
  const r = await runNode(ACTION_BUNDLE, o.workspace, env, o.signal);
  return {
    code: r.exitCode,
    stdout: r.stdout,
    stderr: r.stderr,
    outputs: parseOutputs(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    annotations: parseAnnotations(r.stdout),
    groups: parseGroups(r.stdout),
  };
}

/** `name<<DELIMITER\nvalue\nDELIMITER` blocks, as @actions/core writes GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const end = lines.indexOf(m[2], i + 1);
    out[m[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

function parseAnnotations(stdout: string): Annotation[] {
  return stdout.split('\n').flatMap((line) => {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) return [];
    const props = Object.fromEntries(
      (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), unescapeProperty(kv.slice(kv.indexOf('=') + 1))]),
    );
    const num = (k: string) => (props[k] === undefined ? undefined : Number(props[k]));
    return [
      {
        level: m[1] as Annotation['level'],
        file: props.file,
        line: num('line'),
        endLine: num('endLine'),
        col: num('col'),
        title: props.title,
        message: unescapeData(m[3]),
      },
    ];
  });
}

function parseGroups(stdout: string): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    const start = /^::group::(.*)$/.exec(line);
    if (start) groups[start[1]] = current = [];
    else if (line === '::endgroup::') current = undefined;
    else current?.push(line);
  }
  return groups;
}

/** The step's process with exactly the runner's environment (nothing of the test's own leaks in). */
function runNode(
  script: string,
  cwd: string,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const onAbort = () => child.kill('SIGINT');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode: code ?? (sig ? 128 : 1), stdout, stderr });
    });
  });
}
