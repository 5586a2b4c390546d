import type { Region } from '../types';
import { withMatrix, type Located, type WorkflowJob, type WorkflowModel, type WorkflowStep } from './model';

/**
 * What the workflow rules ask of steps and jobs: which ones push images, which ones smoke-test, which ones
 * create a Release or a tag, and which job waits for which. Heuristics over action names and shell text,
 * written down here once so every rule agrees on them.
 */
const actionName = (uses: string | undefined) => (uses ?? '').split('@')[0].toLowerCase();

export interface PushStep {
  step: WorkflowStep;
  kind: 'build-push-action' | 'docker push' | 'buildx --push' | 'index';
  /** Where to point: `push: true`, the `docker push` line, or the step. */
  region: Region;
  /** Platforms over all matrix combinations; undefined when an expression hides them. */
  platforms?: string[];
  /** True when one push (one combination) publishes more than one platform. */
  multiPlatform: boolean;
  /** Where `platforms` is written (build-push-action input or --platform value). */
  platformsAt?: Located<string>;
}

const trueish = (v: string | undefined) => v !== undefined && (v === 'true' || /\$\{\{/.test(v));

/** The region of the first match of `re` inside a located scalar (a line of a `run:` block). */
export function regionIn(model: WorkflowModel, at: Located<string>, re: RegExp): Region {
  const [start, end] = at.node.range ?? [0, 0];
  const m = re.exec(model.text.slice(start, end));
  if (!m) return at.region;
  const a = model.lineCounter.linePos(start + m.index);
  const b = model.lineCounter.linePos(start + m.index + m[0].length);
  return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
}

/** linux/amd64 unless the runner label says arm; undefined when runs-on is an unresolved expression. */
export function nativePlatform(runsOn: string | undefined): string | undefined {
  if (!runsOn || /\$\{\{/.test(runsOn)) return undefined;
  return /arm/i.test(runsOn) ? 'linux/arm64' : 'linux/amd64';
}

function splitPlatforms(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Platforms a build step produces for each matrix combination of its job (undefined if unknowable). */
export function buildPlatforms(step: WorkflowStep): { values?: string[]; at?: Located<string>; multi: boolean } {
  const job = step.job;
  let at: Located<string> | undefined;
  let raw: string | undefined;
  if (actionName(step.uses?.value) === 'docker/build-push-action') {
    at = step.with.platforms;
    raw = at?.value;
  } else if (step.run) {
    const m = /--platform[= ]+("?)([^\s"]+)\1/.exec(step.run.value);
    if (m) {
      at = step.run;
      raw = m[2];
    }
  }
  const values = new Set<string>();
  let multi = false;
  for (const combo of job.matrix) {
    if (raw === undefined) {
      const native = nativePlatform(job.runsOn && withMatrix(job.runsOn, combo));
      if (!native) return { at, multi };
      values.add(native);
      continue;
    }
    const resolved = withMatrix(raw, combo);
    if (/\$\{\{|\$[A-Za-z{]/.test(resolved)) return { at, multi: multi || /,/.test(resolved) };
    const list = splitPlatforms(resolved);
    multi ||= list.length > 1;
    for (const p of list) values.add(p);
  }
  return { values: [...values], at, multi };
}

export function pushOf(model: WorkflowModel, step: WorkflowStep): PushStep | undefined {
  const name = actionName(step.uses?.value);
  if (name === 'docker/build-push-action') {
    const push = step.with.push;
    const outputs = step.with.outputs?.value ?? '';
    if (!trueish(push?.value) && !/push=true|type=registry/.test(outputs)) return undefined;
    const p = buildPlatforms(step);
    return {
      step,
      kind: 'build-push-action',
      region: push?.region ?? step.with.outputs?.region ?? step.uses!.region,
      platforms: p.values,
      platformsAt: p.at,
      multiPlatform: p.multi,
    };
  }
  const run = step.run;
  if (!run) return undefined;
  if (/\bimagetools\s+create\b/.test(run.value) || /\bdocker\s+manifest\s+push\b/.test(run.value)) {
    return {
      step,
      kind: 'index',
      region: regionIn(model, run, /(imagetools\s+create|docker\s+manifest\s+push)/),
      multiPlatform: true,
    };
  }
  if (
    /\bbuildx\s+build\b[^\n]*(\\\n[^\n]*)*--push\b/.test(run.value) ||
    /\bbuildx\s+build\b[\s\S]*--output[= ][^\s]*push=true/.test(run.value)
  ) {
    const p = buildPlatforms(step);
    return {
      step,
      kind: 'buildx --push',
      region: regionIn(model, run, /--push\b|push=true/),
      platforms: p.values,
      platformsAt: p.at,
      multiPlatform: p.multi,
    };
  }
  if (/\b(docker|podman)\s+push\b/.test(run.value)) {
    const native = step.job.matrix.map((c) => nativePlatform(step.job.runsOn && withMatrix(step.job.runsOn, c)));
    const platforms = native.every(Boolean) ? [...new Set(native as string[])] : undefined;
    return {
      step,
      kind: 'docker push',
      region: regionIn(model, run, /\b(docker|podman)\s+push\b[^\n]*/),
      platforms,
      multiPlatform: false,
    };
  }
  return undefined;
}

const QEMU_RUN = /tonistiigi\/binfmt|multiarch\/qemu-user-static|qemu-user-static|update-binfmts/;
export function isQemuSetup(step: WorkflowStep): boolean {
  return actionName(step.uses?.value) === 'docker/setup-qemu-action' || QEMU_RUN.test(step.run?.value ?? '');
}

/** A step that runs the built image before trusting it. */
export function isSmoke(step: WorkflowStep): boolean {
  const label = `${step.id ?? ''} ${step.name ?? ''} ${step.uses?.value ?? ''}`;
  if (/smoke|container-structure-test/i.test(label)) return true;
  const run = step.run?.value ?? '';
  if (QEMU_RUN.test(run)) return false;
  return /\b(docker|podman)\s+(container\s+)?run\b|release-operator\s+smoke|container-structure-test|\bgoss\b|dgoss/.test(
    run,
  );
}

export function isSmokeJob(job: WorkflowJob): boolean {
  return /smoke/i.test(`${job.id} ${job.uses?.value ?? ''}`) || job.steps.some(isSmoke);
}

/** A step that reads back a pushed manifest's platforms. */
export function isManifestCheck(step: WorkflowStep): boolean {
  const run = step.run?.value ?? '';
  return (
    /imagetools\s+inspect|docker\s+manifest\s+inspect|skopeo\s+inspect|crane\s+(manifest|digest|config)|regctl\s+(manifest|image)|release-operator\s+(inspect|verify|audit|platforms)/.test(
      run,
    ) ||
    (/verify|manifest|platforms/i.test(`${step.id ?? ''} ${step.name ?? ''}`) && /inspect|manifest/.test(run))
  );
}

/** A step that creates a GitHub Release or pushes a git tag. */
export function isReleaseCreation(step: WorkflowStep): boolean {
  const name = actionName(step.uses?.value);
  if (
    /^(softprops\/action-gh-release|ncipollo\/release-action|actions\/create-release|marvinpinto\/action-automatic-releases|mathieudutour\/github-tag-action|anothrnick\/github-tag-action|rickstaa\/action-create-tag)$/.test(
      name,
    )
  )
    return true;
  const run = step.run?.value ?? '';
  if (/\bgh\s+release\s+create\b/.test(run)) return true;
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

/** Jobs `job` waits for, directly or through other jobs. */
export function upstream(model: WorkflowModel, job: WorkflowJob): Set<WorkflowJob> {
  const seen = new Set<WorkflowJob>();
  const visit = (j: WorkflowJob) => {
    for (const id of j.needs) {
      const dep = model.jobs.find((x) => x.id === id);
      if (dep && !seen.has(dep)) {
        seen.add(dep);
        visit(dep);
      }
    }
  };
  visit(job);
  return seen;
}

/** An `if:` that lets a job or step run after something it needs failed. */
export function runsAfterFailure(condition: string | undefined): boolean {
  return /\b(always|failure)\(\)|!\s*cancelled\(\)/.test(condition ?? '');
}

/** Every image push in the workflow, in job and step order. */
export function pushes(model: WorkflowModel): PushStep[] {
  return model.jobs.flatMap((j) => j.steps.flatMap((s) => pushOf(model, s) ?? []));
}

/** Reusable-workflow jobs whose callee (a sibling file) pushes images. */
export function pushingCalls(model: WorkflowModel, siblings: WorkflowModel[]): WorkflowJob[] {
  return model.jobs.filter((j) => {
    const target = j.uses?.value;
    if (!target?.startsWith('./')) return false;
    const callee = siblings.find((s) => target.endsWith('/' + s.file.split('/').pop()));
    return Boolean(callee && pushes(callee).length);
  });
}

/** How a step is called in a message: its name, its action, or the first line of its script. */
export function stepLabel(step: WorkflowStep): string {
  return (
    step.name ??
    step.uses?.value.split('@')[0] ??
    step.run?.value.trim().split('\n')[0].slice(0, 60) ??
    `step ${step.index + 1}`
  );
}
