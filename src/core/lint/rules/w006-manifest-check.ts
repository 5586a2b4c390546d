import { isManifestCheck, pushes, upstream } from '../workflow/analysis';
import type { WorkflowRule } from './rule';

export const manifestCheck: WorkflowRule = {
  id: 'RO-W006',
  kind: 'workflow',
  defaultSeverity: 'warning',
  title: "No check of the pushed manifest's platforms after a multi-platform push",
  explanation:
    'A multi-platform push can succeed with a platform missing (a matrix leg skipped, a merge step given the wrong digests, a cache export that ' +
    'replaced the index), and BuildKit attestations appear as "unknown/unknown" entries. Nothing fails until an arm64 user pulls. Read the index back ' +
    'after the push (`docker buildx imagetools inspect`, `release-operator inspect`) and compare its platforms with the required ones.',
  check({ model }) {
    return pushes(model).flatMap((p) => {
      if (!p.multiPlatform) return [];
      const job = p.step.job;
      const after =
        job.steps.slice(p.step.index + 1).some(isManifestCheck) ||
        model.jobs.some((j) => upstream(model, j).has(job) && j.steps.some(isManifestCheck));
      if (after) return [];
      return [
        {
          message: `Job "${job.id}" pushes a multi-platform image and nothing reads the pushed manifest's platforms back afterwards.`,
          region: p.region,
        },
      ];
    });
  },
};
