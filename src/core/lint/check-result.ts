import { checkResult, type CheckFinding, type CheckResult } from '../report';
import type { LintRun } from './project';
import type { Finding } from './types';

function toCheckFinding(f: Finding): CheckFinding {
  return {
    message: f.message,
    severity: f.severity,
    rule: f.ruleId,
    subject: f.file,
    location: {
      file: f.file,
      line: f.region.line,
      column: f.region.column,
      endLine: f.region.endLine,
      endColumn: f.region.endColumn,
    },
    evidence: {
      confidence: f.confidence,
      related: f.evidence.map((e) => ({ message: e.message, file: e.file, line: e.region.line })),
    },
  };
}

/**
 * A lint run as one row of the readiness report (the gate calls this): what it examined (files, and the jobs,
 * steps and stages in them), what it found, what was silenced and why. A run that found no Dockerfile and no
 * workflow is "nothing-checked", never a pass.
 */
export function lintCheckResult(run: LintRun, durationMs?: number): CheckResult {
  const s = run.stats;
  const count = s.dockerfiles + s.workflows;
  const skippedNote = run.skipped.length
    ? `; ${run.skipped.length} not read: ${run.skipped.map((x) => `${x.file} (${x.reason})`).join(', ')}`
    : '';
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const examinedText =
    `${plural(s.dockerfiles, 'Dockerfile')} (${s.stages} stages), ` +
    `${plural(s.workflows, 'workflow')} (${s.jobs} jobs, ${s.steps} steps)`;
  const errors = run.findings.filter((f) => f.severity === 'error').length;
  const warnings = run.findings.filter((f) => f.severity === 'warning').length;
  const suppressed = run.suppressed.length ? `; ${run.suppressed.length} suppressed` : '';
  const result = checkResult({
    id: 'lint',
    title: 'Pipeline lint',
    examined: {
      count,
      what: 'Dockerfiles and workflows',
      lookedFor: run.lookedFor,
      foundInstead: run.skipped.length ? `only files that could not be read${skippedNote}` : undefined,
    },
    summary:
      count === 0
        ? `nothing checked: looked for ${run.lookedFor}; found none${skippedNote}`
        : `${examinedText} examined; ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${suppressed}${skippedNote}`,
    findings: run.findings.map(toCheckFinding),
    evidence: {
      files: run.files,
      examined: { dockerfiles: s.dockerfiles, stages: s.stages, workflows: s.workflows, jobs: s.jobs, steps: s.steps },
      rules: s.rules,
      suppressed: run.suppressed.map((f) => ({
        ...toCheckFinding(f),
        reason: f.suppression.reason,
        commentLine: f.suppression.line,
      })),
      skipped: run.skipped,
    },
    next:
      count === 0
        ? [
            {
              text: 'Name the Dockerfile and workflow files to lint',
              command: 'release-operator lint Dockerfile .github/workflows/release.yml',
            },
          ]
        : errors
          ? [
              {
                text: 'Fix the errors, or silence one with a reasoned "# release-operator-ignore RO-XXXX: why" comment above it',
              },
            ]
          : undefined,
    durationMs,
  });
  // A workflow or Dockerfile that exists but could not be read leaves the lint unable to vouch for it.
  const faults = run.skipped.filter((x) => x.fault);
  if (!faults.length || result.verdict === 'problem') return result;
  return {
    ...result,
    verdict: 'environment',
    summary: `could not read ${faults.length} file${faults.length === 1 ? '' : 's'}: ${faults.map((x) => x.file).join(', ')}; ${result.summary}`,
    next: [{ text: 'Run as a user who can read every Dockerfile and workflow, or fix their permissions' }],
  };
}
