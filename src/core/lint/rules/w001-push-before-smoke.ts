import { isSmoke, isSmokeJob, pushes, stepLabel, upstream } from '../workflow/analysis';
import type { WorkflowRule } from './rule';

export const pushBeforeSmoke: WorkflowRule = {
  id: 'RO-W001',
  kind: 'workflow',
  defaultSeverity: 'error',
  title: 'Image pushed before it is smoke-tested',
  explanation:
    'A push is a publication: once the tag is in the registry, pulls and `latest` users get it. An image that crashes at start (missing library, ' +
    'glibc drift, wrong entrypoint, arm64 binary that was never run) reaches users before anything ran it. Build with load: true (or per platform), ' +
    'run a smoke step (`docker run IMAGE --help`, a health check, `release-operator smoke`), and push only after it passed.',
  check({ model }) {
    return pushes(model).flatMap((p) => {
      const job = p.step.job;
      const before = job.steps.slice(0, p.step.index).some(isSmoke) || [...upstream(model, job)].some(isSmokeJob);
      if (before) return [];
      const later = job.steps.slice(p.step.index + 1).find(isSmoke);
      const elsewhere = model.jobs.find((j) => j !== job && isSmokeJob(j));
      const detail = later
        ? `the smoke step "${stepLabel(later)}" runs after it`
        : elsewhere
          ? `job "${elsewhere.id}" smoke-tests, but "${job.id}" does not wait for it`
          : 'no step in this workflow runs the image';
      return [
        { message: `Job "${job.id}" pushes the image (${p.kind}) before any smoke test: ${detail}.`, region: p.region },
      ];
    });
  },
};
