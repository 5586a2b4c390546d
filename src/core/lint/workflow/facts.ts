import type { RepoView } from '../repo';
import { calleeOf, pushesOf, runsImage, unreadLocalAction, type ImagePush } from './analysis';
import { JobGraph, type OpCounter } from './graph';
import type { WorkflowJob, WorkflowModel, WorkflowStep } from './model';

export interface SmokeRef {
  job: WorkflowJob;
  step?: WorkflowStep;
  /** How it runs the image, in words. */
  how: string;
}

/**
 * One workflow's facts, computed once and shared by every workflow rule: the job graph, every push with its
 * effect, and where images are run. Each job and step is visited a constant number of times.
 */
export class WorkflowFacts {
  readonly graph: JobGraph;
  readonly pushes: ImagePush[] = [];
  private readonly smokes = new Map<WorkflowJob, SmokeRef[]>();

  constructor(
    readonly model: WorkflowModel,
    readonly repo: RepoView | undefined,
    readonly ops: OpCounter,
    depth = 0,
  ) {
    this.graph = new JobGraph(model, ops);
    for (const job of model.jobs) {
      const found: SmokeRef[] = [];
      for (const step of job.steps) {
        ops.operations++;
        this.pushes.push(...pushesOf(model, step, repo));
        const how = runsImage(step, repo);
        if (how) found.push({ job, step, how });
      }
      if (!found.length && /smoke/i.test(`${job.id} ${job.name ?? ''}`)) found.push({ job, how: `job "${job.id}"` });
      if (!found.length && depth < 2) {
        const callee = calleeOf(job, repo);
        if (callee?.model && callee.model !== model) {
          const inner = new WorkflowFacts(callee.model, repo, ops, depth + 1);
          const s = inner.anySmoke();
          if (s) found.push({ job, how: `${s.how} in ${callee.path} (job "${s.job.id}")` });
        }
      }
      this.smokes.set(job, found);
    }
    // `imagetools create $SOURCES`: a merge of fresh builds when digests were pushed before it, else a retag.
    for (const p of this.pushes) {
      if (!p.dynamicSources) continue;
      const job = p.step.job;
      const digestBefore =
        this.pushes.some(
          (q) => q.effect === 'digest' && !q.dynamicSources && q.step.job === job && q.step.index < p.step.index,
        ) ||
        this.graph.anyUpstream(job, 'digest-push', (j) =>
          this.pushes.some((q) => q.step.job === j && q.effect === 'digest'),
        );
      p.effect = digestBefore ? 'publish' : 'retag';
      p.kind = digestBefore ? 'index' : 'retag';
      p.how = digestBefore
        ? 'docker buildx imagetools create from the pushed digests'
        : 'docker buildx imagetools create';
    }
  }

  /** Pushes that put tags in front of users. */
  publications(): ImagePush[] {
    return this.pushes.filter((p) => p.effect === 'publish');
  }

  pushesOfJob(job: WorkflowJob): ImagePush[] {
    return this.pushes.filter((p) => p.step.job === job);
  }

  smokesOf(job: WorkflowJob): SmokeRef[] {
    return this.smokes.get(job) ?? [];
  }

  anySmoke(): SmokeRef | undefined {
    for (const list of this.smokes.values()) if (list.length) return list[0];
    return undefined;
  }

  /** A smoke test in the same job before `step`. */
  smokeBefore(step: WorkflowStep): SmokeRef | undefined {
    return this.smokesOf(step.job).find((s) => s.step && s.step.index < step.index);
  }

  /** A smoke test in the same job after `step`. */
  smokeAfter(step: WorkflowStep): SmokeRef | undefined {
    return this.smokesOf(step.job).find((s) => !s.step || s.step.index > step.index);
  }

  smokeUpstream(job: WorkflowJob): SmokeRef | undefined {
    if (!this.graph.anyUpstream(job, 'smoke', (j) => this.smokesOf(j).length > 0)) return undefined;
    const j = this.graph.findUpstream(job, (x) => this.smokesOf(x).length > 0);
    return j ? this.smokesOf(j)[0] : undefined;
  }

  /**
   * Something before `step` that could run the image where this lint cannot see: a job upstream calling a
   * reusable workflow of another repository (or one that was not read), or a local action that was not read.
   */
  unseenBefore(step: WorkflowStep): string | undefined {
    const unseenJob = (j: WorkflowJob) => {
      const c = calleeOf(j, this.repo);
      return Boolean(c && (c.external || !c.model)) || j.steps.some((s) => unreadLocalAction(s, this.repo));
    };
    const local = step.job.steps.slice(0, step.index).find((s) => unreadLocalAction(s, this.repo));
    if (local) return `the local action ${local.uses!.value} was not read`;
    if (this.graph.anyUpstream(step.job, 'unseen', unseenJob)) {
      const j = this.graph.findUpstream(step.job, unseenJob);
      const what = j?.uses?.value ?? j?.steps.find((s) => unreadLocalAction(s, this.repo))?.uses?.value;
      return j ? `job "${j.id}" uses ${what}, which was not read` : 'an upstream job was not read';
    }
    return undefined;
  }
}
