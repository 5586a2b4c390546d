/**
 * Just enough of a buildx bake definition (HCL or JSON) to know, per target, its platforms, Dockerfile,
 * context and stage, following `inherits` and groups. Written here because no npm HCL parser is maintained
 * for HCL2 (the Terraform ones are WASM builds of Go code); bake files are small and regular, and anything
 * this reader does not understand leaves the value unknown (the rules then say less, never more).
 */
export interface BakeTarget {
  platforms?: string[];
  dockerfile?: string;
  context?: string;
  target?: string;
  /** True when the target writes only local files (`output = ["./dist"]`, type=local/tar): no image. */
  localOutput?: boolean;
}

interface RawTarget extends BakeTarget {
  inherits: string[];
}

export interface BakeFile {
  targets: Map<string, RawTarget>;
  groups: Map<string, string[]>;
}

export function parseBake(text: string): BakeFile {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseBakeJson(trimmed);
  const out: BakeFile = { targets: new Map(), groups: new Map() };
  const block = /\b(target|group)\s+"([^"]+)"\s*\{/g;
  for (let m = block.exec(text); m; m = block.exec(text)) {
    let depth = 1;
    let i = block.lastIndex;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
    }
    const body = text.slice(block.lastIndex, i - 1);
    block.lastIndex = i;
    if (m[1] === 'group') out.groups.set(m[2], list(body, 'targets') ?? []);
    else {
      const output = list(body, 'output');
      out.targets.set(m[2], {
        inherits: list(body, 'inherits') ?? [],
        platforms: list(body, 'platforms'),
        dockerfile: str(body, 'dockerfile'),
        context: str(body, 'context'),
        target: str(body, 'target'),
        localOutput: output ? output.every((o) => isLocalOutput(o)) : undefined,
      });
    }
  }
  return out;
}

function isLocalOutput(o: string): boolean {
  return /^(\.|\/)|type=(local|tar)\b/.test(o) && !/type=(image|registry|docker)/.test(o);
}

function list(body: string, key: string): string[] | undefined {
  const m = new RegExp(`(^|\\n)\\s*${key}\\s*=\\s*\\[([^\\]]*)\\]`).exec(body);
  if (!m) return undefined;
  return [...m[2].matchAll(/"([^"]*)"/g)].map((x) => x[1]);
}

function str(body: string, key: string): string | undefined {
  return new RegExp(`(^|\\n)\\s*${key}\\s*=\\s*"([^"]*)"`).exec(body)?.[2];
}

function parseBakeJson(text: string): BakeFile {
  const out: BakeFile = { targets: new Map(), groups: new Map() };
  try {
    const doc = JSON.parse(text) as {
      target?: Record<string, Record<string, unknown>>;
      group?: Record<string, { targets?: string[] }>;
    };
    for (const [name, g] of Object.entries(doc.group ?? {})) out.groups.set(name, g.targets ?? []);
    for (const [name, t] of Object.entries(doc.target ?? {})) {
      const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
      const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const output = strs(t.output);
      out.targets.set(name, {
        inherits: strs(t.inherits) ?? [],
        platforms: strs(t.platforms),
        dockerfile: s(t.dockerfile),
        context: s(t.context),
        target: s(t.target),
        localOutput: output ? output.every(isLocalOutput) : undefined,
      });
    }
  } catch {
    // Not JSON after all: no targets known.
  }
  return out;
}

/** Several bake files, later ones overriding earlier ones target by target (as `bake -f a -f b` does). */
export function mergeBake(files: BakeFile[]): BakeFile {
  const out: BakeFile = { targets: new Map(), groups: new Map() };
  for (const f of files) {
    for (const [k, v] of f.groups) out.groups.set(k, v);
    for (const [k, v] of f.targets) {
      const prev = out.targets.get(k);
      out.targets.set(
        k,
        prev ? { ...prev, ...definedOnly(v), inherits: v.inherits.length ? v.inherits : prev.inherits } : v,
      );
    }
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The targets a `bake` of `names` builds (groups expanded), each with its inherited settings resolved. */
export function resolveTargets(bake: BakeFile, names: string[]): Map<string, BakeTarget> {
  const out = new Map<string, BakeTarget>();
  const expand = (n: string, depth: number): string[] =>
    depth > 16 ? [] : bake.groups.has(n) ? bake.groups.get(n)!.flatMap((x) => expand(x, depth + 1)) : [n];
  const resolve = (n: string, depth: number): BakeTarget => {
    const t = bake.targets.get(n);
    if (!t || depth > 16) return {};
    let merged: BakeTarget = {};
    for (const parent of t.inherits) merged = { ...merged, ...definedOnly(resolve(parent, depth + 1)) };
    const { inherits: _inherits, ...own } = t;
    return { ...merged, ...definedOnly(own) };
  };
  for (const n of names.flatMap((x) => expand(x, 0))) if (bake.targets.has(n)) out.set(n, resolve(n, 0));
  return out;
}
