/**
 * Image size per platform from the manifests (nothing is pulled): the largest layers with the instruction that
 * made them, the delta to the previous release, and size budgets as readiness rows.
 *
 *   const report = await sizeReport(client, 'ghcr.io/acme/rocket:v1.2.0', config);
 *   const rows = sizeChecks(report, budgetsFromConfig(config));        // CheckResult[], one per platform
 *   const gateRows = await sizeBudgetChecks(client, ref, config);      // the same, or an environment row
 */
export { sizeReport, sizeBudgetChecks, type SizeOptions } from './report';
export { sizeChecks, budgetsFromConfig, hasSizeBudget, type SizeBudgets } from './checks';
export { sizeDeltas } from './delta';
export { previousRelease } from './previous';
export { layerInstructions, instructionText } from './history';
export { formatSizeReport } from './format';
export { formatSize, parseSize, parseGrowth, type Growth } from './units';
export * from './types';
