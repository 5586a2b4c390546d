import { compareVersions, distroOf, type DistroRelease } from '../distro';
import { baseImage, copiesInto, type DockerInstruction, type DockerStage, type DockerfileModel } from './model';

export interface Drift {
  builder: DockerStage;
  runtime: DockerStage;
  copy: DockerInstruction;
  from: DistroRelease;
  to: DistroRelease;
  reason: 'newer-glibc' | 'glibc-into-musl';
}

export function stageDistro(stage: DockerStage): DistroRelease | undefined {
  const base = baseImage(stage);
  return distroOf(base.name, base.tag);
}

/**
 * Builder stages whose files land in a stage on an older glibc, or on musl. A builder on an older glibc
 * than its runtime is fine (glibc is backward compatible), so only this direction is drift.
 * One entry per builder stage: the first runtime it feeds.
 */
export function findDrift(model: DockerfileModel): Drift[] {
  const out: Drift[] = [];
  for (const runtime of model.stages) {
    const to = stageDistro(runtime);
    if (!to) continue;
    for (const { source, copy } of copiesInto(model, runtime)) {
      let builder = source;
      while (builder.parent) builder = builder.parent;
      if (out.some((d) => d.builder === builder)) continue;
      const from = stageDistro(builder);
      if (!from || from.libc !== 'glibc') continue;
      if (to.libc === 'musl') out.push({ builder, runtime, copy, from, to, reason: 'glibc-into-musl' });
      else if (to.libc === 'glibc' && compareVersions(from.glibc!, to.glibc!) > 0)
        out.push({ builder, runtime, copy, from, to, reason: 'newer-glibc' });
    }
  }
  return out;
}
