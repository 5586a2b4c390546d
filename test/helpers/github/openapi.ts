import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../paths';

/**
 * GitHub's published REST description (@octokit/openapi), loaded and indexed once per process: the fake server
 * answers from its examples and checks every request the product makes against it, so the fake cannot drift
 * from GitHub.
 */
type Json = any;

export interface Operation {
  method: string;
  template: string;
  operationId: string;
  op: Json;
  parameters: Json[];
  regex: RegExp;
  names: string[];
  /** Literal segments: a more literal template wins when several match (…/runs/{id} vs …/runs/{id}/jobs). */
  literals: number;
}

let loaded: { doc: Json; byMethod: Map<string, Operation[]> } | undefined;

function description(): { doc: Json; byMethod: Map<string, Operation[]> } {
  if (loaded) return loaded;
  const file = path.join(REPO_ROOT, 'node_modules', '@octokit', 'openapi', 'generated', 'api.github.com.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const byMethod = new Map<string, Operation[]>();
  for (const [template, item] of Object.entries<Json>(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete', 'head']) {
      const op = item[method];
      if (!op) continue;
      const names: string[] = [];
      const segs = template.split('/');
      const regex = new RegExp(
        '^' +
          segs
            .map((s) => {
              const m = /^\{(.+)\}$/.exec(s);
              if (!m) return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
              names.push(m[1]);
              return '([^/]+)';
            })
            .join('/') +
          '$',
      );
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Json) => resolve(doc, p));
      const entry: Operation = {
        method: method.toUpperCase(),
        template,
        operationId: op.operationId,
        op,
        parameters,
        regex,
        names,
        literals: segs.filter((s) => !s.startsWith('{')).length,
      };
      const list = byMethod.get(entry.method) ?? [];
      list.push(entry);
      byMethod.set(entry.method, list);
    }
  }
  loaded = { doc, byMethod };
  return loaded;
}

/** Follows a local $ref (#/components/...). */
function resolve(doc: Json, node: Json): Json {
  let n = node;
  for (let i = 0; n && typeof n === 'object' && typeof n.$ref === 'string' && i < 20; i++) {
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce((o: Json, k: string) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return n;
}

/** A copy of a schema with every $ref inlined (cycles cut at a depth: request bodies are shallow). */
function inline(doc: Json, node: Json, depth = 0): Json {
  if (depth > 12 || node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((n) => inline(doc, n, depth + 1));
  const n = resolve(doc, node);
  return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, inline(doc, v, depth + 1)]));
}

export function findOperation(
  method: string,
  pathname: string,
): { operation: Operation; params: Record<string, string> } | undefined {
  const candidates = description().byMethod.get(method.toUpperCase()) ?? [];
  let best: { operation: Operation; params: Record<string, string> } | undefined;
  for (const operation of candidates) {
    const m = operation.regex.exec(pathname);
    if (!m) continue;
    if (best && best.operation.literals >= operation.literals) continue;
    const params = Object.fromEntries(operation.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    best = { operation, params };
  }
  return best;
}

export function operationByTemplate(method: string, template: string): Operation {
  const op = (description().byMethod.get(method.toUpperCase()) ?? []).find((o) => o.template === template);
  if (!op) throw new Error(`${method} ${template} is not in GitHub's REST API description`);
  return op;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const paramAjv = new Ajv({ strict: false, allErrors: true, validateFormats: false, coerceTypes: true });
const compiled = new Map<string, ValidateFunction>();

function validator(key: string, schema: () => Json, coerce = false): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    v = (coerce ? paramAjv : ajv).compile(schema());
    compiled.set(key, v);
  }
  return v;
}

/** Every way a request breaks the description; empty when GitHub would accept its shape. */
export function validateRequest(method: string, url: URL, rawBody: string): string[] {
  const what = `${method} ${url.pathname}${url.search}`;
  const found = findOperation(method, url.pathname);
  if (!found) return [`${what}: no such operation in GitHub's REST API description`];
  const { operation, params } = found;
  const { doc } = description();
  const problems: string[] = [];
  const check = (p: Json, value: string) => {
    const v = validator(
      `${operation.operationId}:${p.in}:${p.name}`,
      () => ({ type: 'object', properties: { value: inline(doc, p.schema ?? {}) } }),
      true,
    );
    if (!v({ value }))
      problems.push(`${what}: ${p.in} parameter ${p.name}=${JSON.stringify(value)} ${paramAjv.errorsText(v.errors)}`);
  };
  for (const p of operation.parameters.filter((x) => x.in === 'path')) check(p, params[p.name]);
  const query = operation.parameters.filter((x) => x.in === 'query');
  for (const [k, value] of url.searchParams) {
    const p = query.find((q) => q.name === k);
    if (!p)
      problems.push(
        `${what}: query parameter ${k} is not allowed (allowed: ${query.map((q) => q.name).join(', ') || 'none'})`,
      );
    else check(p, value);
  }
  for (const p of query)
    if (p.required && !url.searchParams.has(p.name))
      problems.push(`${what}: required query parameter ${p.name} missing`);

  const rb = resolve(doc, operation.op.requestBody);
  const body = rawBody.trim();
  if (!rb) {
    if (body) problems.push(`${what}: the operation takes no request body, got ${body.slice(0, 100)}`);
    return problems;
  }
  if (!body) {
    if (rb.required) problems.push(`${what}: request body required`);
    return problems;
  }
  const schema = rb.content?.['application/json']?.schema;
  if (!schema) return problems;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [...problems, `${what}: request body is not JSON`];
  }
  const v = validator(`${operation.operationId}:body`, () => inline(doc, schema));
  if (!v(parsed)) problems.push(`${what}: request body ${body.slice(0, 200)} ${ajv.errorsText(v.errors)}`);
  return problems;
}

/** The description's example response for an operation and status, deep-copied so scenarios can patch it. */
export function exampleResponse(operation: Operation, status: number): unknown {
  const { doc } = description();
  const res = resolve(doc, operation.op.responses?.[String(status)]);
  const content = res?.content?.['application/json'];
  if (!content) return undefined;
  const ex = content.examples
    ? Object.values<Json>(content.examples)[0]
    : content.example !== undefined
      ? { value: content.example }
      : undefined;
  const value = ex?.$ref ? resolve(doc, ex).value : ex?.value;
  return value === undefined ? undefined : structuredClone(value);
}

/** The documented success status of an operation (the lowest 2xx/3xx). */
export function successStatus(operation: Operation): number {
  const codes = Object.keys(operation.op.responses ?? {})
    .map(Number)
    .filter((c) => c >= 200 && c < 400)
    .sort((a, b) => a - b);
  return codes[0] ?? 200;
}
