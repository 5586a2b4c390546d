import { DockerfileParser, type From, type Instruction, type Run } from 'dockerfile-ast';
import type { Region } from '../types';

/**
 * A Dockerfile as the rules see it. dockerfile-ast (the parser behind VS Code's Docker language server)
 * does the tokenising: continuations, comments inside continuations, heredocs, escape directives, flags.
 * It is deliberately lenient, so this wrapper adds what a release lint needs on top of it:
 *  - `ARG` defaults declared before the first `FROM` substituted into image references,
 *  - `FROM <stage>` followed back to the real base image,
 *  - the syntax errors BuildKit would refuse (unknown instruction, instruction before `FROM`, unclosed heredoc).
 */
export interface DockerInstruction {
  keyword: string;
  /** Arguments as written, continuations joined (heredoc bodies included). */
  args: string;
  /** Arguments split as the parser does (exec form values unquoted). */
  argv: string[];
  /** `--name=value` flags (`--from`, `--platform`, `--chown`...); a repeated flag keeps its last value. */
  flags: Record<string, string>;
  /** Every flag as written (`--mount=type=cache,target=/root/.cargo --mount=...`), for repeated ones. */
  flagText: string;
  /** Exec (JSON array) form of RUN/CMD/ENTRYPOINT. */
  jsonForm: boolean;
  region: Region;
  /** Region of the arguments, or of the keyword when there are none. */
  argsRegion: Region;
}

export interface ImageRef {
  /** As written: `rust:${RUST_VERSION}`. */
  raw: string;
  /** ARG defaults substituted: `rust:1.91`. Unresolvable variables stay as written. */
  resolved: string;
  /** Registry/path/name without tag or digest: `rust`, `gcr.io/distroless/cc-debian12`. */
  name: string;
  tag?: string;
  digest?: string;
  region: Region;
  /** Where the tag is written, when it is written literally (not through a variable). */
  tagRegion?: Region;
}

export interface DockerStage {
  index: number;
  name?: string;
  from: ImageRef;
  /** When `FROM` names an earlier stage, that stage. */
  parent?: DockerStage;
  platform?: string;
  fromRegion: Region;
  instructions: DockerInstruction[];
}

export interface DockerfileModel {
  stages: DockerStage[];
  /** Build arguments declared before the first FROM, with their defaults (what `${X}` in FROM resolves to). */
  args: Record<string, string>;
  /** The first syntax error, if any; rules do not run on a file that has one. */
  syntaxError?: { message: string; region: Region };
}

const KEYWORDS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** dockerfile-ast ranges: 0-based LSP positions. */
type Range = { start: { line: number; character: number }; end: { line: number; character: number } };

function toRegion(r: Range): Region {
  return {
    line: r.start.line + 1,
    column: r.start.character + 1,
    endLine: r.end.line + 1,
    endColumn: r.end.character + 1,
  };
}

/** Substitutes `$X`, `${X}`, `${X:-default}` and `${X-default}` from known build arguments. */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (all: string, braced: string | undefined, dflt: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const v = vars[name];
      if (v !== undefined && v !== '') return v;
      return dflt !== undefined ? dflt : all;
    },
  );
}

function splitImage(ref: string): { name: string; tag?: string; digest?: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, digest };
}

export function parseDockerfile(text: string): DockerfileModel {
  const df = DockerfileParser.parse(text);
  const vars: Record<string, string> = {};
  for (const arg of df.getInitialARGs()) {
    const p = arg.getProperty();
    if (p?.getName()) vars[p.getName()] = substitute(p.getValue() ?? '', vars);
  }

  const stages: DockerStage[] = [];
  let syntaxError: DockerfileModel['syntaxError'];
  const fail = (message: string, region: Region) => (syntaxError ??= { message, region });

  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword();
    const keywordRegion = toRegion(ins.getInstructionRange());
    if (!KEYWORDS.has(keyword)) {
      fail(`unknown instruction "${ins.getInstruction()}" on line ${keywordRegion.line}`, keywordRegion);
      continue;
    }
    if (keyword === 'FROM') {
      const from = ins as From;
      const imageRange = from.getImageRange();
      const raw = from.getImage();
      if (!raw || !imageRange) {
        fail(`FROM without an image on line ${keywordRegion.line}`, keywordRegion);
        continue;
      }
      const resolved = substitute(raw, vars);
      const parts = splitImage(resolved);
      const tagRange = from.getImageTagRange();
      const tagLiteral = tagRange && !/\$/.test(from.getImageTag() ?? '$');
      const name = from.getBuildStage() ?? undefined;
      const parent = stages.find((s) => s.name !== undefined && s.name.toLowerCase() === resolved.toLowerCase());
      stages.push({
        index: stages.length,
        name,
        from: {
          raw,
          resolved,
          ...parts,
          region: toRegion(imageRange),
          tagRegion: tagLiteral ? toRegion(tagRange) : undefined,
        },
        parent,
        platform: from.getPlatformFlag()?.getValue() ?? undefined,
        fromRegion: toRegion(ins.getRange()),
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword !== 'ARG')
        fail(`${keyword} on line ${keywordRegion.line} comes before the first FROM`, keywordRegion);
      continue;
    }
    const heredocs = keyword === 'RUN' || keyword === 'COPY' ? (ins as Run).getHeredocs() : [];
    const open = heredocs.find((h) => h.getDelimiterRange() === null);
    if (open) {
      const r = toRegion(open.getNameRange());
      fail(`heredoc <<${open.getName()} opened on line ${r.line} is never closed`, r);
    }
    stage.instructions.push(toInstruction(ins, keyword, keywordRegion));
  }
  if (!syntaxError && stages.length === 0) {
    fail('no FROM instruction: a Dockerfile needs at least one build stage', {
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 2,
    });
  }
  return { stages, args: vars, syntaxError };
}

function toInstruction(ins: Instruction, keyword: string, keywordRegion: Region): DockerInstruction {
  const flags: Record<string, string> = {};
  const withFlags = ins as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  const all: string[] = [];
  for (const f of withFlags.getFlags?.() ?? []) {
    flags[f.getName()] = f.getValue() ?? '';
    all.push(`--${f.getName()}=${f.getValue() ?? ''}`);
  }
  const argsRange = ins.getArgumentsRange();
  const args = ins.getArgumentsContent() ?? '';
  const exec = /^\s*\[/.test(args) ? jsonArray(args) : undefined; // invalid JSON in brackets is shell form to Docker too
  const jsonForm = exec !== undefined;
  return {
    keyword,
    args,
    argv: exec ?? ins.getArguments().map((a) => a.getValue()),
    flags,
    flagText: all.join(' '),
    jsonForm,
    region: toRegion(ins.getRange()),
    argsRegion: argsRange ? toRegion(argsRange) : keywordRegion,
  };
}

/** The base image a stage ultimately builds on (following `FROM <earlier stage>`). */
export function baseImage(stage: DockerStage): ImageRef {
  let s = stage;
  while (s.parent) s = s.parent;
  return s.from;
}

/** The stage that produces the image: the last one (what `docker build` without --target builds). */
export function finalStage(model: DockerfileModel): DockerStage | undefined {
  return model.stages.at(-1);
}

/** Stages whose files are copied into `stage` with `COPY --from=<stage>`, with the COPY instruction. */
export function copiesInto(
  model: DockerfileModel,
  stage: DockerStage,
): Array<{ source: DockerStage; copy: DockerInstruction }> {
  const out: Array<{ source: DockerStage; copy: DockerInstruction }> = [];
  for (const copy of stage.instructions) {
    if ((copy.keyword !== 'COPY' && copy.keyword !== 'ADD') || !copy.flags.from) continue;
    const ref = copy.flags.from;
    const source = model.stages.find(
      (s) => (s.name !== undefined && s.name.toLowerCase() === ref.toLowerCase()) || String(s.index) === ref,
    );
    if (source && source !== stage) out.push({ source, copy });
  }
  return out;
}

/** Exec form arguments, or undefined when the brackets do not hold a JSON array of strings (then it is shell form). */
function jsonArray(text: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}
