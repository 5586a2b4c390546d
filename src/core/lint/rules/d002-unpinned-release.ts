import { describeRelease } from '../distro';
import { findDrift, stageDistro } from '../dockerfile/drift';
import type { DockerStage } from '../dockerfile/model';
import { pinFix } from '../dockerfile/pin';
import type { RawFinding } from '../types';
import type { DockerfileRule } from './rule';

export const unpinnedRelease: DockerfileRule = {
  id: 'RO-D002',
  kind: 'dockerfile',
  defaultSeverity: 'warning',
  examines: 'stages on either side of a glibc-linked copy',
  title: 'Base image tag does not pin its distribution release, and a glibc-linked binary crosses stages',
  explanation:
    'Tags like rust:1.91, golang:1.25, node:22 or debian:stable move to the next Debian release when it ships (trixie replaced bookworm in August 2025). ' +
    'A builder and a runtime that matched yesterday drift apart on a rebuild with no change in the repository, and binaries stop starting ' +
    '(glibc drift). Name the release in the tag (rust:1.91-bookworm, debian:bookworm-slim). Only builds that copy a dynamically linked ' +
    'binary between stages are reported: static binaries, musl builds and web assets do not care which release a tag moves to.',
  check({ copies, examine }) {
    const relevant = copies.filter((c) => c.artifact.kind === 'glibc-binary' && c.from?.libc === 'glibc');
    const drifted = new Set(findDrift(copies).map((d) => d.builder));
    const seen = new Set<DockerStage>();
    const out: RawFinding[] = [];
    for (const c of relevant) {
      for (const [stage, role] of [
        [c.builder, 'builder'],
        [c.runtime, 'runtime'],
      ] as const) {
        let root = stage;
        while (root.parent) root = root.parent;
        if (seen.has(root)) continue;
        seen.add(root);
        examine('stages on either side of a glibc-linked copy');
        if (drifted.has(root) || root.from.digest) continue;
        const d = stageDistro(root);
        if (!d || d.pinned || d.family === 'none' || d.libc !== 'glibc') continue;
        out.push({
          message:
            `${root.from.resolved} does not name its release; today it is ${describeRelease(d)} and it moves ` +
            `when the next release ships, while ${c.artifact.what} is copied between it and ` +
            `${role === 'builder' ? c.runtime.from.resolved : c.builder.from.resolved} (line ` +
            `${c.copy.region.line}).`,
          region: root.from.region,
          confidence: c.artifact.confidence,
          evidence: [
            {
              message: `${role}: ${root.from.resolved} resolves to ${describeRelease(d)} today`,
              region: root.from.region,
            },
            ...(c.artifact.built ? [{ message: `builds ${c.artifact.what}`, region: c.artifact.built.region }] : []),
            { message: 'copies it across stages', region: c.copy.region },
          ],
          suppressLine: root.fromRegion.line,
          fix: pinFix(root, d, `Pin to ${d.release}`),
        });
      }
    }
    return out;
  },
};
