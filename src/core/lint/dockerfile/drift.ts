import { compareVersions, distroOf, type DistroRelease } from '../distro';
import { artifactOf, type Artifact } from './facts';
import { baseImage, copiesInto, type DockerInstruction, type DockerStage, type DockerfileModel } from './model';

export interface StageCopy {
  /** The stage whose base image the files were built on (the root of `source`'s FROM chain). */
  builder: DockerStage;
  /** The stage named in `COPY --from`. */
  source: DockerStage;
  runtime: DockerStage;
  copy: DockerInstruction;
  artifact: Artifact;
  from?: DistroRelease;
  to?: DistroRelease;
}

export interface Drift extends StageCopy {
  from: DistroRelease;
  to: DistroRelease;
  reason: 'newer-glibc' | 'glibc-into-musl' | 'glibc-into-none';
}

export function stageDistro(stage: DockerStage): DistroRelease | undefined {
  const base = baseImage(stage);
  return distroOf(base.name, base.tag);
}

/** Every `COPY --from=<stage>` with what it carries; the drift and pinning rules judge these. */
export function stageCopies(model: DockerfileModel): StageCopy[] {
  const out: StageCopy[] = [];
  for (const runtime of model.stages) {
    const to = stageDistro(runtime);
    for (const { source, copy } of copiesInto(model, runtime)) {
      let builder = source;
      while (builder.parent) builder = builder.parent;
      out.push({ builder, source, runtime, copy, artifact: artifactOf(source, copy), from: stageDistro(builder), to });
    }
  }
  return out;
}

/**
 * Copies of glibc-linked files into a stage on an older glibc, on musl, or on no C library at all. A builder
 * on an older glibc than its runtime is fine (glibc is backward compatible), and static binaries, musl builds
 * and web assets cannot drift. One entry per builder stage: the first runtime it breaks.
 */
export function findDrift(copies: StageCopy[]): Drift[] {
  const out: Drift[] = [];
  for (const c of copies) {
    if (out.some((d) => d.builder === c.builder)) continue;
    const { from, to } = c;
    if (!from || !to || from.libc !== 'glibc') continue;
    if (c.artifact.kind !== 'glibc-binary' && c.artifact.kind !== 'unknown') continue;
    const reason =
      to.libc === 'musl'
        ? 'glibc-into-musl'
        : to.libc === 'none'
          ? 'glibc-into-none'
          : compareVersions(from.glibc!, to.glibc!) > 0
            ? 'newer-glibc'
            : undefined;
    if (reason) out.push({ ...c, from, to, reason });
  }
  return out;
}
