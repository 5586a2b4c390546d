import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/core/config/load';
import { smokeJUnit, smokeOptionsFromConfig, type SmokeReport } from '../../../src/core/smoke';
import { formatSmoke } from '../../../src/cli/commands/smoke';

const report: SmokeReport = {
  runId: 'r1',
  image: 'ghcr.io/o/n:1.2.3',
  notes: [],
  passed: false,
  outcome: 'failed',
  startedAt: '2025-01-01T00:00:00.000Z',
  durationMs: 4000,
  cleanup: { leftoverContainers: 0, leftoverImages: 0, errors: [] },
  platforms: [
    {
      platform: 'linux/amd64',
      passed: true,
      outcome: 'passed',
      emulated: false,
      deadlineSeconds: 30,
      durationMs: 1000,
      steps: [{ name: 'image', passed: true, durationMs: 10, detail: 'ok' }],
    },
    {
      platform: 'linux/arm64',
      passed: false,
      outcome: 'failed',
      emulated: true,
      deadlineSeconds: 120,
      durationMs: 3000,
      failedStep: 'health',
      exit: { exitCode: 3, oomKilled: false },
      logs: ['fatal: <config> & "quotes"'],
      steps: [
        { name: 'image', passed: true, durationMs: 10, detail: 'ok' },
        { name: 'health', passed: false, durationMs: 900, detail: 'the container exited with code 3' },
      ],
    },
    {
      platform: 'linux/s390x',
      passed: false,
      outcome: 'environment',
      emulated: true,
      deadlineSeconds: 120,
      durationMs: 5,
      failedStep: 'emulation',
      environmentProblem: { message: 'no QEMU handler', hint: 'register binfmt' },
      steps: [
        { name: 'emulation', passed: false, durationMs: 1, detail: 'no QEMU handler' },
        { name: 'image', passed: false, skipped: true, durationMs: 0, detail: 'not run' },
      ],
    },
  ],
};

describe('smoke: reports', () => {
  it('JUnit: a failure per broken step, an error per environment problem, skipped steps, escaped logs', () => {
    const xml = smokeJUnit(report);
    assert.match(xml, /<testsuites name="release-operator smoke" tests="5" failures="1" errors="1"/);
    assert.match(xml, /<testsuite name="smoke linux\/arm64" tests="2" failures="1" errors="0" skipped="0"/);
    assert.match(xml, /name="health" time="0.900"><failure type="health" message="the container exited with code 3">/);
    assert.match(
      xml,
      /name="emulation"[^>]*><error type="environment" message="no QEMU handler">no QEMU handler\nregister binfmt<\/error>/,
    );
    assert.match(xml, /<skipped message="not run"\/>/);
    assert.match(xml, /fatal: &lt;config&gt; &amp; &quot;quotes&quot;/);
  });

  it("the CLI summary has one row per platform and the failing platform's evidence", () => {
    const text = formatSmoke(report);
    assert.match(text, /linux\/amd64\s+passed/);
    assert.match(text, /linux\/arm64\s+FAILED\s+3\.0 s\s+health: the container exited with code 3/);
    assert.match(text, /linux\/s390x\s+ENVIRONMENT/);
    assert.match(text, /container exit code 3/);
    assert.match(text, /register binfmt/);
    assert.match(text, / {4}fatal: <config>/);
  });

  it('options: --timeout sets both deadlines; the version pattern defaults to the escaped effective version', async () => {
    const { config } = await loadConfig('/nonexistent-ro-dir', { smoke: { versionArgs: ['--version'] } });
    const o = smokeOptionsFromConfig(config, '/repo', { image: 'x', timeoutSeconds: 7, version: '1.2.3+b.1' });
    assert.equal(o.timeoutSeconds, 7);
    assert.equal(o.emulatedTimeoutSeconds, 7);
    assert.equal(o.versionPattern, '1\\.2\\.3\\+b\\.1');
    assert.deepEqual(o.platforms, ['linux/amd64', 'linux/arm64']);
    const b = smokeOptionsFromConfig(config, '/repo', { build: true, platforms: ['linux/arm64'] });
    assert.equal(b.build?.dockerfile, '/repo/Dockerfile');
    assert.deepEqual(b.platforms, ['linux/arm64']);
    assert.equal(b.emulatedTimeoutSeconds, 120);
  });
});
