/**
 * assemble: per-platform pushes -> one OCI index -> verified -> tags in the planned order -> candidate tags cleaned.
 *
 *   const plan = await planAssemble(req, registry, config);            // read-only: what would happen
 *   const result = await assemble(req, { config, registry, signal });  // result.report is a readiness report
 */
export { assemble } from './run';
export { planAssemble, cleanupDecision, CANDIDATE_TAG } from './plan';
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
