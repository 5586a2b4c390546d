/**
 * The glibc floor of a GitHub Release's assets, draft or published: which assets can hold Linux binaries, the policy
 * each is held to (the command line, glibc.assets patterns, glibc.policy), and one readiness-report row per asset
 * plus the Release's own (Linux binaries examined in all; skipped assets listed with the reason).
 */
export { checkReleaseAssets, releaseAssetChecks } from './check';
export { validateAssetPolicies, type AssetPolicy, type AssetPolicySources } from './policy';
export type { AssetResult, ReleaseAssetsDeps, ReleaseAssetsOutcome, ReleaseAssetsRequest } from './types';
