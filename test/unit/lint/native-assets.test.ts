import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lintDocument, lintOptions } from '../../../src/core/lint/engine';
import { RepoView } from '../../../src/core/lint/repo';
import type { Finding, LintOptions } from '../../../src/core/lint/types';
import { FIXTURES } from '../../helpers/paths';

const OPTIONS: LintOptions = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };
const fixture = (name: string) => readFileSync(path.join(FIXTURES, 'lint', 'workflows', name), 'utf8');

function lint(text: string, options: LintOptions = OPTIONS): Finding[] {
  return lintDocument(
    { file: '.github/workflows/release.yml', text, kind: 'workflow', repo: new RepoView([]) },
    options,
  ).findings.filter((f) => f.ruleId === 'RO-W009');
}

describe('lint RO-W009: native binaries for Release assets built on a newer runner than the glibc policy', () => {
  it('is a warning with the evidence: the runs-on line, the build step and the upload step', () => {
    const [f] = lint(fixture('native-assets-latest.yml'));
    assert.equal(f.severity, 'warning');
    assert.equal(f.confidence, 'proven');
    assert.match(f.message, /builds native binaries on ubuntu-latest \(glibc 2\.39\) outside a container/);
    assert.match(f.message, /Debian 12 bookworm \(glibc 2\.36; no glibc policy configured\)/);
    assert.deepEqual(
      f.evidence.map((e) => [e.region.line, e.message.split(':')[0]]),
      [
        [16, 'runs on ubuntu-latest'],
        [20, 'builds native code'],
        [23, 'uploads Release assets (softprops/action-gh-release)'],
      ],
    );
  });

  it('follows the binaries through an artifact to the job that attaches them', () => {
    const [f] = lint(fixture('native-assets-artifact.yml'));
    assert.match(f.message, /job "release" \("gh release create/);
    assert.deepEqual(
      f.evidence.map((e) => e.region.line),
      [9, 14, 16, 29],
    );
  });

  it('a configured policy sets the bar: ubuntu-22.04 (2.35) is then too new for el8, and containers stay quiet', () => {
    const none = lint(fixture('native-assets-good.yml'));
    assert.deepEqual(none, []);
    const el8 = lint(
      fixture('native-assets-good.yml'),
      lintOptions({
        requiredPlatforms: ['linux/amd64'],
        lint: { rules: {} },
        glibc: { policy: '', maxGlibc: '', assets: { '*linux*': 'el8', '*.whl': 'manylinux_2_17' } },
      }),
    );
    assert.deepEqual(
      el8.map((f) => f.message.match(/Job "([^"]+)"/)?.[1]),
      ['jammy'],
    );
    assert.match(el8[0].message, /glibc\.assets "\*\.whl": manylinux_2_17 \(glibc 2\.17\)/);
  });

  it('counts the jobs it judged, so a workflow without native builds is told from a clean one', () => {
    const r = lintDocument(
      {
        file: '.github/workflows/release.yml',
        text: fixture('native-assets-good.yml'),
        kind: 'workflow',
        repo: new RepoView([]),
      },
      OPTIONS,
    );
    // The jammy job: a native build on a hosted runner that reaches a Release (judged, and under the bar).
    assert.equal(r.stats.rules['RO-W009']?.count, 1, JSON.stringify(r.stats.rules));
  });
});
