import type { Job, WorkflowRun } from '../../github';
import { checkResult, type CheckResult } from '../../report';

const FAILED = new Set(['failure', 'cancelled', 'timed_out', 'startup_failure', 'action_required']);

/**
 * The latest run of the release workflow as a row: a run that failed is a problem that names its first failing
 * job and step (the evidence carries their ids, so a face can open that step's log); no run is nothing-checked.
 */
export function releaseRunCheck(
  run: WorkflowRun | undefined,
  jobs: readonly Job[],
  workflow: string,
  why: string,
): CheckResult {
  const meta = { id: 'release-run', title: 'Latest release run' };
  if (!run)
    return checkResult({
      ...meta,
      examined: { count: 0, what: 'runs', lookedFor: `runs of ${workflow}` },
      findings: [],
      evidence: { workflow },
    });
  const job = jobs.find((j) => j.conclusion && FAILED.has(j.conclusion));
  const step = job?.steps.find((s) => s.conclusion && FAILED.has(s.conclusion));
  const done = run.status === 'completed';
  const failed = done && run.conclusion !== null && FAILED.has(run.conclusion);
  const where = job ? `; job "${job.name}"${step ? `, step ${step.number} "${step.name}"` : ''}` : '';
  return checkResult({
    ...meta,
    summary: `run #${run.runNumber} (${run.event}${run.branch ? ` on ${run.branch}` : ''}): ${done ? (run.conclusion ?? 'completed') : run.status}${failed ? where : ''}`,
    examined: { count: 1, what: 'runs', lookedFor: `runs of ${workflow}` },
    findings: failed
      ? [
          {
            severity: 'error',
            subject: `run #${run.runNumber}`,
            rule: 'release-run',
            message: `the latest release run #${run.runNumber} ended ${run.conclusion}${where}`,
          },
        ]
      : done
        ? []
        : [
            {
              severity: 'warning',
              subject: `run #${run.runNumber}`,
              message: `run #${run.runNumber} is ${run.status}`,
            },
          ],
    evidence: {
      workflow,
      picked: why,
      runId: run.id,
      url: run.url,
      jobId: job?.id,
      job: job?.name,
      step: step ? `${step.number} ${step.name}` : undefined,
    },
    next: failed
      ? [
          {
            text: step ? `Open the log of step "${step.name}", fix it, and re-run the failed jobs` : 'Open the run log',
            command: job ? `release-operator logs ${job.id} --job` : `release-operator logs ${run.id} --run`,
          },
        ]
      : undefined,
  });
}
