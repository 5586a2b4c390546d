import { usageError } from '../errors';
import {
  isAttestation,
  isIndex,
  parseReference,
  repositoryName,
  type Descriptor,
  type ImageReference,
  type RegistryClient,
} from '../registry';
import { platformString } from '../registry';
import type { IndexEntry, SourcePlan } from './types';

/**
 * The platforms of each source, without pulling a layer: an index gives its platform descriptors as they are, each
 * with the attestation manifests whose vnd.docker.reference.digest names it; a single manifest gets its platform
 * from its config (a few hundred bytes).
 */
export async function resolveSources(
  registry: RegistryClient,
  target: Pick<ImageReference, 'registry' | 'repository'>,
  sources: readonly string[],
  signal?: AbortSignal,
): Promise<{ sources: SourcePlan[]; entries: IndexEntry[] }> {
  if (!sources.length)
    throw usageError(
      'Nothing to assemble.',
      'Pass the per-platform pushes: --source REPO@sha256:... or --source REPO:candidate-RUN-amd64 (one per platform).',
    );
  const plans: SourcePlan[] = [];
  const entries: IndexEntry[] = [];
  for (const text of sources) {
    const ref = parseReference(text);
    if (ref.registry !== target.registry || ref.repository !== target.repository)
      throw usageError(
        `${text} is not in ${repositoryName(target)}.`,
        'Push every platform to the repository you release (push-by-digest does), so the index can refer to it without copying layers.',
      );
    const m = await registry.getManifest(ref, { signal });
    const found: IndexEntry[] = [];
    if (isIndex(m.json)) {
      const all = m.json.manifests;
      for (const d of all.filter((x) => !isAttestation(x))) {
        if (!d.platform)
          throw usageError(
            `${text} lists ${d.digest} without a platform.`,
            'Push each platform with its platform set.',
          );
        found.push({
          platform: platformString(d.platform),
          descriptor: d,
          attestations: all.filter(
            (a) => isAttestation(a) && a.annotations?.['vnd.docker.reference.digest'] === d.digest,
          ),
          source: text,
        });
      }
    } else {
      const { config } = await registry.getImageConfig({ ...ref, tag: undefined, digest: m.digest }, undefined, {
        signal,
      });
      const platform = {
        os: config.os ?? 'unknown',
        architecture: config.architecture ?? 'unknown',
        ...(config.variant ? { variant: config.variant } : {}),
      };
      const descriptor: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, platform };
      found.push({ platform: platformString(platform), descriptor, attestations: [], source: text });
    }
    for (const e of found) {
      const twin = entries.find((x) => x.platform === e.platform);
      if (twin && twin.descriptor.digest !== e.descriptor.digest)
        throw usageError(
          `Two different ${e.platform} images: ${twin.descriptor.digest} (${twin.source}) and ${e.descriptor.digest} (${text}).`,
          'Give one image per platform.',
        );
      if (!twin) entries.push(e);
    }
    plans.push({
      reference: text,
      digest: m.digest,
      tag: ref.digest ? undefined : ref.tag,
      platforms: found.map((e) => e.platform),
    });
  }
  return { sources: plans, entries };
}
