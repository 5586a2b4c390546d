import { isScalar } from 'yaml';
import { normalizePlatform } from '../platform';
import type { Confidence, Fix } from '../types';
import type { WorkflowRule } from './rule';

export const requiredPlatforms: WorkflowRule = {
  id: 'RO-W004',
  kind: 'workflow',
  defaultSeverity: 'error',
  examines: 'image builds that are pushed',
  title: 'Published platforms miss a required platform',
  explanation:
    'The release publishes an index without a platform the project promises (requiredPlatforms, by default linux/amd64 and linux/arm64). ' +
    'Users on that platform pull the tag and get "no matching manifest for linux/arm64", or worse, an amd64 image under emulation. ' +
    'Add the platform to the build (platforms: linux/amd64,linux/arm64, or a matrix entry). Platforms are compared as the OCI image index ' +
    'means them (linux/arm64/v8 is linux/arm64, linux/arm is linux/arm/v7). When requiredPlatforms is only the default and the workflow ' +
    'builds a single platform, the project may mean to ship just that one: the finding is then information.',
  check({ facts, options, examine }) {
    const all = facts.pushes.filter(
      (p) => (p.effect === 'publish' || p.effect === 'digest') && p.kind !== 'index' && p.kind !== 'retag',
    );
    examine('image builds that are pushed', all.length);
    if (all.length === 0 || all.some((p) => p.platforms === undefined)) return []; // an expression hides them: cannot judge
    const published = new Set(all.flatMap((p) => p.platforms!.map(normalizePlatform)));
    const required = options.requiredPlatforms.map(normalizePlatform);
    const missing = required.filter((r) => !published.has(r));
    if (missing.length === 0) return [];
    const first = all.find((p) => p.platformsAt) ?? all[0];
    const at = first.platformsAt;
    let confidence: Confidence = 'proven';
    let note = '';
    if (options.requiredPlatformsBasis !== 'configured' && published.size < 2) {
      confidence = 'possible';
      note =
        ' The required platforms are the default; if this project ships only what it builds, set "requiredPlatforms" in release-operator.json.';
    }
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
    const region = at && first.kind === 'build-push-action' ? at.region : first.region;
    return [
      {
        message:
          `The workflow publishes ${[...published].sort().join(', ') || 'no known platform'} but not ` +
          `${missing.join(', ')} (required platforms: ${options.requiredPlatforms.join(', ')}).${note}`,
        region,
        confidence,
        evidence: all.map((p) => ({
          message: `builds ${p.platforms!.join(', ')} (${p.how})`,
          region: p.platformsAt?.region ?? p.region,
        })),
        suppressLine: first.step.region.line,
        fix,
      },
    ];
  },
};
