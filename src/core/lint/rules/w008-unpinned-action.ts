import type { Located } from '../workflow/model';
import type { WorkflowRule } from './rule';

const FIRST_PARTY = new Set(['actions', 'github']);

export const unpinnedAction: WorkflowRule = {
  id: 'RO-W008',
  kind: 'workflow',
  defaultSeverity: 'info',
  examines: 'uses: references',
  title: 'Third-party action not pinned to a commit SHA',
  explanation:
    "A tag like @v4 can be moved by whoever controls the action's repository. The release job holds the registry credentials and a token that " +
    'can write Releases: a hijacked tag (as with tj-actions/changed-files in March 2025) runs attacker code with them. Pin third-party actions ' +
    "to a full commit SHA and keep the version in a comment. Local actions (./...) and this repository's own reusable workflows " +
    '(owner/name/.github/workflows/x.yml@ref) have no third party who could move them, and are not reported.',
  check({ model, options, examine }) {
    const uses: Located<string>[] = model.jobs.flatMap((j) => [
      ...(j.uses ? [j.uses] : []),
      ...j.steps.flatMap((s) => (s.uses ? [s.uses] : [])),
    ]);
    examine('uses: references', uses.length);
    const self = options.repository?.toLowerCase();
    return uses.flatMap((u) => {
      const v = u.value.trim();
      if (v.startsWith('./') || v.startsWith('docker://')) return [];
      const [path, ref] = v.split('@');
      const owner = path.split('/')[0].toLowerCase();
      const ownerRepo = path.split('/').slice(0, 2).join('/').toLowerCase();
      if (FIRST_PARTY.has(owner) || /^[0-9a-f]{40}$/.test(ref ?? '') || (self && ownerRepo === self)) return [];
      return [
        {
          message: `${path} is used at "${ref ?? '(no ref)'}", which its owner can move.`,
          region: u.region,
          evidence: [{ message: `uses ${v}`, region: u.region }],
        },
      ];
    });
  },
};
