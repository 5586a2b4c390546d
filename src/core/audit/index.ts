/** Release consistency: git tags x GitHub Releases x image tags x OCI labels. */
export type { AuditFacts, AuditOptions } from './audit';
export { gatherAndAudit, type GatherInput } from './gather';
export type { AuditImage, AuditReport, Finding, FindingKind, ImageSource } from './types';
