import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { isUnresolved, normalizePlatform, splitPlatformList } from '../platform';
import { normalizeRepoPath, type RepoView } from '../repo';
import type { Region } from '../types';
import { mergeBake, parseBake, resolveTargets } from './bake';
import {
  scalarString,
  withMatrix,
  type Located,
  type WorkflowJob,
  type WorkflowModel,
  type WorkflowStep,
} from './model';

/**
 * What the workflow rules ask of steps and jobs: which ones push images and with what effect, which ones run
 * the image, which ones set up QEMU or create a Release, and which Dockerfile a build step builds. Heuristics
 * over action names and shell text, written down here once so every rule agrees on them.
 */
export const actionName = (uses: string | undefined) => (uses ?? '').split('@')[0].toLowerCase();

const BUILD_PUSH = /^(docker|useblacksmith|depot)\/build-push-action$/;
const BAKE = /^(docker|useblacksmith|depot)\/bake-action$/;

/** A step as the checks read it: a workflow step, or a step of a local composite action. */
export interface StepLike {
  id?: string;
  name?: string;
  uses?: { value: string };
  run?: { value: string };
  with: Record<string, { value: string }>;
  env?: Record<string, string>;
}

/**
 * - publish: tags reach users (the image is released);
 * - digest: pushed by digest only (push-by-digest), nobody pulls it by a tag until a later step names it;
 * - local: a registry that lives only in this job (services: on localhost);
 * - retag: an image already in a registry gets another name (imagetools create from one image, crane tag,
 *   regctl image copy, skopeo copy, docker pull + tag + push): nothing new is built.
 */
export type PushEffect = 'publish' | 'digest' | 'local' | 'retag';

export interface BuildRef {
  /** Repository path of the Dockerfile. */
  dockerfile: string;
  /** --target / bake target's stage. */
  target?: string;
}

export interface ImagePush {
  step: WorkflowStep;
  kind: 'build-push-action' | 'bake' | 'buildx --push' | 'docker push' | 'index' | 'retag';
  effect: PushEffect;
  /** Where to point: `push: true`, the command line, or the step. */
  region: Region;
  /** Platforms over all matrix combinations, normalized; undefined when an expression hides them. */
  platforms?: string[];
  /** True when one push (one combination) publishes more than one platform. */
  multiPlatform: boolean;
  /** Where `platforms` is written (build-push-action input or --platform value). */
  platformsAt?: Located<string>;
  /** What the step builds, when it builds (undefined: not known). */
  builds?: BuildRef[];
  /** In words: "docker/build-push-action with push: true". */
  how: string;
  /** imagetools create whose sources are in a shell variable: a merge only if digests were pushed before. */
  dynamicSources?: boolean;
}

const trueish = (v: string | undefined) => v !== undefined && (v.trim() === 'true' || /\$\{\{/.test(v));

/** The region of the first match of `re` inside a located scalar (a line of a `run:` block). */
export function regionIn(model: WorkflowModel, at: Located<string>, re: RegExp): Region {
  const [start, end] = at.node.range ?? [0, 0];
  const m = re.exec(model.text.slice(start, end));
  if (!m) return at.region;
  const a = model.lineCounter.linePos(start + m.index);
  const b = model.lineCounter.linePos(start + m.index + m[0].length);
  return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
}

/**
 * The platform a runner label runs on: GitHub-hosted labels (ubuntu-*, *-arm) and the common hosted services
 * that follow their naming; undefined for self-hosted or custom labels and expressions (they may have QEMU or
 * be arm machines: nothing can be said).
 */
export function nativePlatform(runsOn: string | undefined): string | undefined {
  if (!runsOn || /\$\{\{/.test(runsOn)) return undefined;
  const labels = runsOn.split(/\s+/);
  if (labels.includes('self-hosted')) return undefined;
  const hosted = labels.find((l) => /^(ubuntu|blacksmith|depot-ubuntu|buildjet|warp-ubuntu)[-\w.]*$/i.test(l));
  if (!hosted) return undefined;
  return /arm|aarch64/i.test(hosted) ? 'linux/arm64' : 'linux/amd64';
}

/** `${{ env.X }}` from the step, job and workflow env; `${{ matrix.x }}` from the combination. */
function resolveValue(text: string, step: WorkflowStep, model: WorkflowModel, combo: Record<string, string>) {
  const env = { ...model.env, ...step.job.env, ...step.env };
  return withMatrix(text, combo).replace(/\$\{\{\s*env\.([A-Za-z0-9_]+)\s*\}\}/g, (all, k: string) => env[k] ?? all);
}

/** Shell text with continuation lines joined, split into commands at newlines, && || ; and |. */
export function shellCommands(script: string): string[] {
  return script
    .replace(/\\\r?\n/g, ' ')
    .split(/\n|&&|\|\||;|\|/)
    .map((c) => c.trim())
    .filter(Boolean);
}

/** Splits a command line into words, keeping quoted strings together (quotes removed). */
export function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

function flagValue(ws: string[], names: string[]): string | undefined {
  for (let i = 0; i < ws.length; i++) {
    for (const n of names) {
      if (ws[i] === n) return ws[i + 1];
      if (ws[i].startsWith(`${n}=`)) return ws[i].slice(n.length + 1);
    }
  }
  return undefined;
}

/** Platforms a build step produces for each matrix combination of its job (undefined if unknowable). */
export function buildPlatforms(
  step: WorkflowStep,
  model: WorkflowModel,
  repo?: RepoView,
): { values?: string[]; at?: Located<string>; multi: boolean; perCombo: Array<string[] | undefined> } {
  const job = step.job;
  let at: Located<string> | undefined;
  let raw: string | undefined;
  const name = actionName(step.uses?.value);
  if (BUILD_PUSH.test(name)) {
    at = step.with.platforms;
    raw = at?.value;
  } else if (BAKE.test(name)) {
    const set = step.with.set?.value ?? '';
    const m = /\*?[\w.-]*\.platforms?=([^\n]+)/.exec(set);
    if (m) raw = m[1];
    else {
      const targets = bakeTargets(step, model, repo);
      if (targets) {
        const all = [...targets.values()];
        if (all.length && all.every((t) => t.platforms)) raw = all.flatMap((t) => t.platforms!).join(',');
      } else return { multi: false, perCombo: [undefined] };
    }
  } else if (step.run) {
    const cmd = shellCommands(step.run.value).find((c) => /\bbuildx\s+(build|bake)\b|\bdocker\s+build\b/.test(c));
    const p = cmd ? flagValue(words(cmd), ['--platform', '--set']) : undefined;
    if (p !== undefined) {
      at = step.run;
      raw = p.replace(/^\*\.platform=/, '');
    }
  }
  const values = new Set<string>();
  let multi = false;
  const perCombo: Array<string[] | undefined> = [];
  let unknown = false;
  for (const combo of job.matrix) {
    if (raw === undefined) {
      const native = nativePlatform(job.runsOn && withMatrix(job.runsOn, combo));
      perCombo.push(native ? [native] : undefined);
      if (!native) unknown = true;
      else values.add(native);
      continue;
    }
    const resolved = resolveValue(raw, step, model, combo);
    if (isUnresolved(resolved)) {
      perCombo.push(undefined);
      unknown = true;
      multi ||= /,/.test(resolved);
      continue;
    }
    const list = splitPlatformList(resolved);
    perCombo.push(list);
    multi ||= list.length > 1;
    for (const p of list) values.add(p);
  }
  return { values: unknown ? undefined : [...values], at, multi, perCombo };
}

/** The bake targets a bake-action step builds, from its bake files (undefined when the files cannot be read). */
function bakeTargets(step: WorkflowStep, model: WorkflowModel, repo?: RepoView) {
  const source = step.with.source?.value ?? '.';
  const filesText = step.with.files?.value;
  const names = (step.with.targets?.value ?? 'default')
    .split(/[\s,]+/)
    .map((t) => resolveValue(t, step, model, step.job.matrix[0] ?? {}))
    .filter(Boolean);
  if (names.some(isUnresolved)) return undefined;
  const candidates = filesText
    ? filesText
        .split(/[\n,]+/)
        .map((f) => f.trim())
        .filter((f) => f && !/\$\{\{/.test(f))
    : ['docker-bake.hcl', 'docker-bake.json', 'docker-bake.override.hcl'];
  const dir = /^(\.|\$\{\{.*\}\}|[a-z]+:\/\/.*)$/.test(source) ? '' : source;
  const texts = candidates.flatMap((f) => repo?.read(`${dir}/${f}`) ?? []);
  if (!texts.length) return undefined;
  return resolveTargets(mergeBake(texts.map(parseBake)), names);
}

/** Which Dockerfile(s) a build step builds, as repository paths (undefined when it cannot be told). */
export function buildsOf(step: WorkflowStep, model: WorkflowModel, repo?: RepoView): BuildRef[] | undefined {
  const combo = step.job.matrix[0] ?? {};
  const join = (ctx: string, file: string | undefined) => {
    const c = ctx === '' || ctx === '.' ? '' : ctx;
    const f = file ?? 'Dockerfile';
    return normalizeRepoPath(file !== undefined ? f : `${c}/${f}`);
  };
  const name = actionName(step.uses?.value);
  if (BUILD_PUSH.test(name)) {
    const ctx = resolveValue(step.with.context?.value ?? '.', step, model, combo);
    const file = step.with.file ? resolveValue(step.with.file.value, step, model, combo) : undefined;
    if (isUnresolved(ctx) || (file && isUnresolved(file))) return undefined;
    if (/^[a-z]+:\/\//.test(ctx)) return undefined;
    const target = step.with.target?.value;
    const p = join(ctx, file);
    return p ? [{ dockerfile: p, target: target && !isUnresolved(target) ? target : undefined }] : undefined;
  }
  if (BAKE.test(name)) {
    const targets = bakeTargets(step, model, repo);
    if (!targets) return undefined;
    const out: BuildRef[] = [];
    for (const t of targets.values()) {
      if (t.localOutput) continue;
      const p = join(t.context ?? '', t.dockerfile);
      if (!p) return undefined;
      out.push({ dockerfile: p, target: t.target });
    }
    return out;
  }
  if (step.run) {
    const cmd = shellCommands(step.run.value).find((c) => /\b(buildx\s+build|docker\s+build|podman\s+build)\b/.test(c));
    if (!cmd) return undefined;
    const ws = words(cmd);
    const file = flagValue(ws, ['-f', '--file']);
    const ctx = ws.at(-1) ?? '.';
    if ((file && isUnresolved(file)) || isUnresolved(ctx) || ctx === '-') return undefined;
    const p = join(ctx, file);
    return p ? [{ dockerfile: p, target: flagValue(ws, ['--target']) }] : undefined;
  }
  return undefined;
}

const LOCAL_REGISTRY = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//;
/** A candidate tag (candidate-<run>-<arch>): a per-platform push that a later assemble step publishes. */
const CANDIDATE_TAG = /:candidate[-_.][^\s"']*$/;

/** This product's own Action (release-operator/release-operator) and the stage a step runs, if it is one. */
function gateStage(step: StepLike): string | undefined {
  if (actionName(step.uses?.value) !== 'release-operator/release-operator') return undefined;
  return step.with.stage?.value.trim();
}

/** Tags a build-push-action step writes (`tags:` input), resolved where possible. */
function tagsOf(step: WorkflowStep): string[] {
  return (step.with.tags?.value ?? '')
    .split(/[\n,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

/** Every image push a step makes (a script can push more than once). */
export function pushesOf(model: WorkflowModel, step: WorkflowStep, repo?: RepoView): ImagePush[] {
  const name = actionName(step.uses?.value);
  const local = (refs: string[]) => refs.length > 0 && refs.every((r) => LOCAL_REGISTRY.test(r));
  // assemble writes the release's index and tags from per-platform pushes: the publication.
  if (gateStage(step) === 'assemble') {
    const listed = step.with.platforms?.value;
    const platforms =
      listed && !/\$\{\{/.test(listed)
        ? listed
            .split(/[\s,]+/)
            .filter(Boolean)
            .map((p) => normalizePlatform(p))
        : undefined;
    return [
      {
        step,
        kind: 'index',
        effect: 'publish',
        region: step.uses!.region,
        platforms,
        multiPlatform: true,
        how: 'release-operator assemble (the index and the release tags)',
      },
    ];
  }
  if (BUILD_PUSH.test(name)) {
    const push = step.with.push;
    const outputs = step.with.outputs?.value ?? '';
    const outputsPush = /push=true|push=\$\{\{|type=registry/.test(outputs);
    if (!trueish(push?.value) && !outputsPush) return [];
    const p = buildPlatforms(step, model, repo);
    const digest = /push-by-digest=true/.test(outputs);
    const names = [...tagsOf(step), ...[...outputs.matchAll(/name=([^,"]+)/g)].map((m) => m[1])];
    const effect: PushEffect = digest ? 'digest' : local(names) ? 'local' : 'publish';
    return [
      {
        step,
        kind: 'build-push-action',
        effect,
        region:
          (digest ? step.with.outputs?.region : undefined) ??
          push?.region ??
          step.with.outputs?.region ??
          step.uses!.region,
        platforms: p.values,
        platformsAt: p.at,
        multiPlatform: p.multi,
        builds: buildsOf(step, model, repo),
        how: digest ? `${name} pushing by digest (push-by-digest=true)` : `${name} with push`,
      },
    ];
  }
  if (BAKE.test(name)) {
    const set = step.with.set?.value ?? '';
    if (!trueish(step.with.push?.value) && !/\.output=[^\n]*push=true/.test(set)) return [];
    const targets = bakeTargets(step, model, repo);
    if (targets && [...targets.values()].every((t) => t.localOutput)) return [];
    const p = buildPlatforms(step, model, repo);
    const digest = /push-by-digest=true/.test(set);
    return [
      {
        step,
        kind: 'bake',
        effect: digest ? 'digest' : 'publish',
        region: step.with.push?.region ?? step.uses!.region,
        platforms: p.values,
        platformsAt: p.at,
        multiPlatform: p.multi,
        builds: buildsOf(step, model, repo),
        how: `${name} with push`,
      },
    ];
  }
  const run = step.run;
  if (!run) return [];
  const out: ImagePush[] = [];
  const commands = shellCommands(run.value);
  const pulled = /\b(pull|tag)\b/.test(run.value) ? pulledNames(step) : new Set<string>();
  for (const c of commands) {
    const ws = words(c);
    const at = (re: RegExp) => regionIn(model, run, re);
    if (/\bimagetools\s+create\b/.test(c)) {
      const sources = imagetoolsSources(ws);
      // Several images, digests or a glob: a new index of fresh builds. One named image: a retag. A variable:
      // decided by the caller from whether digests were pushed before (see WorkflowFacts).
      const merge =
        sources.some((s) => /@sha256|\$\(|\*|printf/.test(s)) ||
        sources.length >= 2 ||
        (sources.length > 0 && /@sha256:(%s|\$)/.test(run.value)); // SOURCES=$(printf 'img@sha256:%s ' *)
      const dynamic = !merge && sources.some((s) => /\$/.test(s));
      out.push({
        step,
        kind: merge || dynamic ? 'index' : 'retag',
        effect: merge ? 'publish' : dynamic ? 'digest' : 'retag',
        dynamicSources: dynamic || undefined,
        region: at(/imagetools\s+create[^\n]*/),
        multiPlatform: true,
        how: merge
          ? 'docker buildx imagetools create from several images'
          : 'docker buildx imagetools create from one image',
      });
    } else if (/\b(docker|podman)\s+manifest\s+push\b/.test(c)) {
      out.push({
        step,
        kind: 'index',
        effect: 'publish',
        region: at(/(docker|podman)\s+manifest\s+push[^\n]*/),
        multiPlatform: true,
        how: 'docker manifest push',
      });
    } else if (
      /\b(crane\s+(copy|cp|tag|mutate|append|index\s+append)|regctl\s+(image\s+(copy|mod)|index\s+(create|add))|skopeo\s+copy|oras\s+copy)\b/.test(
        c,
      )
    ) {
      out.push({
        step,
        kind: 'retag',
        effect: 'retag',
        region: at(/(crane|regctl|skopeo|oras)\s+[^\n]*/),
        multiPlatform: false,
        how:
          /^\S+\s+\S+/.exec(c.replace(/^.*?\b(crane|regctl|skopeo|oras)\b/, '$1'))?.[0] ?? 'a copy between registries',
      });
    } else if (
      /\bbuildx\s+(build|bake)\b/.test(c) &&
      (/--push\b/.test(c) || /(--output|-o)[= ][^\s]*(push=true|type=registry)/.test(c))
    ) {
      const p = buildPlatforms(step, model, repo);
      const digest = /push-by-digest=true/.test(c);
      const tags = ws.flatMap((w, i) => (ws[i - 1] === '-t' || ws[i - 1] === '--tag' ? [w] : []));
      out.push({
        step,
        kind: 'buildx --push',
        effect: digest ? 'digest' : local(tags) ? 'local' : 'publish',
        region: at(/--push\b|push=true|type=registry/),
        platforms: p.values,
        platformsAt: p.at,
        multiPlatform: p.multi,
        builds: buildsOf(step, model, repo),
        how: digest ? 'docker buildx build pushing by digest' : 'docker buildx build --push',
      });
    } else if (/\b(docker|podman)\s+push\b/.test(c)) {
      const target = ws.slice(ws.findIndex((w) => w === 'push') + 1).find((w) => !w.startsWith('-')) ?? '';
      const isLocal = LOCAL_REGISTRY.test(target);
      const retag = pulled.has(target);
      const candidate = CANDIDATE_TAG.test(target);
      const native = step.job.matrix.map((combo) =>
        nativePlatform(step.job.runsOn && withMatrix(step.job.runsOn, combo)),
      );
      out.push({
        step,
        kind: retag ? 'retag' : 'docker push',
        effect: isLocal ? 'local' : retag ? 'retag' : candidate ? 'digest' : 'publish',
        region: at(/\b(docker|podman)\s+push\b[^\n]*/),
        // A candidate was built by an earlier step (its platform is the build's, not the runner's).
        platforms: candidate ? undefined : native.every(Boolean) ? [...new Set(native as string[])] : undefined,
        multiPlatform: false,
        how: retag
          ? 'docker pull, tag and push of an existing image'
          : candidate
            ? 'docker push of a candidate tag (published later by assemble)'
            : 'docker push',
      });
    }
  }
  return out;
}

/** The image arguments of `imagetools create` (flags and their values left out). */
function imagetoolsSources(ws: string[]): string[] {
  const i = ws.indexOf('create');
  const out: string[] = [];
  for (let k = i + 1; k < ws.length; k++) {
    const w = ws[k];
    if (/^(-t|--tag|-f|--file|--annotation|--builder|--progress)$/.test(w)) k++;
    else if (!w.startsWith('-')) out.push(w);
  }
  return out;
}

/**
 * Images the job pulled, and the names `docker tag` gave them, up to and including `step`: pushing one of
 * those publishes what a registry already had (a re-tag), not a new build.
 */
function pulledNames(step: WorkflowStep): Set<string> {
  const names = new Set<string>();
  for (const s of step.job.steps.slice(0, step.index + 1))
    for (const c of shellCommands(s.run?.value ?? '')) {
      const ws = words(c);
      const at = ws.findIndex((w, i) => /^(docker|podman)$/.test(ws[i - 1] ?? '') && (w === 'pull' || w === 'tag'));
      if (at < 0) continue;
      const args = ws.slice(at + 1).filter((w) => !w.startsWith('-'));
      if (ws[at] === 'pull' && args[0]) names.add(args[0]);
      if (ws[at] === 'tag' && args[1] && names.has(args[0])) names.add(args[1]);
    }
  return names;
}

/** A step of a local composite action (`uses: ./.github/actions/x`), read from its action.yml. */
function localActionSteps(uses: string | undefined, repo?: RepoView): StepLike[] | undefined {
  if (!uses?.startsWith('./') || !repo) return undefined;
  const dir = uses.replace(/\/$/, '');
  const text = repo.read(`${dir}/action.yml`) ?? repo.read(`${dir}/action.yaml`);
  if (text === undefined) return undefined;
  const doc = parseDocument(text);
  const runs = isMap(doc.contents) ? doc.contents.get('runs', true) : undefined;
  const steps = isMap(runs) ? runs.get('steps', true) : undefined;
  if (!isSeq(steps)) return [];
  return steps.items.flatMap((item) => {
    if (!isMap(item)) return [];
    const s = (k: string) => {
      const v = item.get(k, true) as Node | undefined;
      return isScalar(v) ? scalarString(v.value) : undefined;
    };
    const withNode = item.get('with', true);
    const withs: Record<string, { value: string }> = {};
    if (isMap(withNode))
      for (const p of withNode.items)
        if (isScalar(p.key) && isScalar(p.value) && scalarString(p.value.value) !== undefined)
          withs[String(scalarString(p.key.value))] = { value: scalarString(p.value.value)! };
    const uses = s('uses');
    const run = s('run');
    return [
      {
        id: s('id'),
        name: s('name'),
        uses: uses ? { value: uses } : undefined,
        run: run ? { value: run } : undefined,
        with: withs,
      },
    ];
  });
}

const TOOL_IMAGES =
  /(tonistiigi\/binfmt|multiarch\/qemu-user-static|qemu-user-static|aquasec\/trivy|hadolint\/hadolint|anchore\/(syft|grype)|goodwithtech\/dockle|wagoodman\/dive|\bregistry:\d|docker\.io\/library\/registry|moby\/buildkit)/;
const QEMU_RUN = /tonistiigi\/binfmt|multiarch\/qemu-user-static|qemu-user-static|update-binfmts|binfmt-support/;

/**
 * How a step runs a container image before trusting it, in words, or undefined. `docker run` of a tool
 * (QEMU installers, scanners) does not count; compose, testcontainers and Playwright suites do, because they
 * start the application's containers.
 */
export function runsImage(step: StepLike, repo?: RepoView, depth = 0): string | undefined {
  if (gateStage(step) === 'pre-push') return 'the Release Operator gate (pre-push: smoke per platform)';
  const label = `${step.id ?? ''} ${step.name ?? ''} ${step.uses?.value ?? ''}`;
  if (/smoke|container-structure-test/i.test(label)) return `"${step.name ?? step.id ?? step.uses?.value}"`;
  const uses = actionName(step.uses?.value);
  if (/playwright/.test(uses)) return 'a Playwright suite';
  if (/testcontainers/.test(uses)) return 'testcontainers';
  const run = step.run?.value ?? '';
  for (const c of shellCommands(run)) {
    if (/\b(docker|podman|nerdctl)\s+(container\s+)?run\b/.test(c) && !TOOL_IMAGES.test(c)) return '`docker run`';
    if (/\bdocker[- ]compose\b.*\b(up|run)\b/.test(c)) return '`docker compose`';
    if (/\brelease-operator\s+smoke\b/.test(c)) return '`release-operator smoke`';
    if (/\b(container-structure-test|dgoss|goss)\b/.test(c)) return 'a container test tool';
    if (/\bplaywright\s+test\b/.test(c)) return 'a Playwright suite';
  }
  if (/testcontainers/i.test(run) || Object.keys(step.env ?? {}).some((k) => /^TESTCONTAINERS_/.test(k)))
    return 'testcontainers';
  if (depth < 2) {
    const inner = localActionSteps(step.uses?.value, repo);
    for (const s of inner ?? []) {
      const how = runsImage(s, repo, depth + 1);
      if (how) return `${how} (in ${step.uses!.value})`;
    }
  }
  return undefined;
}

export function isQemuSetup(step: StepLike, repo?: RepoView, depth = 0): boolean {
  if (actionName(step.uses?.value) === 'docker/setup-qemu-action') return true;
  if (QEMU_RUN.test(step.run?.value ?? '')) return true;
  if (depth < 2) return (localActionSteps(step.uses?.value, repo) ?? []).some((s) => isQemuSetup(s, repo, depth + 1));
  return false;
}

/** A local action this workflow uses but that was not read (so what it does is not known). */
export function unreadLocalAction(step: StepLike, repo?: RepoView): boolean {
  return Boolean(
    step.uses?.value.startsWith('./') &&
    !/\.ya?ml$/.test(step.uses.value) &&
    localActionSteps(step.uses.value, repo) === undefined,
  );
}

/** A step that reads back a pushed manifest's platforms. */
export function isManifestCheck(step: WorkflowStep): boolean {
  const stage = gateStage(step);
  if (stage === 'post-push' || stage === 'pre-release') return true;
  const run = step.run?.value ?? '';
  return (
    /imagetools\s+inspect|docker\s+manifest\s+inspect|skopeo\s+inspect|crane\s+(manifest|digest|config)|regctl\s+(manifest|image)|release-operator\s+(manifest|inspect|verify|audit|platforms)/.test(
      run,
    ) ||
    (/verify|manifest|platforms/i.test(`${step.id ?? ''} ${step.name ?? ''}`) && /inspect|manifest/.test(run))
  );
}

const RELEASE_ACTIONS =
  /^(softprops\/action-gh-release|ncipollo\/release-action|actions\/create-release|marvinpinto\/action-automatic-releases|mathieudutour\/github-tag-action|anothrnick\/github-tag-action|rickstaa\/action-create-tag)$/;

/** A step that creates a published GitHub Release or pushes a git tag (a draft Release is not published). */
export function isReleaseCreation(step: WorkflowStep): boolean {
  const name = actionName(step.uses?.value);
  if (RELEASE_ACTIONS.test(name))
    return !trueish(step.with.draft?.value) || /\$\{\{/.test(step.with.draft?.value ?? '');
  const run = step.run?.value ?? '';
  if (/\bgh\s+release\s+create\b(?![^\n]*--draft)/.test(run)) return true;
  if (/\bgit\s+tag\b/.test(run) && /\bgit\s+push\b[^\n]*(--tags|refs\/tags|\borigin\s+v?\$|\btag\b)/.test(run))
    return true;
  const script = step.with.script?.value ?? '';
  return name === 'actions/github-script' && /createRelease|createRef\([^)]*refs\/tags/.test(script);
}

export function releaseRegion(model: WorkflowModel, step: WorkflowStep): Region {
  if (step.run && /\bgh\s+release\s+create\b/.test(step.run.value))
    return regionIn(model, step.run, /gh\s+release\s+create[^\n]*/);
  if (step.run && /\bgit\s+tag\b/.test(step.run.value)) return regionIn(model, step.run, /git\s+tag[^\n]*/);
  return step.uses?.region ?? step.region;
}

/**
 * An `if:` that lets a job or step run after something it needs failed: always(), failure(), !cancelled() —
 * unless the same condition insists on the needed jobs' success (`always() && needs.x.result == 'success'`,
 * the shape cargo-dist writes to let skipped jobs through but not failed ones).
 */
export function runsAfterFailure(condition: string | undefined): boolean {
  const c = condition ?? '';
  if (!/\b(always|failure)\(\)|!\s*cancelled\(\)/.test(c)) return false;
  return !/\.result\s*==\s*'success'/.test(c) || /\|\|\s*failure\(\)|\bfailure\(\)/.test(c);
}

/** How a step is called in a message: its name, its action, or the first line of its script. */
export function stepLabel(step: StepLike & { index?: number }): string {
  return (
    step.name ??
    step.uses?.value.split('@')[0] ??
    step.run?.value.trim().split('\n')[0].slice(0, 60) ??
    `step ${(step.index ?? 0) + 1}`
  );
}

/**
 * The reusable workflow a job calls: `./.github/workflows/x.yml`, or this repository's own
 * `owner/name/.github/workflows/x.yml@ref`. `external` when it lives in another repository.
 */
export function calleeOf(
  job: WorkflowJob,
  repo?: RepoView,
): { path?: string; model?: WorkflowModel; external: boolean } | undefined {
  const uses = job.uses?.value.trim();
  if (!uses) return undefined;
  if (uses.startsWith('./')) {
    const path = normalizeRepoPath(uses);
    return { path, model: path ? repo?.workflow(path) : undefined, external: false };
  }
  const m = /^([^/]+\/[^/]+)\/(\.github\/workflows\/[^@]+)@/.exec(uses);
  if (m && repo?.repository && m[1].toLowerCase() === repo.repository.toLowerCase())
    return { path: m[2], model: repo.workflow(m[2]), external: false };
  return { external: true };
}
