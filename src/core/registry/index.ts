/**
 * The registry engine's public API. Import from here ('core/registry'), not from the files behind it.
 *
 *   const client = new RegistryClient({ insecureRegistries: config.insecureRegistries, logger });
 *   const info = await client.inspect('ghcr.io/owner/name:v1.2.3');   // platforms, attestations, labels
 *   const { config } = await client.getImageConfig(ref, 'linux/arm64'); // one platform's image config
 *   const layer = await client.openBlob(ref, digest);                  // verified stream of a layer
 *
 * Errors are ReleaseOperatorErrors (see client.ts for which kind when).
 */
export {
  RegistryClient,
  nextLink,
  layersSize,
  type RegistryClientOptions,
  type RefInput,
  type RepoInput,
  type CallOptions,
  type InspectOptions,
  type BlobStream,
} from './client';
export {
  parseReference,
  parseRepository,
  formatReference,
  repositoryName,
  isLoopbackRegistry,
  namesRegistry,
  registryBaseUrl,
  DOCKER_HUB,
  shortDigest,
  type ImageReference,
} from './reference';
export {
  defaultCredentials,
  credentialHint,
  type Credentials,
  type CredentialSource,
  type DefaultCredentialOptions,
} from './credentials';
export { parseChallenge, type Challenge } from './challenge';
export {
  digestOf,
  parseManifest,
  splitIndex,
  isAttestation,
  isIndex,
  isImageManifest,
  platformMatches,
  platformString,
} from './manifest';
export { contentCache } from './cache';
export * from './types';
export {
  missingPlatforms,
  platformsCheck,
  labelsCheck,
  tagSchemeCheck,
  commitTagFinding,
  problemsOf,
  LABEL_VERSION,
  LABEL_REVISION,
  LABEL_SOURCE,
  type RegistryProblem,
} from './checks';
/** A digest shortened for people (sha256:0123456789ab). */
export { short } from './checks';
export { rollback, rollbackCommand, type RollbackPlan, type RollbackResult } from './rollback';
export { registryState, type RegistryState, type TagState } from './state';
export { openImageTags, type ImageOpen, type OpenOptions } from './open';
export {
  listTagDigests,
  type PackageVersionsSource,
  type TagDigestsOptions,
  type TagDigestsResult,
} from './tag-source';
export { DiskCache, userCacheDir, type DiskCacheStats } from './disk-cache';
export { registryTrust, type RegistryTrust } from './registry-trust';
export { verifyReference, type VerifyReport } from './verify';
export { registryClientFromConfig } from './from-config';
export {
  discoverReferrers,
  referrersTag,
  cosignTag,
  EMPTY_CONFIG,
  type Referrer,
  type ReferrerDiscovery,
  type ReferrerSource,
  type CosignSuffix,
} from './referrers';
