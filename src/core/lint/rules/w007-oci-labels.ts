import { pushes } from '../workflow/analysis';
import type { WorkflowRule } from './rule';

const REQUIRED = ['version', 'revision', 'source'];

export const ociLabels: WorkflowRule = {
  id: 'RO-W007',
  kind: 'workflow',
  defaultSeverity: 'warning',
  title: 'Published image without OCI labels for version, revision and source',
  explanation:
    'Without org.opencontainers.image.version, .revision and .source, nobody can tell from a running image which release and commit it is, ' +
    "GitHub cannot link the package to its repository, and a rollback or incident review has to guess. Pass docker/metadata-action's labels " +
    'output (labels: ${{ steps.meta.outputs.labels }}) or --label flags to the build. If the Dockerfile sets them itself, turn this rule off.',
  check({ model }) {
    return pushes(model).flatMap((p) => {
      if (p.kind === 'index') return [];
      let text = '';
      if (p.kind === 'build-push-action') {
        const labels = p.step.with.labels?.value ?? '';
        if (/steps\.[\w-]+\.outputs\.labels/.test(labels)) return [];
        text = labels;
      } else {
        // The labels are set where the image is built: any build command of the same job up to the push.
        text = p.step.job.steps
          .slice(0, p.step.index + 1)
          .map((s) => s.run?.value ?? '')
          .filter((r) => /\b(docker|podman)\s+(buildx\s+)?build\b/.test(r))
          .join('\n');
        if (/steps\.[\w-]+\.outputs\.labels/.test(text)) return [];
      }
      const missing = REQUIRED.filter((k) => !text.includes(`org.opencontainers.image.${k}`));
      if (missing.length === 0) return [];
      return [
        {
          message: `The image pushed by job "${p.step.job.id}" has no org.opencontainers.image.${missing.join(', .')} label${missing.length > 1 ? 's' : ''}.`,
          region: p.region,
        },
      ];
    });
  },
};
