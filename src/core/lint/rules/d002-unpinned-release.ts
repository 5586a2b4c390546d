import { describeRelease } from '../distro';
import { findDrift, stageDistro } from '../dockerfile/drift';
import { copiesInto } from '../dockerfile/model';
import { pinFix } from '../dockerfile/pin';
import type { DockerfileRule } from './rule';

export const unpinnedRelease: DockerfileRule = {
  id: 'RO-D002',
  kind: 'dockerfile',
  defaultSeverity: 'warning',
  title: 'Base image tag does not pin its distribution release in a build that copies binaries between stages',
  explanation:
    'Tags like rust:1.91, golang:1.25, node:22 or debian:stable move to the next Debian release when it ships (trixie replaced bookworm in August 2025). ' +
    'A builder and a runtime that matched yesterday drift apart on a rebuild with no change in the repository, and binaries stop starting ' +
    '(glibc drift). Name the release in the tag (rust:1.91-bookworm, debian:bookworm-slim).',
  check({ model }) {
    const copying = model.stages.filter((s) => copiesInto(model, s).length > 0);
    if (model.stages.length < 2 || copying.length === 0) return [];
    const involved = new Set(copying.flatMap((s) => [s, ...copiesInto(model, s).map((c) => c.source)]));
    const drifted = new Set(findDrift(model).map((d) => d.builder));
    return model.stages.flatMap((stage) => {
      if (stage.parent || drifted.has(stage) || !involved.has(stage) || stage.from.digest) return [];
      const d = stageDistro(stage);
      if (!d || d.pinned || d.family === 'none') return [];
      return [
        {
          message: `${stage.from.resolved} does not name its release; today it is ${describeRelease(d)} and it will move when the next release ships.`,
          region: stage.from.region,
          fix: pinFix(stage, d, `Pin to ${d.release}`),
        },
      ];
    });
  },
};
