import { instructionsOf } from '../dockerfile/entrypoint';
import { targetStage } from '../dockerfile/facts';
import type { RawFinding } from '../types';
import type { WorkflowRule } from './rule';

const REQUIRED = ['version', 'revision', 'source'];

export const ociLabels: WorkflowRule = {
  id: 'RO-W007',
  kind: 'workflow',
  defaultSeverity: 'info',
  examines: 'pushed builds',
  title: 'Published image without OCI labels for version, revision and source',
  explanation:
    'Without org.opencontainers.image.version, .revision and .source, nobody can tell from a running image which release and commit it is, ' +
    "GitHub cannot link the package to its repository, and Release Operator's audit cannot check the image against the release. Pass " +
    "docker/metadata-action's labels output (labels: ${{ steps.meta.outputs.labels }}) or --label flags to the build, or set them with LABEL " +
    'in the Dockerfile. Labels set in either place are recognised; when the Dockerfile cannot be read nothing is reported.',
  check({ facts, repo, examine }) {
    const out: RawFinding[] = [];
    for (const p of facts.pushes) {
      if ((p.effect !== 'publish' && p.effect !== 'digest') || p.kind === 'index' || p.kind === 'retag') continue;
      examine('pushed builds');
      const step = p.step;
      let text = '';
      if (p.kind === 'build-push-action' || p.kind === 'bake') {
        const labels = `${step.with.labels?.value ?? ''}\n${step.with.set?.value ?? ''}\n${step.with.files?.value ?? ''}`;
        if (/steps\.[\w-]+\.outputs\.(labels|bake-file)|outputs\.labels/.test(labels)) continue;
        text = labels;
      } else {
        text = step.job.steps
          .slice(0, step.index + 1)
          .map((s) => s.run?.value ?? '')
          .filter((r) => /\b(docker|podman)\s+(buildx\s+)?build\b/.test(r))
          .join('\n');
        if (/steps\.[\w-]+\.outputs\.labels/.test(text)) continue;
      }
      // Labels the Dockerfile sets itself count too; a Dockerfile that was not read leaves the question open.
      if (!p.builds?.length) continue;
      let unread = false;
      for (const b of p.builds) {
        const df = repo.dockerfile(b.dockerfile);
        const target = df && targetStage(df, b.target);
        if (!target) unread = true;
        else
          text +=
            '\n' +
            instructionsOf(target)
              .filter((i) => i.keyword === 'LABEL')
              .map((i) => i.args)
              .join('\n');
      }
      if (unread) continue;
      const missing = REQUIRED.filter((k) => !text.includes(`org.opencontainers.image.${k}`));
      if (missing.length === 0) continue;
      out.push({
        message:
          `The image pushed by job "${step.job.id}" gets no org.opencontainers.image.${missing.join(', .')} ` +
          `label${missing.length > 1 ? 's' : ''} from the workflow or from ` +
          `${p.builds.map((b) => b.dockerfile).join(', ')}.`,
        region: p.region,
        evidence: [{ message: `pushes: ${p.how}`, region: p.region }],
        suppressLine: step.region.line,
      });
    }
    return out;
  },
};
