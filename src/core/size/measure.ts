import {
  type CallOptions,
  type RefInput,
  type RegistryClient,
  layersSize,
  isImageManifest,
  isIndex,
  platformString,
  splitIndex,
  formatReference,
  parseReference,
  repositoryName,
  type ImageConfig,
  type ManifestResult,
} from '../registry';
import { checkError } from '../errors';
import { layerInstructions } from './history';
import type { ImageSize, PlatformSize } from './types';

/**
 * Compressed size per platform from the manifests, and each layer's instruction from its config's history: no
 * layer is downloaded. Attestation manifests are not platforms and are not counted.
 */
export async function measureImage(
  client: RegistryClient,
  ref: RefInput,
  options: CallOptions = {},
): Promise<ImageSize> {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  const top = await client.getManifest(r, options);
  const entries = isIndex(top.json)
    ? splitIndex(top.json).platforms.map((p) => ({ platform: p.platform, digest: p.digest }))
    : [{ platform: undefined, digest: top.digest }];
  const platforms = await Promise.all(
    entries.map(async (e): Promise<PlatformSize> => {
      const m: ManifestResult =
        e.digest === top.digest ? top : await client.getManifest({ ...r, tag: undefined, digest: e.digest }, options);
      if (!isImageManifest(m.json))
        throw checkError(
          `${formatReference(r)}: ${e.platform ?? 'the image'} is not an image manifest.`,
          'Re-push the image.',
        );
      const config = JSON.parse(
        (await client.getBlob(r, m.json.config.digest, options)).toString('utf8'),
      ) as ImageConfig;
      const { instructions, note } = layerInstructions(config, m.json.layers);
      return {
        platform:
          e.platform ??
          platformString({
            os: config.os ?? 'unknown',
            architecture: config.architecture ?? 'unknown',
            variant: config.variant,
          }),
        digest: m.digest,
        compressed: layersSize(m.json),
        layers: m.json.layers.map((l, index) => ({
          digest: l.digest,
          size: l.size,
          mediaType: l.mediaType,
          index,
          instruction: instructions[index],
        })),
        historyNote: note,
      };
    }),
  );
  return {
    reference: formatReference(r),
    repository: repositoryName(r),
    tag: r.tag,
    digest: top.digest,
    platforms: platforms.sort((a, b) => a.platform.localeCompare(b.platform, 'en')),
  };
}
