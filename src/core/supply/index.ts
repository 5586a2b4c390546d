/**
 * Supply chain, per platform: provenance and SBOM read and cross-checked with git, signatures and GitHub
 * attestations found and verified.
 *
 *   const trust = loadTrust({ trustedRoot, publicKeys, baseDir: repoRoot, maxAgeDays });
 *   const report = await gatherSupplyChain({ client, ref, config, trust, repo, gitTag, github, search });
 *   const rows = supplyChainChecks(report, { requirement: config.supplyChain.postPush });  // CheckResult[]
 * The post-push gate stage calls postPushSupplyChainChecks({ client, ref, config, root, repo, gitTag, github,
 * requireReleaseWorkflowSignature }) -> { checks, requirement: 'required' | 'advisory' | 'off', report }.
 */
export { gatherSupplyChain, type GatherOptions } from './gather';
export { supplyChainChecks, type Requirement, type SupplyChainCheckOptions } from './checks';
export { postPushSupplyChainChecks, type PostPushSupplyChainOptions } from './gate';
export { loadTrust, defaultCacheDir, type Trust, type TrustOptions } from './trust';
export { policyFor, identityProblem } from './policy';
export { summarizeProvenance, githubRepoOf } from './provenance';
export { summarizeSbom, searchPackages } from './sbom';
export { crossCheck, sameCommit } from './crosscheck';
export { gitTagFor } from './git-tag';
export type { Candidate, VerifyOutcome } from './verify';
export * from './types';
