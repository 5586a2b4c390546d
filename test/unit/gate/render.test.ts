import assert from 'node:assert/strict';
import { readinessReport, reportJUnit, reportMarkdown, reportSarif, type CheckResult } from '../../../src/core/report';

const checks: CheckResult[] = [
  {
    id: 'platforms',
    title: 'Platforms',
    verdict: 'problem',
    summary: 'linux/arm64 missing from r:1.2.3 (it has linux/amd64)',
    examined: { count: 1, what: 'platforms', lookedFor: 'linux/amd64, linux/arm64' },
    findings: [{ severity: 'error', subject: 'linux/arm64', message: 'linux/arm64 is missing from r:1.2.3' }],
    evidence: { digest: 'sha256:' + 'a'.repeat(64), platforms: ['linux/amd64 sha256:aaaa'] },
    next: [{ text: 'Build and push linux/arm64' }],
  },
  {
    id: 'lint',
    title: 'Pipeline lint',
    verdict: 'problem',
    summary: '2 files examined; 1 problem',
    examined: { count: 2, what: 'files' },
    findings: [
      {
        severity: 'error',
        rule: 'RO-W001',
        message: 'Job "release" pushes the image before any smoke test',
        location: { file: '.github/workflows/release.yml', line: 31, column: 9, endLine: 31, endColumn: 30 },
      },
      { severity: 'info', rule: 'RO-D004', message: 'no init', location: { file: 'Dockerfile', line: 11 } },
    ],
  },
  {
    id: 'smoke',
    title: 'Smoke',
    subject: 'linux/amd64',
    verdict: 'pass',
    summary: '4 steps passed',
    examined: { count: 4, what: 'steps' },
    findings: [],
    evidence: { label: 'evil | value\n| forged | row |\u001b]0;title\u0007' },
  },
  {
    id: 'tested',
    title: 'Pushed is tested',
    verdict: 'nothing-checked',
    summary: 'nothing checked: no record',
    examined: { count: 0, what: 'platforms' },
    findings: [],
  },
  {
    id: 'glibc',
    title: 'glibc',
    subject: 'linux/arm64',
    verdict: 'environment',
    summary: 'could not run: docker is missing',
    examined: { count: 0, what: 'ELF files' },
    findings: [],
    evidence: { logTail: ['line 1', '```', 'line <3>'] },
  },
];
const report = readinessReport(checks, {
  image: 'ghcr.io/o/n',
  version: '1.2.3',
  stage: 'post-push',
  context: { flow: 'local' },
  now: () => new Date('2030-01-02T03:04:05Z'),
});

describe('report renderers', () => {
  it('Markdown: an overview row per check, then a table per check with verdict, examined, evidence and next action', () => {
    const md = reportMarkdown(report);
    assert.match(
      md,
      /^## ❌ Release Operator post-push: not ready: 2 with problems, 1 could not run, 1 checked nothing, 1 passed/,
    );
    assert.equal((md.match(/^\| Verdict \|/gm) ?? []).length, checks.length);
    assert.equal((md.match(/^\| Examined \|/gm) ?? []).length, checks.length);
    assert.match(md, /\| Next action \| Build and push linux\/arm64 \|/);
    assert.match(md, /\| Platforms \| ❌ problem \| linux\/arm64 missing/);
    assert.match(md, /`\.github\/workflows\/release\.yml:31`/);
    assert.match(md, /flow: local/);
  });

  it('Markdown: outside text cannot forge table rows or reach the reader as control codes', () => {
    const md = reportMarkdown(report);
    const evidenceRow = md.split('\n').find((l) => l.startsWith('| Evidence |') && l.includes('evil'))!;
    assert.ok(evidenceRow, md);
    // One row: the value's own pipes are escaped, its line break is a <br>, the escape sequence is shown, not sent.
    assert.equal(evidenceRow.replace(/\\\|/g, '').split('|').length, 4, evidenceRow);
    assert.ok(!md.includes('\u001b') && !md.includes('\u0007'));
    // A log tail holding a fence is put in a longer fence.
    assert.match(md, /````text\nline 1\n```\nline <3>\n````/);
  });

  it('JUnit: problems and nothing-checked are failures, environment faults errors', () => {
    const xml = reportJUnit(report);
    assert.match(xml, /<testsuites name="release-operator post-push" tests="5" failures="3" errors="1"/);
    assert.match(xml, /name="Pushed is tested" time="0.000"><failure type="nothing-checked"/);
    assert.match(xml, /<error type="environment" message="could not run: docker is missing">/);
    assert.match(xml, /<property name="flow" value="local"\/>/);
    assert.ok(!xml.includes('\u001b'));
    assert.match(xml, /line &lt;3&gt;/);
  });

  it('SARIF: only the findings that point at a file, with the rule catalogue given', () => {
    const sarif = reportSarif(report, {
      version: '1.0.0',
      informationUri: 'https://example.com',
      rules: [{ id: 'RO-W001', title: 'Image pushed before it is smoke-tested', explanation: 'why' }],
    }) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string; shortDescription: { text: string } }> } };
        results: Array<{
          ruleId: string;
          level: string;
          locations: Array<{ physicalLocation: { region?: { startLine: number } } }>;
        }>;
      }>;
    };
    const run = sarif.runs[0];
    assert.deepEqual(
      run.results.map((r) => [r.ruleId, r.level, r.locations[0].physicalLocation.region?.startLine]),
      [
        ['RO-W001', 'error', 31],
        ['RO-D004', 'note', 11],
      ],
    );
    assert.equal(run.tool.driver.rules[0].shortDescription.text, 'Image pushed before it is smoke-tested');
  });
});

describe('advisory rows', () => {
  const advisoryProblem: CheckResult = {
    id: 'supply-signature',
    title: 'Signature',
    subject: 'linux/amd64',
    verdict: 'problem',
    summary: 'signed by another workflow',
    examined: { count: 1, what: 'signatures' },
    findings: [{ severity: 'error', message: 'signed by another workflow' }],
    advisory: true,
  };
  const pass = checks[2];
  it('are shown with their own verdict and never decide the report', () => {
    const r = readinessReport([pass, advisoryProblem], { stage: 'post-push' });
    assert.equal(r.verdict, 'pass');
    assert.equal(r.summary, 'ready: 1 check passed; 1 advisory check did not pass');
    assert.match(reportMarkdown(r), /\| Signature linux\/amd64 \| ❌ problem \(advisory\) \|/);
    assert.match(reportJUnit(r), /failures="0" errors="0" skipped="1"/);
    const blocking = readinessReport([pass, { ...advisoryProblem, advisory: false }]);
    assert.equal(blocking.verdict, 'problem');
  });
});
