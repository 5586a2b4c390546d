import { calleeOf, isReleaseCreation, releaseRegion, runsAfterFailure, stepLabel } from '../workflow/analysis';
import { WorkflowFacts } from '../workflow/facts';
import type { WorkflowJob } from '../workflow/model';
import type { RawFinding } from '../types';
import type { WorkflowRule } from './rule';

const MAX_WALKS = 16;

export const halfRelease: WorkflowRule = {
  id: 'RO-W002',
  kind: 'workflow',
  defaultSeverity: 'error',
  examines: 'steps that create a Release or tag',
  title: 'GitHub Release or git tag created without depending on the image push',
  explanation:
    'When the Release (or tag) does not wait for the push to succeed, a failed or cancelled push still leaves a published Release whose image does ' +
    'not exist: the "half release". Users follow the release notes to a tag that cannot be pulled, and re-running the workflow collides with the ' +
    'existing Release. Create the Release after the push, in a later step of the same job or in a job that `needs` the push job, without always(). ' +
    'Draft Releases are not published, so they are not reported.',
  check({ model, facts, repo, ops, examine }) {
    const publishing = new Set<WorkflowJob>(facts.publications().map((p) => p.step.job));
    // Jobs calling a reusable workflow of this repository that publishes count as pushing jobs too.
    for (const j of model.jobs) {
      const callee = calleeOf(j, repo);
      if (
        callee?.model &&
        callee.model !== model &&
        new WorkflowFacts(callee.model, repo, ops, 2).publications().length
      )
        publishing.add(j);
    }
    if (publishing.size === 0) return [];
    const pubs = facts.publications();
    const out: RawFinding[] = [];
    let walked = 0;
    for (const job of model.jobs) {
      const releases = job.steps.filter(isReleaseCreation);
      if (!releases.length) continue;
      // Each job that creates a Release costs one walk of the jobs it waits for. Real workflows have one or two;
      // past MAX_WALKS the rest are counted as not examined (so lint stays linear on hostile input) and said so.
      if (walked >= MAX_WALKS) {
        examine('steps that create a Release or tag, not examined (over the limit)', releases.length);
        continue;
      }
      walked++;
      const ups = facts.graph.upstreamSet(job);
      const sameJob = pubs.filter((p) => p.step.job === job);
      for (const step of releases) {
        examine('steps that create a Release or tag');
        const missing = [...publishing].filter((pj) => {
          if (pj === job)
            return (
              !sameJob.every((p) => p.step.index < step.index && !p.step.continueOnError) || runsAfterFailure(step.if)
            );
          return !ups.has(pj) || runsAfterFailure(job.if) || runsAfterFailure(step.if);
        });
        if (missing.length === 0) continue;
        const shown = missing.slice(0, 5);
        const names =
          shown.map((j) => `"${j.id}"`).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
        const how = missing.includes(job)
          ? 'it comes before the push, runs after a failure, or the push may fail without stopping the job'
          : runsAfterFailure(job.if) || runsAfterFailure(step.if)
            ? 'its if: lets it run after the push failed'
            : `job "${job.id}" does not need ${names}`;
        out.push({
          message: `"${stepLabel(step)}" creates a Release or tag without depending on the push in ${names}: ${how}.`,
          region: releaseRegion(model, step),
          evidence: [
            { message: 'creates the Release or tag', region: releaseRegion(model, step) },
            ...shown.map((j) => {
              const p = pubs.find((x) => x.step.job === j);
              return p
                ? { message: `publishes the image (${p.how})`, region: p.region }
                : {
                    message: `publishes the image through ${j.uses?.value ?? 'a reusable workflow'}`,
                    region: j.idRegion,
                  };
            }),
          ],
          suppressLine: step.region.line,
        });
      }
    }
    return out;
  },
};
