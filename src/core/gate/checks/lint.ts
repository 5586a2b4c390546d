import type { LintRun } from '../../lint/project';
import { checkResult, type CheckFinding, type CheckResult } from '../../report';

/**
 * A lint run as the gate's pipeline-lint check. (Thin adapter: the lint engine's own CheckResult function, when
 * it has one, takes its place.) Every file linted counts as examined; error findings block.
 */
export function lintCheck(run: LintRun): CheckResult {
  const findings: CheckFinding[] = run.findings.map((f) => ({
    severity: f.severity,
    message: f.message,
    rule: f.ruleId,
    subject: f.file,
    location: {
      file: f.file,
      line: f.region.line,
      column: f.region.column,
      endLine: f.region.endLine,
      endColumn: f.region.endColumn,
    },
  }));
  return checkResult({
    id: 'lint',
    title: 'Pipeline lint',
    examined: {
      count: run.files.length,
      what: 'files',
      lookedFor: 'Dockerfiles and .github/workflows/*.yml',
    },
    findings,
    evidence: { files: run.files },
    next: findings.some((f) => f.severity === 'error')
      ? [{ text: 'Fix the findings (each names its file and line); see them with', command: 'release-operator lint' }]
      : run.files.length === 0
        ? [{ text: 'Run the stage in the repository (working-directory, --cwd), or leave lint out with --skip lint' }]
        : undefined,
  });
}
