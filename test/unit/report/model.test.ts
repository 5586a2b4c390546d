import assert from 'node:assert/strict';
import {
  checkResult,
  combineVerdicts,
  environmentResult,
  exitCodeOf,
  readinessReport,
  reportCounts,
  verdictOf,
} from '../../../src/core/report';

describe('readiness report model', () => {
  it('nothing examined is its own verdict, never a pass', () => {
    assert.equal(verdictOf({ count: 0 }, []), 'nothing-checked');
    assert.equal(verdictOf({ count: 3 }, []), 'pass');
    assert.equal(verdictOf({ count: 3 }, [{ severity: 'warning' }]), 'pass');
    assert.equal(verdictOf({ count: 3 }, [{ severity: 'error' }]), 'problem');
    assert.equal(verdictOf({ count: 0 }, [{ severity: 'error' }]), 'problem');
  });

  it('a check says what it looked for and found instead when it examined nothing', () => {
    const c = checkResult({
      id: 'tag-scheme',
      title: 'Tag scheme',
      examined: {
        count: 0,
        what: 'moving tags',
        lookedFor: 'version tags like 1.2.3',
        foundInstead: '2 tags: main, edge',
      },
      findings: [],
    });
    assert.equal(c.verdict, 'nothing-checked');
    assert.match(c.summary, /looked for version tags like 1\.2\.3; found 2 tags: main, edge/);
  });

  it('combines verdicts: problem > environment > nothing checked > pass; no checks is nothing checked', () => {
    assert.equal(combineVerdicts([]), 'nothing-checked');
    assert.equal(combineVerdicts(['pass', 'pass']), 'pass');
    assert.equal(combineVerdicts(['pass', 'nothing-checked']), 'nothing-checked');
    assert.equal(combineVerdicts(['nothing-checked', 'environment']), 'environment');
    assert.equal(combineVerdicts(['environment', 'problem', 'pass']), 'problem');
  });

  it('exit codes: 0 pass, 1 problem or nothing checked, 3 environment', () => {
    assert.deepEqual(
      (['pass', 'problem', 'nothing-checked', 'environment'] as const).map((v) => exitCodeOf(v)),
      [0, 1, 1, 3],
    );
    // --allow-empty: nothing checked exits 0, nothing else changes.
    assert.deepEqual(
      (['pass', 'problem', 'nothing-checked', 'environment'] as const).map((v) => exitCodeOf(v, { allowEmpty: true })),
      [0, 1, 0, 3],
    );
  });

  it('the report summary agrees with its verdict', () => {
    const pass = checkResult({ id: 'a', title: 'A', examined: { count: 2, what: 'platforms' }, findings: [] });
    const env = environmentResult('b', 'B', 'ELF files', 'docker is not running');
    const ok = readinessReport([pass], { now: () => new Date(0) });
    assert.equal(ok.verdict, 'pass');
    assert.match(ok.summary, /^ready: 1 check passed$/);
    assert.equal(ok.generatedAt, '1970-01-01T00:00:00.000Z');
    const bad = readinessReport([pass, env]);
    assert.equal(bad.verdict, 'environment');
    assert.match(bad.summary, /^not ready: 1 could not run, 1 passed \(of 2 checks\)$/);
    assert.equal(readinessReport([]).verdict, 'nothing-checked');
    assert.equal(readinessReport([]).summary, 'not ready: no checks ran');
    // The counts alone (a face that says the verdict elsewhere): the summary without its verdict word.
    assert.equal(reportCounts(bad.verdict, bad.checks), '1 could not run, 1 passed (of 2 checks)');
    assert.equal(reportCounts(ok.verdict, ok.checks), '1 check passed');
  });
});
