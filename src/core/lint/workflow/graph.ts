import type { WorkflowJob, WorkflowModel } from './model';

/** Counts the engine's walking steps, so that a test can show lint time grows linearly with jobs and steps. */
export interface OpCounter {
  operations: number;
}

/**
 * The jobs of one workflow indexed once: by id, in topological order of `needs`, with the jobs that need each
 * job. Questions about what runs before or after a job are answered by one pass over that order (memoized per
 * question), so a workflow of N jobs costs O(N + needs) per question instead of comparing jobs with jobs.
 */
export class JobGraph {
  readonly byId = new Map<string, WorkflowJob>();
  /** Jobs before the jobs that need them; jobs on a `needs` cycle (GitHub refuses those) are left out. */
  readonly order: WorkflowJob[] = [];
  private readonly needers = new Map<WorkflowJob, WorkflowJob[]>();
  private readonly memo = new Map<string, Map<WorkflowJob, boolean>>();
  private readonly index = new Map<WorkflowJob, number>();
  private stamp = 0;
  private readonly seen: number[] = [];

  constructor(
    readonly model: WorkflowModel,
    private readonly ops: OpCounter = { operations: 0 },
  ) {
    model.jobs.forEach((j, i) => {
      this.byId.set(j.id, j);
      this.index.set(j, i);
      this.seen.push(0);
    });
    const pending = new Map<WorkflowJob, number>();
    for (const j of model.jobs) {
      let n = 0;
      for (const id of j.needs) {
        this.ops.operations++;
        const dep = this.byId.get(id);
        if (!dep) continue;
        n++;
        const list = this.needers.get(dep);
        if (list) list.push(j);
        else this.needers.set(dep, [j]);
      }
      pending.set(j, n);
    }
    const queue = model.jobs.filter((j) => pending.get(j) === 0);
    for (let i = 0; i < queue.length; i++) {
      const j = queue[i];
      this.order.push(j);
      for (const n of this.needers.get(j) ?? []) {
        this.ops.operations++;
        const left = pending.get(n)! - 1;
        pending.set(n, left);
        if (left === 0) queue.push(n);
      }
    }
  }

  /** The jobs `job` names in `needs` that exist. */
  needsOf(job: WorkflowJob): WorkflowJob[] {
    return job.needs.flatMap((id) => this.byId.get(id) ?? []);
  }

  /** Jobs that name `job` in `needs`. */
  neededBy(job: WorkflowJob): WorkflowJob[] {
    return this.needers.get(job) ?? [];
  }

  /** Does any job that `job` waits for (directly or through others) satisfy `test`? Memoized under `key`. */
  anyUpstream(job: WorkflowJob, key: string, test: (j: WorkflowJob) => boolean): boolean {
    const table = this.table(`up:${key}`, () => {
      const t = new Map<WorkflowJob, boolean>();
      for (const j of this.order) {
        let v = false;
        for (const d of this.needsOf(j)) {
          this.ops.operations++;
          if (test(d) || t.get(d)) {
            v = true;
            break;
          }
        }
        t.set(j, v);
      }
      return t;
    });
    return table.get(job) ?? false;
  }

  /** The first job upstream of `job` that satisfies `test` (for evidence), by a walk that stops there. */
  findUpstream(job: WorkflowJob, test: (j: WorkflowJob) => boolean): WorkflowJob | undefined {
    const stamp = ++this.stamp;
    const stack = this.needsOf(job);
    while (stack.length) {
      const j = stack.pop()!;
      const i = this.index.get(j)!;
      if (this.seen[i] === stamp) continue;
      this.seen[i] = stamp;
      this.ops.operations++;
      if (test(j)) return j;
      stack.push(...this.needsOf(j));
    }
    return undefined;
  }

  /** Does any job that waits for `job` (directly or through others) satisfy `test`? Memoized under `key`. */
  anyDownstream(job: WorkflowJob, key: string, test: (j: WorkflowJob) => boolean): boolean {
    const table = this.table(`down:${key}`, () => {
      const t = new Map<WorkflowJob, boolean>();
      for (let k = this.order.length - 1; k >= 0; k--) {
        const j = this.order[k];
        let v = false;
        for (const n of this.neededBy(j)) {
          this.ops.operations++;
          if (test(n) || t.get(n)) {
            v = true;
            break;
          }
        }
        t.set(j, v);
      }
      return t;
    });
    return table.get(job) ?? false;
  }

  /**
   * The jobs `from` waits for, as a set made by one walk (O(jobs + needs)); callers ask it once per job that
   * creates a Release, never once per pair of jobs.
   */
  upstreamSet(from: WorkflowJob): Set<WorkflowJob> {
    const out = new Set<WorkflowJob>();
    const stack = this.needsOf(from);
    while (stack.length) {
      const j = stack.pop()!;
      this.ops.operations++;
      if (out.has(j)) continue;
      out.add(j);
      stack.push(...this.needsOf(j));
    }
    return out;
  }

  private table(key: string, build: () => Map<WorkflowJob, boolean>): Map<WorkflowJob, boolean> {
    let t = this.memo.get(key);
    if (!t) this.memo.set(key, (t = build()));
    return t;
  }
}
