import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { calleeOf } from '../workflow/analysis';
import { WorkflowFacts } from '../workflow/facts';
import type { WorkflowModel } from '../workflow/model';
import type { RawFinding } from '../types';
import type { WorkflowRule } from './rule';

/** release trigger limited to types other than published/released/created is not a publish-on-release path. */
function onPublished(model: WorkflowModel): boolean {
  const t = model.triggers.get('release');
  if (!t) return false;
  const types = isMap(t.config) ? (t.config.get('types', true) as Node | undefined) : undefined;
  if (!types) return true;
  const list = isSeq(types)
    ? types.items.map((i) => String(isScalar(i) ? i.value : ''))
    : [String(isScalar(types) ? types.value : '')];
  return list.some((x) => ['published', 'released', 'created'].includes(x));
}

/** A push trigger that fires for tags: `push: tags: [...]`, or `push` with no branch or tag filter at all. */
function onTagPush(model: WorkflowModel): boolean {
  const t = model.triggers.get('push');
  if (!t) return false;
  if (!isMap(t.config)) return true;
  const has = (k: string) => t.config && isMap(t.config) && t.config.has(k);
  if (has('tags') || has('tags-ignore')) return true;
  return !has('branches') && !has('branches-ignore');
}

export const releaseTrigger: WorkflowRule = {
  id: 'RO-W003',
  kind: 'workflow',
  defaultSeverity: 'warning',
  examines: 'workflows that publish on release',
  title: 'Image published both on "release: published" and on the tag push of the same version',
  explanation:
    'Two paths publish the same version: the release event and the push of its git tag. They race for the same tags (`v1.2.3`, `latest` ' +
    'ends up pointing at whichever finished last), and a Release created by a workflow with GITHUB_TOKEN does not trigger "release: published" ' +
    'at all, so that path silently never runs. Keep one publishing path for a version, image first, then the Release. Branch pushes that publish ' +
    'branch tags (edge, main) are a different path and are not reported.',
  check({ model, facts, repo, ops, examine }) {
    const publishes = (m: WorkflowModel) =>
      (m === model ? facts : new WorkflowFacts(m, repo, ops, 2)).publications().length > 0 ||
      m.jobs.some((j) => {
        const c = calleeOf(j, repo);
        return Boolean(c?.model && c.model !== m && new WorkflowFacts(c.model, repo, ops, 2).publications().length);
      });
    if (!onPublished(model) || !publishes(model)) return [];
    examine('workflows that publish on release');
    const beside: string[] = [];
    const evidence: NonNullable<RawFinding['evidence']> = [];
    if (onTagPush(model)) {
      beside.push('the tag push trigger of this workflow');
      evidence.push({ message: 'also publishes on a tag push', region: model.triggers.get('push')!.region });
    }
    for (const f of repo.workflowFiles()) {
      const other = repo.workflow(f);
      if (!other || other === model || other.file === model.file || other.syntaxError) continue;
      if (onPublished(other) || !onTagPush(other) || !publishes(other)) continue;
      beside.push(f.split('/').pop()!);
      evidence.push({
        message: 'publishes on a tag push',
        region: other.triggers.get('push')!.region,
        file: other.file,
      });
    }
    if (!beside.length) return [];
    const region = model.triggers.get('release')!.region;
    return [
      {
        message: `This workflow publishes images on "release: published" and the same version also through ${beside.join(', ')}.`,
        region,
        evidence: [{ message: 'publishes on release: published', region }, ...evidence],
      },
    ];
  },
};
