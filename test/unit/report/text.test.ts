import assert from 'node:assert/strict';
import { checkResult, readinessReport } from '../../../src/core/report';
import { describeBasis, renderReport } from '../../../src/core/report/text';

describe('readiness report as text (the CLI and the editor print this)', () => {
  const basis = {
    subject: 'image tags',
    value: 'no prefix',
    source: 'inferred' as const,
    detail: '41 of 43 version tags',
  };

  it('one line per check, findings and what to do under it, then what the checks relied on', () => {
    const checks = [
      checkResult({
        id: 'tag-scheme',
        title: 'Tag scheme',
        examined: { count: 1, what: 'moving tags' },
        findings: [
          {
            severity: 'error',
            message: 'r:1.2 points at 1.2.2; the scheme says 1.2.3',
            next: { text: 'point 1.2 at 1.2.3', command: 'release-operator rollback r --to 1.2.3 --tag 1.2 --dry-run' },
          },
          { severity: 'warning', message: 'image tags follow 2 version schemes' },
        ],
        basis: [basis],
      }),
      checkResult({
        id: 'labels',
        title: 'Labels',
        examined: {
          count: 0,
          what: 'image configs',
          lookedFor: 'an image config per platform',
          foundInstead: 'an index',
        },
        findings: [],
      }),
    ];
    assert.equal(
      renderReport(readinessReport(checks), 'verify r:1.2'),
      [
        'verify r:1.2: not ready: 1 with problems, 1 checked nothing (of 2 checks)',
        '  problem          Tag scheme  1 moving tag examined; 1 problem',
        '      problem: r:1.2 points at 1.2.2; the scheme says 1.2.3',
        '        next: point 1.2 at 1.2.3: release-operator rollback r --to 1.2.3 --tag 1.2 --dry-run',
        '      warning: image tags follow 2 version schemes',
        '  nothing checked  Labels      nothing checked: looked for an image config per platform; found an index',
        '  based on: image tags: no prefix, inferred from 41 of 43 version tags',
      ].join('\n'),
    );
  });

  it('says each kind of basis in words', () => {
    assert.equal(describeBasis(basis), 'image tags: no prefix, inferred from 41 of 43 version tags');
    assert.equal(
      describeBasis({ subject: 'git tags', value: 'prefix "v"', source: 'configured', detail: 'tags.gitPrefix' }),
      'git tags: prefix "v", configured (tags.gitPrefix)',
    );
    assert.equal(
      describeBasis({ subject: 'image tags', value: 'prefix "v"', source: 'default', detail: 'no version tags' }),
      'image tags: prefix "v", by default (no version tags)',
    );
  });
});
