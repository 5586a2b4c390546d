import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { lintRepository } from '../../../src/core/lint/project';
import { FIXTURES } from '../../helpers/paths';

/**
 * The corpus: every file under test/fixtures/lint with a `<file>.expected.json` beside it is linted with the
 * default configuration, and its findings (rule id, line) must match the expectation exactly.
 */
const CORPUS = path.join(FIXTURES, 'lint');
const OPTIONS = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.expected.json') ? [] : [p];
  });
}

const cases = walk(CORPUS).filter((f) => statSync(`${f}.expected.json`, { throwIfNoEntry: false }));

describe('lint corpus', () => {
  it('has a good and a bad example for every rule', () => {
    const seen = new Set<string>();
    let clean = 0;
    for (const f of cases) {
      const expected = JSON.parse(readFileSync(`${f}.expected.json`, 'utf8')) as Array<{ id: string }>;
      if (expected.length === 0) clean++;
      for (const e of expected) seen.add(e.id);
    }
    const ids = [
      'RO-D000',
      'RO-D001',
      'RO-D002',
      'RO-D003',
      'RO-D004',
      'RO-D005',
      'RO-D006',
      'RO-W000',
      'RO-W001',
      'RO-W002',
      'RO-W003',
      'RO-W004',
      'RO-W005',
      'RO-W006',
      'RO-W007',
      'RO-W008',
      'RO-W009',
    ];
    assert.deepEqual(
      ids.filter((id) => !seen.has(id)),
      [],
      'rules without a bad example in the corpus',
    );
    assert.ok(clean >= 6, `expected several clean files, found ${clean}`);
  });

  for (const file of cases) {
    const rel = path.relative(CORPUS, file);
    it(rel, async () => {
      const expected = (
        JSON.parse(readFileSync(`${file}.expected.json`, 'utf8')) as Array<{ id: string; line: number }>
      )
        .map((e) => `${e.id}@${e.line}`)
        .sort();
      const errors: unknown[] = [];
      // A file of a fixture repository (repos/NAME/...) is linted with that repository as the root.
      const parts = rel.split(path.sep);
      const root = parts[0] === 'repos' ? path.join(CORPUS, parts[0], parts[1]) : CORPUS;
      const inRoot = path.relative(root, file).split(path.sep).join('/');
      const { findings } = await lintRepository(root, [inRoot], OPTIONS, { onRuleError: (_id, e) => errors.push(e) });
      assert.deepEqual(errors, [], 'a rule threw');
      const actual = findings.map((f) => `${f.ruleId}@${f.region.line}`).sort();
      assert.deepEqual(actual, expected, findings.map((f) => `${f.ruleId}@${f.region.line}: ${f.message}`).join('\n'));
      for (const f of findings) assert.equal(f.file, inRoot);
    });
  }
});
