import { checkError } from '../errors';
import {
  parseReference,
  platformMatches,
  type RegistryClient,
  isImageManifest,
  isIndex,
  splitIndex,
} from '../registry';
import { readLayers, type LayerSource, type PlatformImage } from './source';

/**
 * A registry image's platforms (attestation manifests left out), each with its config; read() streams the
 * layer blobs (a few at a time) and applies them in order. `wanted` limits the platforms; a wanted platform the
 * index lacks is a check failure.
 */
export async function registryPlatformImages(
  client: RegistryClient,
  ref: string,
  wanted: readonly string[],
  signal?: AbortSignal,
): Promise<PlatformImage[]> {
  const top = await client.getManifest(parseReference(ref), { signal });
  const digests: Array<{ platform?: string; digest: string }> = [];
  if (isIndex(top.json)) {
    const { platforms } = splitIndex(top.json);
    for (const p of platforms)
      if (!wanted.length || wanted.some((w) => platformMatches(p, w)))
        digests.push({ platform: p.platform, digest: p.digest });
    const absent = wanted.filter((w) => !platforms.some((p) => platformMatches(p, w)));
    if (absent.length)
      throw checkError(
        `${ref} has no ${absent.join(', ')} image.`,
        `It has: ${platforms.map((p) => p.platform).join(', ') || 'no platforms'}.`,
      );
  } else digests.push({ digest: top.digest });

  const parsed = parseReference(ref);
  return Promise.all(
    digests.map(async ({ platform, digest }) => {
      const { manifest, config } = await client.getImageConfig({ ...parsed, tag: undefined, digest }, undefined, {
        signal,
      });
      if (!isImageManifest(manifest.json)) throw checkError(`${ref}@${digest} is not an image manifest.`);
      const p =
        platform ?? [config.os ?? 'linux', config.architecture ?? 'unknown', config.variant].filter(Boolean).join('/');
      if (
        !platform &&
        wanted.length &&
        !wanted.some((w) =>
          platformMatches({ os: config.os ?? '', architecture: config.architecture ?? '', variant: config.variant }, w),
        )
      ) {
        throw checkError(`${ref} is a single ${p} image, not ${wanted.join(', ')}.`);
      }
      const layers: LayerSource[] = manifest.json.layers.map((l) => ({
        what: l.digest,
        compression: /gzip/.test(l.mediaType) ? 'gzip' : 'auto',
        open: async (readSignal) => {
          if (/zstd/.test(l.mediaType))
            throw checkError(
              `${ref} layer ${l.digest} is zstd-compressed, which the glibc check cannot read yet.`,
              'Push the image with gzip layers.',
            );
          return (await client.openBlob(parsed, l.digest, { signal: readSignal })).stream;
        },
      }));
      return {
        platform: p,
        source: ref,
        layerCount: layers.length,
        read: async (readSignal, options) => ({
          config,
          fs: await readLayers(ref, layers, readSignal, undefined, options?.maxFiles),
        }),
      } satisfies PlatformImage;
    }),
  );
}
