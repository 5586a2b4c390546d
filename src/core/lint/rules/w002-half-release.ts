import {
  isReleaseCreation,
  pushes,
  pushingCalls,
  releaseRegion,
  runsAfterFailure,
  stepLabel,
  upstream,
} from '../workflow/analysis';
import type { WorkflowJob } from '../workflow/model';
import type { WorkflowRule } from './rule';

export const halfRelease: WorkflowRule = {
  id: 'RO-W002',
  kind: 'workflow',
  defaultSeverity: 'error',
  title: 'GitHub Release or git tag created without depending on the image push',
  explanation:
    'When the Release (or tag) does not wait for the push to succeed, a failed or cancelled push still leaves a published Release whose image does ' +
    'not exist: the "half release". Users follow the release notes to a tag that cannot be pulled, and re-running the workflow collides with the ' +
    'existing Release. Create the Release after the push, in a later step of the same job or in a job that `needs` the push job, without always().',
  check({ model, siblings }) {
    const pushSteps = pushes(model);
    const pushJobs = new Set<WorkflowJob>([...pushSteps.map((p) => p.step.job), ...pushingCalls(model, siblings)]);
    if (pushJobs.size === 0) return [];
    return model.jobs.flatMap((job) =>
      job.steps.filter(isReleaseCreation).flatMap((step) => {
        const sameJob = pushSteps.filter((p) => p.step.job === job);
        const ups = upstream(model, job);
        const missing = [...pushJobs].filter((pj) => {
          if (pj === job)
            return (
              !sameJob.every((p) => p.step.index < step.index && !p.step.continueOnError) || runsAfterFailure(step.if)
            );
          return !ups.has(pj) || runsAfterFailure(job.if) || runsAfterFailure(step.if);
        });
        if (missing.length === 0) return [];
        const names = missing.map((j) => `"${j.id}"`).join(', ');
        const how = missing.includes(job)
          ? 'it comes before the push, runs after a failure, or the push may fail without stopping the job'
          : runsAfterFailure(job.if) || runsAfterFailure(step.if)
            ? 'its if: lets it run after the push failed'
            : `job "${job.id}" does not need ${names}`;
        return [
          {
            message: `"${stepLabel(step)}" creates a Release or tag without depending on the push in ${names}: ${how}.`,
            region: releaseRegion(model, step),
          },
        ];
      }),
    );
  },
};
