import { isManifestCheck } from '../workflow/analysis';
import type { WorkflowRule } from './rule';

export const manifestCheck: WorkflowRule = {
  id: 'RO-W006',
  kind: 'workflow',
  defaultSeverity: 'info',
  examines: 'indexes assembled from separately pushed images',
  title: 'Index assembled from per-platform pushes and never read back',
  explanation:
    'When an index is put together from images pushed separately (imagetools create from digests, docker manifest push), a matrix leg that was ' +
    'skipped or failed leaves a platform out and the merge still succeeds. Nothing fails until a user on that platform pulls. Reading the index ' +
    'back (`docker buildx imagetools inspect`, `release-operator manifest --require-platforms`) catches it. A single multi-platform build ' +
    'cannot lose a platform this way, so it is not reported.',
  check({ facts, examine }) {
    return facts.publications().flatMap((p) => {
      if (p.kind !== 'index') return [];
      examine('indexes assembled from separately pushed images');
      const job = p.step.job;
      const after =
        job.steps.slice(p.step.index + 1).some(isManifestCheck) ||
        facts.graph.anyDownstream(job, 'manifest-check', (j) => j.steps.some(isManifestCheck));
      if (after) return [];
      return [
        {
          message: `Job "${job.id}" assembles an index (${p.how}) and nothing reads its platforms back afterwards.`,
          region: p.region,
          evidence: [{ message: `assembles the index: ${p.how}`, region: p.region }],
          suppressLine: p.step.region.line,
        },
      ];
    });
  },
};
