import type { AuditReport } from '../../audit';
import { checkResult, type CheckResult } from '../../report';

/**
 * The release consistency audit narrowed to one version: its git tag, its Release and its image agree, and the
 * moving tags the scheme gives it point at it. Findings about other versions are left to `audit`.
 */
export function auditCheck(report: AuditReport, version: string): CheckResult {
  const mine = report.findings.filter((f) => f.version === version);
  const seen = report.versions.includes(version);
  return checkResult({
    id: 'audit',
    title: 'Release consistency',
    examined: {
      count: seen ? 1 : 0,
      what: 'versions',
      lookedFor: `version ${version} among git tags, Releases and image tags`,
      foundInstead: report.versions.length ? `versions ${report.versions.slice(0, 5).join(', ')}` : 'no versions',
    },
    findings: mine.map((f) => ({
      severity: 'error' as const,
      subject: f.kind,
      rule: f.kind,
      message: f.message,
      evidence: f.objects,
    })),
    evidence: { image: report.image, notes: report.notes.length ? report.notes : undefined },
    next: mine.length ? mine.map((f) => ({ text: f.action })) : undefined,
  });
}
