import { calleeOf, stepLabel } from '../workflow/analysis';
import { WorkflowFacts } from '../workflow/facts';
import type { WorkflowJob, WorkflowModel } from '../workflow/model';
import type { Confidence, RawFinding } from '../types';
import type { WorkflowContext, WorkflowRule } from './rule';

/** Callers of a reusable workflow among the repository's workflows: the jobs whose `uses:` names this file. */
function callersOf(model: WorkflowModel, ctx: WorkflowContext): Array<{ caller: WorkflowModel; job: WorkflowJob }> {
  const out: Array<{ caller: WorkflowModel; job: WorkflowJob }> = [];
  for (const f of ctx.repo.workflowFiles()) {
    if (f === model.file) continue;
    const other = ctx.repo.workflow(f);
    if (!other || other.syntaxError) continue;
    for (const job of other.jobs) {
      ctx.ops.operations++;
      if (calleeOf(job, ctx.repo)?.path === model.file) out.push({ caller: other, job });
    }
  }
  return out;
}

export const pushBeforeSmoke: WorkflowRule = {
  id: 'RO-W001',
  kind: 'workflow',
  defaultSeverity: 'error',
  examines: 'publishing pushes',
  title: 'Image published before it is smoke-tested',
  explanation:
    'A push with tags is a publication: once the tag is in the registry, pulls and `latest` users get it. An image that crashes at start (missing library, ' +
    'glibc drift, wrong entrypoint, arm64 binary that was never run) reaches users before anything ran it. Build with load: true (or push by digest), ' +
    'run the image (`docker run IMAGE --help`, a health check, `release-operator smoke`, compose or testcontainers suites), and publish the tags only after ' +
    'that passed. Pushes by digest, pushes to a registry that lives only in the job, and re-tags of an image already published are not publications.',
  check(ctx) {
    const { model, facts } = ctx;
    const out: RawFinding[] = [];
    const onlyCalled =
      model.triggers.has('workflow_call') &&
      [...model.triggers.keys()].every((t) => t === 'workflow_call' || t === 'pull_request');
    let callers: ReturnType<typeof callersOf> | undefined;
    // Jobs that run the image; none of them is upstream of a job reported below (that job would be fine).
    const smokeJobs = model.jobs.filter((j) => facts.smokesOf(j).length > 0).slice(0, 2);
    for (const p of facts.publications()) {
      ctx.examine('publishing pushes');
      const job = p.step.job;
      if (facts.smokeBefore(p.step) || facts.smokeUpstream(job)) continue;
      let confidence: Confidence = 'proven';
      const notes: string[] = [];
      const evidence: RawFinding['evidence'] = [{ message: `publishes: ${p.how}`, region: p.region }];
      const unseen = facts.unseenBefore(p.step);
      if (unseen) {
        confidence = 'likely';
        notes.push(`${unseen}, so a test there cannot be seen`);
      }
      if (onlyCalled) {
        callers ??= callersOf(model, ctx);
        if (callers.length === 0) {
          confidence = 'likely';
          notes.push('this reusable workflow has no caller in this repository, and a caller elsewhere may test first');
        } else {
          const tested = callers.find(({ caller, job: cj }) => {
            const cf = new WorkflowFacts(caller, ctx.repo, ctx.ops);
            const callerJob = cf.graph.byId.get(cj.id)!;
            return Boolean(cf.smokeUpstream(callerJob));
          });
          if (tested) continue;
          for (const { caller, job: cj } of callers)
            evidence.push({
              message: `called by job "${cj.id}", which has no smoke test before it`,
              region: cj.idRegion,
              file: caller.file,
            });
        }
      }
      const later = facts.smokeAfter(p.step);
      const elsewhere = smokeJobs.find((j) => j !== job);
      if (later?.step)
        evidence.push({ message: `runs the image only after the push: ${later.how}`, region: later.step.region });
      else if (elsewhere)
        evidence.push({
          message: `smoke-tests (${facts.smokesOf(elsewhere)[0].how}) but "${job.id}" does not need it`,
          region: elsewhere.idRegion,
        });
      const detail = later?.step
        ? `the step "${stepLabel(later.step)}" runs the image only after it`
        : elsewhere
          ? `job "${elsewhere.id}" runs the image, but "${job.id}" does not wait for it`
          : 'no step before it runs the image';
      out.push({
        message: `Job "${job.id}" publishes the image (${p.how}) before any smoke test: ${detail}${notes.length ? ` (${notes.join('; ')})` : ''}.`,
        region: p.region,
        confidence,
        evidence,
        suppressLine: p.step.region.line,
      });
    }
    return out;
  },
};
