import type { ReleaseOperatorConfig } from '../config/schema';
import { versionOfImageTag } from '../version/plan';
import { checkLabels, checkPlatforms, checkShaTag, checkTagScheme, type RegistryProblem } from './checks';
import type { CallOptions, RefInput, RegistryClient } from './client';
import { formatReference, parseReference, repositoryName } from './reference';
import type { ImageInfo } from './types';

export interface VerifyReport {
  reference: string;
  digest: string;
  version?: string;
  platforms: string[];
  problems: RegistryProblem[];
}

/** Required platforms, tag scheme (moving tags and the commit tag) and labels of one published reference. */
export async function verifyReference(
  client: RegistryClient,
  ref: RefInput,
  config: ReleaseOperatorConfig,
  options: CallOptions & { requiredPlatforms?: string[] } = {},
): Promise<VerifyReport> {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  const info: ImageInfo = await client.inspect(r, options);
  const version = r.tag ? versionOfImageTag(r.tag, config.tags.imagePrefix) : undefined;
  const tags = await client.tagDigests(r, options);
  const problems = [
    ...checkPlatforms(info, options.requiredPlatforms ?? config.requiredPlatforms),
    ...checkTagScheme(repositoryName(r), tags, config.tags),
    ...(version ? checkShaTag(info, tags, config.tags) : []),
    ...checkLabels(info, version),
  ];
  return {
    reference: formatReference(r),
    digest: info.digest,
    version,
    platforms: info.platforms.map((p) => p.platform),
    problems,
  };
}
