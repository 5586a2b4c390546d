import { xml } from './escape';
import { checkName, evidenceBlock, evidencePairs, examinedText, nextText } from './evidence';
import type { ReadinessReport } from './model';

const secs = (ms = 0) => (ms / 1000).toFixed(3);

/**
 * The report as JUnit XML, for CI test views: one testsuite, one testcase per check. A problem and a check that
 * examined nothing are <failure>s (nothing checked never passes), a check that could not run is an <error>.
 */
export function reportJUnit(r: ReadinessReport, options: { name?: string } = {}): string {
  const name = options.name ?? `release-operator${r.stage ? ` ${r.stage}` : ''}`;
  const blocking = r.checks.filter((c) => !c.advisory);
  const failures = blocking.filter((c) => c.verdict === 'problem' || c.verdict === 'nothing-checked').length;
  const errors = blocking.filter((c) => c.verdict === 'environment').length;
  const skipped = r.checks.filter((c) => c.advisory && c.verdict !== 'pass').length;
  const time = secs(r.checks.reduce((t, c) => t + (c.durationMs ?? 0), 0));
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(name)}" tests="${r.checks.length}" failures="${failures}" errors="${errors}" time="${time}">`,
    `  <testsuite name="${xml(name)}" tests="${r.checks.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}"${r.generatedAt ? ` timestamp="${xml(r.generatedAt)}"` : ''}>`,
  ];
  const props = [
    ['image', r.image],
    ['version', r.version],
    ['stage', r.stage],
    ['verdict', r.verdict],
    ...Object.entries(r.context ?? {}),
  ].filter((p): p is [string, string] => Boolean(p[1]));
  if (props.length)
    out.push(
      `    <properties>${props.map(([k, v]) => `<property name="${xml(k)}" value="${xml(v)}"/>`).join('')}</properties>`,
    );
  for (const c of r.checks) {
    const open = `    <testcase classname="release-operator.${xml(c.id)}" name="${xml(checkName(c))}" time="${secs(c.durationMs)}"`;
    const detail = [
      `${c.summary}`,
      `examined: ${examinedText(c.examined)}`,
      ...c.findings.map((f) => `${f.severity}: ${f.subject ? `${f.subject}: ` : ''}${f.message}`),
      ...evidencePairs(c).map(([k, v]) => `${k}: ${v}`),
      ...(c.next ?? []).map((n) => `next: ${nextText(n)}`),
    ].join('\n');
    const log = evidenceBlock(c);
    const systemOut = log.length ? `<system-out>${xml(log.join('\n'))}</system-out>` : '';
    if (c.verdict === 'pass') out.push(systemOut ? `${open}>${systemOut}</testcase>` : `${open}/>`);
    else if (c.advisory)
      out.push(`${open}><skipped message="${xml(`advisory, ${c.verdict}: ${c.summary}`)}"/>${systemOut}</testcase>`);
    else {
      const tag = c.verdict === 'environment' ? 'error' : 'failure';
      out.push(
        `${open}><${tag} type="${xml(c.verdict)}" message="${xml(c.summary)}">${xml(detail)}</${tag}>${systemOut}</testcase>`,
      );
    }
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}
