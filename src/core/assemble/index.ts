/**
 * assemble: per-platform pushes -> one OCI index -> verified -> tags in the planned order -> candidate tags cleaned.
 *
 *   const result = await assemble(req, { config, registry, signal });  // result.report is a readiness report
 *   (req.dryRun: only the plan, read-only: what would happen)
 */
export { assemble } from './run';
export { cleanupDecision } from './plan';
export { buildIndex } from './build-index';
export { formatPlan } from './format';
export type {
  AssembleDeps,
  AssemblePlan,
  AssembleRequest,
  AssembleResult,
  CleanupStep,
  IndexEntry,
  StepName,
  StepRecord,
  TagStep,
} from './types';
