import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import { lintOptions, lintText } from '../../../src/core/lint/engine';
import { REPO_ROOT } from '../../helpers/paths';

const options = lintOptions(defaultConfig());
const lint = (file: string, text: string) => lintText({ file, text, kind: 'workflow', siblings: [] }, options);
const reference = (name: string) => readFileSync(path.join(REPO_ROOT, 'docs', 'workflows', name), 'utf8');

describe("lint knows the gate Action's steps", () => {
  for (const name of ['release-single-runner.yml', 'release-per-platform.yml'])
    it(`the reference workflow ${name} has no finding at all`, () => {
      const findings = lint(`.github/workflows/${name}`, reference(name));
      assert.deepEqual(
        findings.map((f) => `${f.ruleId} ${f.region.line}: ${f.message}`),
        [],
      );
    });

  it('pre-push after assemble does not count: the release is published before any smoke test', () => {
    const text = reference('release-single-runner.yml');
    const lines = text.split('\n');
    // Move the gate step (the comment above it and its lines) below the assemble step.
    const start = lines.findIndex((l) => l.includes('- name: Gate before the push')) - 1;
    const gate = lines.splice(start, 8);
    const after = lines.findIndex((l) => l.includes('- name: Gate after the push')) - 1;
    lines.splice(after, 0, ...gate);
    const findings = lint('.github/workflows/release.yml', lines.join('\n'));
    assert.ok(
      findings.some((f) => f.ruleId === 'RO-W001'),
      findings.map((f) => f.ruleId).join(','),
    );
  });

  it('assemble is the publication: without post-push after it, nothing reads the index back (W006)', () => {
    const text = reference('release-per-platform.yml').replace(
      /stage: (post-push|pre-release)/g,
      'stage: something-else',
    );
    const findings = lint('.github/workflows/release.yml', text);
    assert.deepEqual(
      findings.filter((f) => f.ruleId !== 'RO-W008').map((f) => f.ruleId),
      ['RO-W006'],
    );
  });
});
