/**
 * Retention ("prune"): a plan of what a repository keeps and deletes under the configured rules, applied only
 * when asked, through the distribution API or (ghcr.io) the GitHub Packages API, and checked afterwards.
 *
 *   const plan = await planRetention('ghcr.io/acme/rocket', policyFromConfig(config), { client, now, github });
 *   const result = await applyRetention(plan, { client, now, github }); // result.verification is a CheckResult
 */
export { planRetention, applyRetention, type PruneOptions } from './prune';
export { policyFromConfig, type RetentionPolicy, type RetentionRule } from './policy';
export { formatPlan, formatResult } from './format';
export * from './types';
