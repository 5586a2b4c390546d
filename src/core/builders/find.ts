import type { WorkflowJob, WorkflowModel, WorkflowStep } from '../lint/workflow/model';

/** A builder image a workflow builds only when its tag is missing: where, and its reference as written. */
export interface BuilderSite {
  file: string;
  line: number;
  job: string;
  step: WorkflowStep;
  /** The reference as written (`ghcr.io/o/builder:${{ steps.t.outputs.tag }}`). */
  written: string;
  /** What says "only when missing": the existence check's step or command. */
  guard: string;
  /** The workflow's own env (the job's and the step's are on them). */
  workflowEnv: Record<string, string>;
}

/** Commands that ask a registry whether a reference exists. */
const EXISTS =
  /\b(docker\s+manifest\s+inspect|docker\s+buildx\s+imagetools\s+inspect|docker\s+pull|skopeo\s+inspect|crane\s+(?:manifest|digest))\b/;
const BUILD = /\bdocker\s+(?:buildx\s+)?build\b/;

/**
 * Builder images built only when missing: a `docker build` / `docker buildx build` / docker/build-push-action step
 * whose tag holds an expression or a variable (the toolchain's hash or versions), guarded either by an `if:` on an
 * earlier step that asks the registry for the reference, or by that question in the same script (`... || docker
 * build`). Plain release builds (no existence check) are not builder images.
 */
export function findBuilders(model: WorkflowModel): BuilderSite[] {
  const out: BuilderSite[] = [];
  for (const job of model.jobs)
    for (const step of job.steps) {
      const written = builtReference(step);
      if (!written || !/\$\{\{|\$[A-Za-z_{]/.test(written)) continue;
      const guard = guardOf(job, step);
      if (guard)
        out.push({
          file: model.file,
          line: step.region.line,
          job: job.id,
          step,
          written,
          guard,
          workflowEnv: model.env,
        });
    }
  return out;
}

/** The first tag a build step writes. */
function builtReference(step: WorkflowStep): string | undefined {
  if (step.uses && /^docker\/build-push-action@/.test(step.uses.value))
    return step.with.tags?.value
      .split(/[\n,]/)
      .map((t) => t.trim())
      .find(Boolean);
  const script = step.run?.value;
  if (!script || !BUILD.test(script)) return undefined;
  const m = /(?:^|\s)(?:-t|--tag)(?:\s+|=)("[^"]+"|'[^']+'|\S+)/.exec(script.slice(script.search(BUILD)));
  return m?.[1].replace(/^["']|["']$/g, '');
}

/** What makes the build conditional on the image being missing, or undefined. */
function guardOf(job: WorkflowJob, step: WorkflowStep): string | undefined {
  const script = step.run?.value ?? '';
  if (EXISTS.test(script) && /\|\||\bif\s+!/.test(script)) return `${EXISTS.exec(script)![1]} in the same step`;
  const ids = [...(step.if ?? '').matchAll(/steps\.([\w-]+)\.outputs/g)].map((m) => m[1]);
  const asker = job.steps.find(
    (s) => s.index < step.index && s.id && ids.includes(s.id) && EXISTS.test(s.run?.value ?? ''),
  );
  return asker ? `step ${asker.id} (${EXISTS.exec(asker.run!.value)![1]}) in its if:` : undefined;
}
