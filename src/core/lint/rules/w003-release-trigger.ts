import { pushes, pushingCalls } from '../workflow/analysis';
import type { WorkflowModel } from '../workflow/model';
import type { WorkflowRule } from './rule';
import { isMap, isScalar, isSeq } from 'yaml';

const publishes = (m: WorkflowModel, siblings: WorkflowModel[]) =>
  pushes(m).length > 0 || pushingCalls(m, siblings).length > 0;
const PUBLISHING_TRIGGERS = ['push', 'workflow_dispatch', 'schedule', 'repository_dispatch', 'workflow_run'];

/** release trigger limited to types other than published/released/created is not a publish-on-release path. */
function onPublished(model: WorkflowModel): boolean {
  const t = model.triggers.get('release');
  if (!t) return false;
  const types = isMap(t.config)
    ? t.config.items.find((p) => isScalar(p.key) && p.key.value === 'types')?.value
    : undefined;
  if (!types) return true;
  const list = isSeq(types)
    ? types.items.map((i) => String(isScalar(i) ? i.value : ''))
    : [String(isScalar(types) ? types.value : '')];
  return list.some((x) => ['published', 'released', 'created'].includes(x));
}

export const releaseTrigger: WorkflowRule = {
  id: 'RO-W003',
  kind: 'workflow',
  defaultSeverity: 'warning',
  title: 'Image published on "release: published" beside another publishing path',
  explanation:
    'Two paths publish the same image: the release event and a tag push (or a dispatch, or another workflow). They race for the same tags, ' +
    'so `latest` ends up pointing at whichever finished last, and a Release created by a workflow with GITHUB_TOKEN does not trigger ' +
    '"release: published" at all, so that path silently never runs. Keep one publishing path, image first, then the Release.',
  check({ model, siblings }) {
    if (!onPublished(model) || !publishes(model, siblings)) return [];
    const own = [...model.triggers.keys()].filter((k) => PUBLISHING_TRIGGERS.includes(k));
    const others = siblings.filter(
      (s) =>
        s !== model && !s.syntaxError && publishes(s, siblings) && !onPublished(s) && !s.triggers.has('workflow_call'),
    );
    if (own.length === 0 && others.length === 0) return [];
    const beside = [
      ...own.map((k) => `the "${k}" trigger of this workflow`),
      ...others.map((s) => s.file.split('/').pop()!),
    ].join(', ');
    return [
      {
        message: `This workflow publishes images on "release: published" and also through ${beside}.`,
        region: model.triggers.get('release')!.region,
      },
    ];
  },
};
