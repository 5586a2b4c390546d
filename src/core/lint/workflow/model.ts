import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import type { Region } from '../types';

/**
 * A GitHub Actions workflow as the rules see it, parsed with `yaml` so every value keeps its source range
 * (node.range offsets, turned into line/column by the parser's LineCounter). Only the parts the release
 * rules read are modelled; the YAML node stays attached for anything else.
 */
export interface Located<T> {
  value: T;
  region: Region;
  node: Node;
}

export interface WorkflowStep {
  job: WorkflowJob;
  index: number;
  id?: string;
  name?: string;
  uses?: Located<string>;
  run?: Located<string>;
  with: Record<string, Located<string>>;
  env: Record<string, string>;
  if?: string;
  continueOnError: boolean;
  /** Offset of the step's `-` in the text, when it is a block sequence item (for inserting a step before it). */
  dashOffset?: number;
  region: Region;
}

export interface WorkflowJob {
  id: string;
  name?: string;
  idRegion: Region;
  needs: string[];
  if?: string;
  /** runs-on as text (labels joined by a space); undefined for reusable-workflow jobs. */
  runsOn?: string;
  /** Where runs-on is written. */
  runsOnRegion?: Region;
  /** `container:` (its image): the job's steps run inside it, not on the runner. */
  container?: string;
  /** `uses:` of a job that calls a reusable workflow, and its `with:` inputs. */
  uses?: Located<string>;
  with: Record<string, Located<string>>;
  /** `services:` containers that live only as long as the job (a registry on localhost:5000, a database). */
  services: Array<{ id: string; image: string; ports: string[] }>;
  env: Record<string, string>;
  /** The expanded matrix: one record per combination (empty matrix: one empty record). */
  matrix: Array<Record<string, string>>;
  steps: WorkflowStep[];
}

export interface WorkflowModel {
  file: string;
  env: Record<string, string>;
  /** Trigger name -> where it is written, and its configuration node (if any). */
  triggers: Map<string, { region: Region; config?: Node }>;
  jobs: WorkflowJob[];
  syntaxError?: { message: string; region: Region };
  lineCounter: LineCounter;
  text: string;
}

export function parseWorkflow(file: string, text: string): WorkflowModel {
  const lineCounter = new LineCounter();
  // uniqueKeys: false, because the library checks each key against every earlier one (quadratic in the jobs);
  // duplicates that matter (top-level keys, job ids) are found below with a set, in linear time.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const region = (node: Node | null | undefined): Region => {
    const [start, end] = node?.range ?? [0, 0];
    const a = lineCounter.linePos(start);
    const b = lineCounter.linePos(Math.max(start, end));
    return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  };
  const model: WorkflowModel = { file, env: {}, triggers: new Map(), jobs: [], lineCounter, text };
  const err = doc.errors[0];
  if (err) {
    const [start, end] = err.pos;
    const a = lineCounter.linePos(start);
    const b = lineCounter.linePos(Math.max(end, start + 1));
    const first = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    model.syntaxError = {
      message: `YAML parse error on line ${a.line}, column ${a.col}: ${first}`,
      region: { line: a.line, column: a.col, endLine: b.line, endColumn: b.line === a.line ? b.col : a.col + 1 },
    };
    return model;
  }
  const root = doc.contents;
  if (!isMap(root)) {
    model.syntaxError = {
      message: 'a workflow must be a mapping with "on:" and "jobs:" keys',
      region: root ? region(root) : { line: 1, column: 1, endLine: 1, endColumn: 2 },
    };
    return model;
  }

  const dup =
    duplicateKey(root) ??
    (isMap(pair(root, 'jobs')?.value) ? duplicateKey(pair(root, 'jobs')!.value as YAMLMap) : undefined);
  if (dup) {
    const r = region(dup);
    model.syntaxError = {
      message: `YAML parse error on line ${r.line}, column ${r.column}: Map keys must be unique`,
      region: r,
    };
    return model;
  }
  const on = pair(root, 'on');
  if (on) {
    const v = on.value;
    if (isScalar(v) && typeof v.value === 'string') {
      model.triggers.set(v.value, { region: region(v) });
    } else if (isSeq(v)) {
      for (const item of v.items) if (isScalar(item)) model.triggers.set(String(item.value), { region: region(item) });
    } else if (isMap(v)) {
      for (const p of v.items) {
        if (isScalar(p.key))
          model.triggers.set(String(p.key.value), { region: region(p.key), config: (p.value as Node) ?? undefined });
      }
    }
  }

  model.env = scalarMap(pair(root, 'env')?.value);
  const jobs = pair(root, 'jobs')?.value;
  if (isMap(jobs)) {
    for (const jp of jobs.items) {
      if (!isScalar(jp.key) || !isMap(jp.value)) continue;
      const jm = jp.value;
      const job: WorkflowJob = {
        id: String(jp.key.value),
        name: scalarText(pair(jm, 'name')?.value),
        idRegion: region(jp.key),
        needs: strings(pair(jm, 'needs')?.value),
        if: scalarText(pair(jm, 'if')?.value),
        runsOn: runsOnText(pair(jm, 'runs-on')?.value),
        runsOnRegion: pair(jm, 'runs-on') ? region(pair(jm, 'runs-on')!.value as Node) : undefined,
        container: containerImage(pair(jm, 'container')?.value),
        uses: located(pair(jm, 'uses')?.value),
        with: locatedMap(pair(jm, 'with')?.value),
        services: services(pair(jm, 'services')?.value),
        env: scalarMap(pair(jm, 'env')?.value),
        matrix: expandMatrix(pair(jm, 'strategy')?.value),
        steps: [],
      };
      const steps = pair(jm, 'steps')?.value;
      if (isSeq(steps)) {
        steps.items.forEach((item, index) => {
          if (!isMap(item)) return;
          const withs = locatedMap(pair(item, 'with')?.value);
          const start = (item as Node).range?.[0] ?? 0;
          // Only the few characters before the item: slicing from 0 would make parsing quadratic in the steps.
          const before = text.slice(Math.max(0, start - 64), start).match(/-[ \t]+$/);
          job.steps.push({
            job,
            index,
            id: scalarText(pair(item, 'id')?.value),
            name: scalarText(pair(item, 'name')?.value),
            uses: located(pair(item, 'uses')?.value),
            run: located(pair(item, 'run')?.value),
            with: withs,
            env: scalarMap(pair(item, 'env')?.value),
            if: scalarText(pair(item, 'if')?.value),
            continueOnError: String(scalarText(pair(item, 'continue-on-error')?.value)) === 'true',
            dashOffset: before ? start - before[0].length : undefined,
            region: region(item),
          });
        });
      }
      model.jobs.push(job);
    }
  }
  return model;

  function located(node: unknown): Located<string> | undefined {
    const value = isScalar(node) ? primitiveText(node.value) : undefined;
    return value === undefined ? undefined : { value, region: region(node as Node), node: node as Node };
  }

  function locatedMap(node: unknown): Record<string, Located<string>> {
    const out: Record<string, Located<string>> = {};
    if (isMap(node))
      for (const p of node.items) {
        const l = located(p.value);
        if (isScalar(p.key) && l) out[String(p.key.value)] = l;
      }
    return out;
  }
}

function scalarMap(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isMap(node))
    for (const p of node.items)
      if (isScalar(p.key) && isScalar(p.value) && scalarString(p.value.value) !== undefined)
        out[String(scalarString(p.key.value))] = scalarString(p.value.value)!;
  return out;
}

function services(node: unknown): WorkflowJob['services'] {
  if (!isMap(node)) return [];
  return node.items.flatMap((p) => {
    if (!isScalar(p.key)) return [];
    const v = p.value;
    const image = isMap(v) ? scalarText(pair(v, 'image')?.value) : scalarText(v);
    const ports = isMap(v) ? strings(pair(v, 'ports')?.value) : [];
    return image ? [{ id: String(p.key.value), image, ports }] : [];
  });
}

/** `container: IMAGE` or `container: {image: IMAGE}`; an expression stays as written. */
function containerImage(node: unknown): string | undefined {
  return isMap(node) ? scalarText(pair(node, 'image')?.value) : scalarText(node);
}

/** The first key of a mapping that repeats an earlier one (GitHub refuses such a workflow). */
function duplicateKey(map: YAMLMap): Node | undefined {
  const seen = new Set<string>();
  for (const p of map.items) {
    if (!isScalar(p.key)) continue;
    const k = String(scalarString(p.key.value));
    if (seen.has(k)) return p.key;
    seen.add(k);
  }
  return undefined;
}

function pair(map: YAMLMap, key: string) {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as
    { key: Node; value: unknown } | undefined;
}

/** A YAML scalar's value as text; null and non-primitive values are no text. */
function primitiveText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
    ? String(v)
    : undefined;
}

function scalarText(node: unknown): string | undefined {
  return isScalar(node) ? primitiveText(node.value) : undefined;
}

function strings(node: unknown): string[] {
  const one = isScalar(node) ? primitiveText(node.value) : undefined;
  if (one !== undefined) return [one];
  if (isSeq(node)) return node.items.flatMap((i) => (isScalar(i) ? (primitiveText(i.value) ?? []) : []));
  return [];
}

/** A YAML scalar's value as text (for the other lint modules that read YAML themselves). */
export function scalarString(v: unknown): string | undefined {
  return primitiveText(v);
}

function runsOnText(node: unknown): string | undefined {
  if (isMap(node)) return strings(pair(node, 'labels')?.value).join(' ') || scalarText(pair(node, 'group')?.value);
  const s = strings(node);
  return s.length ? s.join(' ') : undefined;
}

/** Cross product of the matrix axes, then `include` entries (which add combinations or extend matching ones). */
function expandMatrix(strategy: unknown): Array<Record<string, string>> {
  const matrix = isMap(strategy) ? pair(strategy, 'matrix')?.value : undefined;
  if (!isMap(matrix)) return [{}];
  let combos: Array<Record<string, string>> = [{}];
  const include: Array<Record<string, string>> = [];
  for (const p of matrix.items) {
    if (!isScalar(p.key)) continue;
    const key = String(p.key.value);
    if (key === 'exclude') continue;
    if (key === 'include') {
      if (isSeq(p.value)) for (const i of p.value.items) if (isMap(i)) include.push(flatRecord(i));
      continue;
    }
    const values = isSeq(p.value)
      ? p.value.items.map((i) => (isScalar(i) ? String(i.value) : JSON.stringify(i)))
      : [String(scalarText(p.value) ?? '')];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
    if (combos.length > 256) break; // a matrix this large is not a release matrix; keep lint cheap
  }
  const hasAxes = Object.keys(combos[0]).length > 0;
  for (const inc of include) {
    const matching = hasAxes
      ? combos.filter((c) => Object.entries(inc).every(([k, v]) => !(k in c) || c[k] === v))
      : [];
    if (matching.length) for (const m of matching) Object.assign(m, inc);
    else combos.push({ ...inc });
  }
  return hasAxes ? combos : combos.length > 1 ? combos.slice(1) : combos;
}

function flatRecord(map: YAMLMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of map.items) if (isScalar(p.key) && isScalar(p.value)) out[String(p.key.value)] = String(p.value.value);
  return out;
}

/** Replaces `${{ matrix.x }}` with the combination's value; other expressions stay as written. */
export function withMatrix(text: string, combo: Record<string, string>): string {
  return text.replace(/\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}/g, (all: string, k: string) => combo[k] ?? all);
}
