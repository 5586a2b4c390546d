/**
 * BuildKit's attestation manifests: one per platform, in the index beside the platform it describes (the registry
 * client folds them under it), each layer an in-toto statement (SLSA provenance, SPDX SBOM) with its predicate type
 * in the `in-toto.io/predicate-type` annotation. Every statement must name the platform's digest as its subject.
 */
import type { CallOptions, RegistryClient } from '../registry';
import { isImageManifest } from '../registry';
import type { ImageReference } from '../registry';
import type { PlatformInfo } from '../registry';
import { IN_TOTO_PAYLOAD, parseStatement } from './intoto';
import { isProvenance, summarizeProvenance } from './provenance';
import { isSbom, summarizeSbom } from './sbom';
import type { ProvenanceSummary, SbomSummary } from './types';

const PREDICATE_ANNOTATION = 'in-toto.io/predicate-type';

export interface BuildKitAttestations {
  provenance?: ProvenanceSummary;
  sbom?: SbomSummary;
  /** Other predicate types found, by name. */
  other: string[];
  problems: string[];
}

export async function readBuildKitAttestations(
  client: RegistryClient,
  repo: Pick<ImageReference, 'registry' | 'repository'>,
  platform: PlatformInfo,
  options: CallOptions = {},
): Promise<BuildKitAttestations> {
  const out: BuildKitAttestations = { other: [], problems: [] };
  for (const a of platform.attestations) {
    const m = await client.getManifest({ ...repo, digest: a.digest }, options);
    if (!isImageManifest(m.json)) {
      out.problems.push(`The attestation ${a.digest.slice(0, 19)} is not an image manifest.`);
      continue;
    }
    for (const layer of m.json.layers) {
      if (layer.mediaType !== IN_TOTO_PAYLOAD) continue;
      const declared = layer.annotations?.[PREDICATE_ANNOTATION];
      const statement = parseStatement(await client.getBlob(repo, layer.digest, options));
      if (typeof statement === 'string') {
        out.problems.push(
          `The ${declared ?? 'in-toto'} layer ${layer.digest.slice(0, 19)} of ${platform.platform}: ${statement}.`,
        );
        continue;
      }
      if (!statement.subjects.includes(platform.digest)) {
        out.problems.push(
          `The ${statement.predicateType} statement attached to ${platform.platform} names ` +
            `${statement.subjects.map((s) => s.slice(0, 19)).join(', ') || 'no subject'}, not the platform's ` +
            `manifest ${platform.digest.slice(0, 19)}.`,
        );
        continue;
      }
      if (declared && declared !== statement.predicateType)
        out.problems.push(
          `The layer annotation says ${declared} but the statement is ${statement.predicateType} (${platform.platform}).`,
        );
      if (isProvenance(statement.predicateType)) {
        out.provenance ??= summarizeProvenance(statement.predicateType, statement.predicate);
      } else if (isSbom(statement.predicateType)) {
        const sbom = summarizeSbom(statement.predicate);
        if (sbom) out.sbom ??= sbom;
        else out.problems.push(`The SBOM of ${platform.platform} is neither SPDX nor CycloneDX JSON.`);
      } else out.other.push(statement.predicateType);
    }
  }
  return out;
}
