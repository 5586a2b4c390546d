import semver from '../version/semver';
import type { ReleaseOperatorConfig } from '../config/schema';
import { describeError } from '../errors';
import { versionOfImageTag } from '../version/plan';
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

export interface RegistryState {
  repository: string;
  /** Moving tags first, then versions newest first, then the rest; at most `limit`. */
  tags: TagState[];
  /** How many tags the repository has in all. */
  totalTags: number;
  /** Set when the registry could not be read: status still shows the local facts. */
  error?: string;
}

const MOVING = new Set(['latest']);

/** The image tags with their platforms, for status. Never throws for registry trouble: it fills `error`. */
export async function registryState(
  image: string,
  config: ReleaseOperatorConfig,
  client: RegistryClient,
  options: CallOptions & { limit?: number } = {},
): Promise<RegistryState> {
  try {
    const all = await client.listTags(image, options);
    const p = config.tags.imagePrefix;
    const moving = (t: string) =>
      MOVING.has(t) || new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d+(\\.\\d+)?$`).test(t);
    const version = (t: string) => versionOfImageTag(t, p);
    const ordered = [
      ...all.filter(moving).sort(),
      ...all.filter((t) => !moving(t) && version(t)).sort((a, b) => semver.rcompare(version(a)!, version(b)!)),
      ...all.filter((t) => !moving(t) && !version(t)).sort(),
    ].slice(0, options.limit ?? 30);
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
    return { repository: image, tags, totalTags: all.length };
  } catch (e) {
    return { repository: image, tags: [], totalTags: 0, error: describeError(e) };
  }
}
