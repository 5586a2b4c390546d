import { isScalar } from 'yaml';
import { pushes } from '../workflow/analysis';
import type { Fix } from '../types';
import type { WorkflowRule } from './rule';

export const requiredPlatforms: WorkflowRule = {
  id: 'RO-W004',
  kind: 'workflow',
  defaultSeverity: 'error',
  title: 'Published platforms miss a required platform',
  explanation:
    'The release publishes an index without a platform the project promises (requiredPlatforms, by default linux/amd64 and linux/arm64). ' +
    'Users on that platform pull the tag and get "no matching manifest for linux/arm64", or worse, an amd64 image under emulation. ' +
    'Add the platform to the build (platforms: linux/amd64,linux/arm64, or a matrix entry).',
  check({ model, options }) {
    const all = pushes(model).filter((p) => p.kind !== 'index');
    if (all.length === 0 || all.some((p) => p.platforms === undefined)) return []; // an expression hides them: cannot judge
    const published = new Set(all.flatMap((p) => p.platforms!));
    const missing = options.requiredPlatforms.filter((r) => !published.has(r));
    if (missing.length === 0) return [];
    const first = all.find((p) => p.platformsAt) ?? all[0];
    const at = first.platformsAt;
    let fix: Fix | undefined;
    // Append to a literal `platforms:` input; the scalar's value ends before any closing quote.
    if (
      at &&
      first.kind === 'build-push-action' &&
      isScalar(at.node) &&
      /^(PLAIN|QUOTE_DOUBLE|QUOTE_SINGLE)$/.test(String(at.node.type)) &&
      !/\$\{\{/.test(at.value)
    ) {
      const end = at.node.type === 'PLAIN' ? at.region.endColumn : at.region.endColumn - 1;
      fix = {
        title: `Add ${missing.join(', ')} to platforms`,
        edits: [
          {
            region: { line: at.region.endLine, column: end, endLine: at.region.endLine, endColumn: end },
            newText: missing.map((m) => `,${m}`).join(''),
          },
        ],
      };
    }
    return [
      {
        message: `The workflow publishes ${[...published].sort().join(', ') || 'no known platform'} but not ${missing.join(', ')} (required platforms: ${options.requiredPlatforms.join(', ')}).`,
        region: at && first.kind === 'build-push-action' ? at.region : first.region,
        fix,
      },
    ];
  },
};
