import type { ReleaseOperatorConfig } from '../config/schema';
import { readinessReport, totalExamined, type ReadinessReport } from '../report';
import { versionOfImageTag } from '../version/order';
import { resolveScheme } from '../version/scheme';
import { labelsCheck, platformsCheck, problemsOf, tagSchemeCheck, type RegistryProblem } from './checks';
import type { CallOptions, RefInput, RegistryClient } from './client';
import { formatReference, parseReference, repositoryName } from './reference';
import type { ImageInfo } from './types';

/** verify's answer: the readiness report of its three checks, with the facts `verify --json` always had. */
export interface VerifyReport extends ReadinessReport {
  reference: string;
  digest: string;
  version?: string;
  platforms: string[];
  /** Things examined by all checks together; 0: nothing was checked. */
  checked: number;
  /** The error findings, one line each (as before the report model). */
  problems: RegistryProblem[];
}

/**
 * Required platforms, tag scheme (moving tags and the commit tag) and labels of one published reference. The
 * image tag prefix is the configured one, else inferred from the repository's tags, and the report says which.
 */
export async function verifyReference(
  client: RegistryClient,
  ref: RefInput,
  config: ReleaseOperatorConfig,
  options: CallOptions & { requiredPlatforms?: string[]; now?: () => Date } = {},
): Promise<VerifyReport> {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  const [info, tags]: [ImageInfo, Awaited<ReturnType<RegistryClient['tagDigests']>>] = await Promise.all([
    client.inspect(r, options),
    client.tagDigests(r, options),
  ]);
  const repository = repositoryName(r);
  const scheme = resolveScheme(config.tags, { imageTags: tags.map((t) => t.tag) });
  const version = r.tag ? versionOfImageTag(r.tag, scheme.imagePrefix) : undefined;
  const checks = [
    platformsCheck(info, options.requiredPlatforms ?? config.requiredPlatforms),
    tagSchemeCheck(repository, tags, scheme, { info: version ? info : undefined }),
    labelsCheck(info, version),
  ];
  return {
    ...readinessReport(checks, { image: repository, version, basis: scheme.basis, now: options.now }),
    reference: formatReference(r),
    digest: info.digest,
    version,
    platforms: info.platforms.map((p) => p.platform),
    checked: totalExamined(checks),
    problems: problemsOf(checks),
  };
}
