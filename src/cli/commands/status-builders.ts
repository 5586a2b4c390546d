import type { ReleaseOperatorConfig } from '../../core/config/schema';
import type { BuilderStatus } from '../../core/builders';
import { neutralize as n } from '../../core/neutralize';
import type { RegistryClient } from '../../core/registry';
import type { CliContext } from '../framework';

/**
 * `status`'s builder images: for each builder a workflow builds only when missing, its reference for the current
 * toolchain, whether the registry has it, and (when it does) the glibc each platform of it provides.
 */
export async function builders(
  ctx: CliContext,
  root: string,
  config: ReleaseOperatorConfig,
  registry: RegistryClient,
): Promise<{ text: string; data: BuilderStatus[] }> {
  const { builderStatus } = await import('../../core/builders');
  const data = await builderStatus(root, {
    head: (ref) => registry.headManifest(ref, { signal: ctx.signal }),
    // The glibc engine loads only when a builder image exists.
    glibcOf: async (ref) => {
      const [{ checkGlibc }, { runProcess }] = await Promise.all([
        import('../../core/glibc'),
        import('../../core/process/run'),
      ]);
      const r = await checkGlibc(
        { target: `docker://${ref}`, paths: [] },
        { runner: runProcess, dockerPath: config.dockerPath, registry, logger: ctx.logger, signal: ctx.signal },
      );
      return Object.fromEntries(r.platforms.filter((p) => p.provided).map((p) => [p.platform, p.provided!]));
    },
  });
  if (!data.length) return { text: '', data };
  const lines = ['', 'Builder images (built only when missing, tagged by the toolchain)'];
  for (const b of data) {
    lines.push(`  ${n(b.at)}  ${n(b.reference ?? b.written)}`);
    lines.push(`    ${stateText(b)}`);
  }
  return { text: lines.join('\n'), data };
}

function stateText(b: BuilderStatus): string {
  switch (b.state) {
    case 'exists': {
      const glibc = b.glibc && Object.keys(b.glibc).length ? Object.entries(b.glibc) : undefined;
      const floor = glibc
        ? `glibc ${glibc.map(([p, v]) => `${v} (${p})`).join(', ')}: binaries built in it need no newer`
        : `glibc not read${b.glibcError ? `: ${n(b.glibcError)}` : ' (no libc.so.6 found)'}`;
      return `exists ${b.digest?.slice(0, 19)}; ${floor}`;
    }
    case 'missing':
      return `missing: ${n(b.reason ?? '')}`;
    case 'nothing-checked':
      return `nothing checked: ${n(b.reason ?? '')}`;
    case 'environment':
      return `could not ask the registry: ${n(b.reason ?? '')}`;
  }
}
