import type { ReleaseOperatorConfig } from '../config/schema';
import { describeError } from '../errors';
import { sortImageTags } from '../version/order';
import { imageTagScheme, type ImageTagScheme } from '../version/scheme';
import type { RegistryClient } from './client';
import type { CallOptions } from './client';

/** One image tag as status shows it. */
export interface TagState {
  tag: string;
  digest: string;
  kind: 'index' | 'manifest';
  platforms: string[];
  attestations: number;
}

/**
 * What status shows of the registry; from every tag (not only those shown): the image prefix, its basis, the
 * versions.
 */
export interface RegistryState extends Partial<ImageTagScheme> {
  repository: string;
  /** `latest`, the other moving tags, versions newest first, then the rest (core/version/order); at most `limit`. */
  tags: TagState[];
  /** How many tags the repository has in all. */
  totalTags: number;
  /** Set when the registry could not be read: status still shows the local facts. */
  error?: string;
}

/** The image tags with their platforms, for status. Never throws for registry trouble: it fills `error`. */
export async function registryState(
  image: string,
  config: ReleaseOperatorConfig,
  client: RegistryClient,
  options: CallOptions & { limit?: number } = {},
): Promise<RegistryState> {
  try {
    const all = await client.listTags(image, options);
    const scheme = imageTagScheme(config.tags, all);
    const ordered = sortImageTags(all, scheme.imagePrefix).slice(0, options.limit ?? 30);
    const tags = await Promise.all(
      ordered.map(async (tag) => {
        const info = await client.inspect(`${image}:${tag}`, { ...options, labels: false });
        const attestations = info.attestations.length + info.platforms.reduce((n, p) => n + p.attestations.length, 0);
        return {
          tag,
          digest: info.digest,
          kind: info.kind,
          platforms: info.platforms.map((p) => p.platform),
          attestations,
        };
      }),
    );
    return { repository: image, tags, totalTags: all.length, ...scheme };
  } catch (e) {
    return { repository: image, tags: [], totalTags: 0, error: describeError(e) };
  }
}
