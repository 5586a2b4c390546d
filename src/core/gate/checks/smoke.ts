import type { PlatformResult, SmokeReport } from '../../smoke';
import type { CheckResult, NextAction, SourceLocation } from '../../report';

/** Where in the Dockerfile a failing step points: the final stage's ENTRYPOINT/CMD, and the FROM of that stage. */
export interface DockerfileAnchors {
  start?: SourceLocation;
  from?: SourceLocation;
}

/** Each platform of a smoke run as a gate check: the steps that ran count; the failed step is the finding. */
export function smokeChecks(
  report: SmokeReport,
  references: Record<string, string>,
  anchors: DockerfileAnchors = {},
): CheckResult[] {
  return report.platforms.map((p) => smokeCheck(p, references[p.platform] ?? report.image, anchors));
}

function smokeCheck(p: PlatformResult, reference: string, anchors: DockerfileAnchors): CheckResult {
  const ran = p.steps.filter((s) => !s.skipped);
  const failed = p.steps.find((s) => s.name === p.failedStep);
  const verdict = p.passed ? 'pass' : p.outcome === 'failed' ? 'problem' : 'environment';
  // The engine a platform ran on, with its own architecture: an arm64 engine that is really amd64 says so here.
  const engine =
    (p.engine?.named ?? p.engine?.configured) ? `${p.engine?.name} (${p.engine?.architecture})` : undefined;
  const where = `${engine ? ` on ${engine}` : ''}${p.emulated ? ' (emulated)' : ''}`;
  const steps = p.steps.map((s) => `${s.name} ${s.skipped ? 'skipped' : s.passed ? 'ok' : 'FAILED'}`).join(', ');
  const location =
    failed && ['help', 'version', 'start', 'health'].includes(failed.name)
      ? anchors.start
      : failed?.name === 'image'
        ? anchors.from
        : undefined;
  const next: NextAction[] = [];
  if (p.environmentProblem)
    next.push({ text: p.environmentProblem.hint ?? 'Fix the machine, then run the stage again' });
  else if (!p.passed)
    next.push({
      text: 'Reproduce it here, fix the image, rebuild, and run the stage again',
      command: `release-operator smoke ${reference} --platform ${p.platform}`,
    });
  return {
    id: 'smoke',
    title: 'Smoke',
    subject: p.platform,
    verdict,
    summary: p.passed
      ? `${ran.length} steps passed${where}`
      : p.environmentProblem
        ? `could not run: ${p.environmentProblem.message}`
        : `${failed?.name ?? 'a step'} failed: ${failed?.detail ?? p.outcome}`,
    examined: { count: ran.length, what: 'steps', lookedFor: `${reference} on ${p.platform}` },
    findings:
      verdict === 'problem' && failed
        ? [
            {
              severity: 'error',
              subject: p.platform,
              rule: `smoke-${failed.name}`,
              message: `${failed.name} step: ${failed.detail}`,
              location,
            },
          ]
        : [],
    evidence: {
      image: reference,
      imageId: p.imageId,
      steps,
      emulated: p.emulated,
      engine: p.engine && `${p.engine.name} (${p.engine.architecture})`,
      exit: p.exit ? `${p.exit.exitCode}${p.exit.oomKilled ? ' (out of memory)' : ''}` : undefined,
      container: p.psRow,
      logTail: p.logs?.length ? p.logs : undefined,
    },
    next: next.length ? next : undefined,
    durationMs: p.durationMs,
  };
}
