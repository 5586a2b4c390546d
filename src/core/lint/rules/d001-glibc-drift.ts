import { describeRelease } from '../distro';
import { findDrift } from '../dockerfile/drift';
import { pinFix } from '../dockerfile/pin';
import type { DockerfileRule } from './rule';

export const glibcDrift: DockerfileRule = {
  id: 'RO-D001',
  kind: 'dockerfile',
  defaultSeverity: 'error',
  examines: 'COPY --from between stages',
  title: 'A binary built on a newer C library is copied into an older (or another) one',
  explanation:
    'Binaries link against the C library of the stage that builds them. Built on Debian trixie (glibc 2.41) or Ubuntu 24.04 (2.39) and copied into ' +
    'debian:bookworm-slim (2.36), they fail at start with "version `GLIBC_2.38\' not found"; copied into Alpine (musl) or scratch they fail with "not found" ' +
    "because the glibc loader is missing. The build passes and the broken image ships. Pin the builder to the runtime's release, or build statically " +
    '(a musl target, CGO_ENABLED=0). Static binaries, musl builds and web assets are not reported: they cannot drift.',
  check({ copies, examine }) {
    examine('COPY --from between stages', copies.length);
    return findDrift(copies).map((d) => {
      const b = d.builder.from;
      const why =
        d.reason === 'glibc-into-musl'
          ? 'a glibc-linked binary does not start on musl ("not found": no glibc loader)'
          : d.reason === 'glibc-into-none'
            ? 'the runtime has no C library at all, so a dynamically linked binary cannot start'
            : `it can need glibc symbols newer than ${d.to.glibc} and then fails at start with "version \`GLIBC_2.xx' not found"`;
      const pinned = d.from.pinned ? '' : ' (the tag does not name a release: this is what it resolves to today)';
      const built = d.artifact.built ? ` (built on line ${d.artifact.built.region.line})` : '';
      return {
        message:
          `${d.artifact.what}${built} comes from ${b.resolved}, ${describeRelease(d.from)}${pinned}, and is ` +
          `copied (line ${d.copy.region.line}) into ${d.runtime.from.resolved}, ${describeRelease(d.to)}: ` +
          `${why}.`,
        region: b.region,
        confidence: d.artifact.confidence,
        evidence: [
          { message: `builder: ${b.resolved} is ${describeRelease(d.from)}`, region: b.region },
          ...(d.artifact.built ? [{ message: `builds ${d.artifact.what}`, region: d.artifact.built.region }] : []),
          { message: `copies it into ${d.runtime.name ?? d.runtime.from.resolved}`, region: d.copy.region },
          { message: `runtime: ${d.runtime.from.resolved} is ${describeRelease(d.to)}`, region: d.runtime.from.region },
        ],
        suppressLine: d.builder.fromRegion.line,
        fix:
          d.reason === 'newer-glibc'
            ? pinFix(
                d.builder,
                d.to,
                `Pin the builder to ${d.to.family === 'debian' ? d.to.release : `${d.to.family} ${d.to.release}`}`,
              )
            : undefined,
      };
    });
  },
};
