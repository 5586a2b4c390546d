import { describeRelease } from '../distro';
import { findDrift } from '../dockerfile/drift';
import { pinFix } from '../dockerfile/pin';
import type { DockerfileRule } from './rule';

export const glibcDrift: DockerfileRule = {
  id: 'RO-D001',
  kind: 'dockerfile',
  defaultSeverity: 'error',
  title: 'Builder stage is on a newer distribution release than the runtime it feeds',
  explanation:
    'Binaries link against the C library of the stage that builds them. Built on Debian trixie (glibc 2.41) or Ubuntu 24.04 (2.39) and copied into ' +
    'debian:bookworm-slim (2.36), they fail at start with "version `GLIBC_2.38\' not found"; copied into Alpine (musl) they fail with "not found" ' +
    "because the glibc loader is missing. The build passes and the broken image ships. Pin the builder to the runtime's release.",
  check({ model }) {
    return findDrift(model).map((d) => {
      const b = d.builder.from;
      const why =
        d.reason === 'glibc-into-musl'
          ? 'a glibc build does not run on musl'
          : `binaries linked there can need glibc symbols newer than ${d.to.glibc} and then fail at start with "version \`GLIBC_2.xx' not found"`;
      const pinned = d.from.pinned ? '' : ' (the tag does not name a release: this is what it resolves to today)';
      return {
        message: `${b.resolved} is ${describeRelease(d.from)}${pinned}, but its files are copied (line ${d.copy.region.line}) into ${d.runtime.from.resolved}, ${describeRelease(d.to)}: ${why}.`,
        region: b.region,
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
