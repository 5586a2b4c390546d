import type { SmokeReport } from './types';

const esc = (s: string) =>
  s
    // XML 1.0 cannot carry these control characters at all, not even escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
const secs = (ms: number) => (ms / 1000).toFixed(3);

/**
 * The report as JUnit XML for CI: one testsuite per platform, one testcase per step. A broken image is a
 * <failure>, an environment that could not run the step an <error>, a step not run <skipped>.
 */
export function smokeJUnit(report: SmokeReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const count = (pred: (s: SmokeReport['platforms'][number]['steps'][number], env: boolean) => boolean) =>
    report.platforms.reduce(
      (n, p) => n + p.steps.filter((s) => pred(s, p.outcome === 'environment' && p.failedStep === s.name)).length,
      0,
    );
  const tests = count(() => true);
  const failures = count((s, env) => !s.passed && !s.skipped && !env);
  const errors = count((s, env) => !s.skipped && env);
  out.push(
    `<testsuites name="release-operator smoke" tests="${tests}" failures="${failures}" errors="${errors}" time="${secs(report.durationMs)}">`,
  );
  for (const p of report.platforms) {
    const env = p.outcome === 'environment';
    const f = p.steps.filter((s) => !s.passed && !s.skipped && !(env && s.name === p.failedStep)).length;
    const e = env ? 1 : 0;
    const sk = p.steps.filter((s) => s.skipped).length;
    const counts = `tests="${p.steps.length}" failures="${f}" errors="${e}" skipped="${sk}"`;
    out.push(
      `  <testsuite name="smoke ${esc(p.platform)}" ${counts} time="${secs(p.durationMs)}" timestamp="${report.startedAt}">`,
    );
    const property = (name: string, value: string) => `<property name="${name}" value="${esc(value)}"/>`;
    const properties = [
      property('image', report.image),
      property('runId', report.runId),
      ...(p.imageId ? [property('imageId', p.imageId)] : []),
    ];
    out.push(`    <properties>${properties.join('')}</properties>`);
    for (const s of p.steps) {
      const open = `    <testcase classname="smoke.${esc(p.platform)}" name="${esc(s.name)}" time="${secs(s.durationMs)}"`;
      if (s.passed) out.push(`${open}/>`);
      else if (s.skipped) out.push(`${open}><skipped message="${esc(s.detail)}"/></testcase>`);
      else if (env && s.name === p.failedStep) {
        const hint = p.environmentProblem?.hint ? `\n${p.environmentProblem.hint}` : '';
        out.push(
          `${open}><error type="environment" message="${esc(s.detail)}">${esc(s.detail + hint)}</error></testcase>`,
        );
      } else
        out.push(
          `${open}><failure type="${esc(s.name)}" message="${esc(s.detail)}">${esc(s.detail)}</failure></testcase>`,
        );
    }
    const evidence = [p.psRow, p.logs?.join('\n')].filter(Boolean).join('\n\n');
    if (evidence) out.push(`    <system-out>${esc(evidence)}</system-out>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
