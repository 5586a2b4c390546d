import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, REPO_ROOT } from '../../helpers/paths';
import {
  BAR,
  precision,
  precisionTable,
  renderMarkdown,
  runCorpus,
  type Classified,
} from '../../lint-corpus/precision';
import type { Severity } from '../../../src/core/lint/types';

const CORPUS = path.join(FIXTURES, 'lint', 'corpus');

describe('lint precision on the corpus of public release pipelines', function () {
  this.timeout(60_000);
  let result: Awaited<ReturnType<typeof runCorpus>>;
  before(async () => {
    result = await runCorpus(CORPUS);
  });

  it('covers at least 30 repositories, each with its source, licence and files read, and a folder of its own', () => {
    const { repos } = result.corpus;
    assert.ok(repos.length >= 30, `${repos.length} repositories`);
    const folders = readdirSync(CORPUS).filter((f) => f !== 'corpus.json');
    assert.deepEqual(folders.sort(), repos.map((r) => r.dir).sort());
    for (const r of repos) {
      assert.match(r.repository, /^[\w.-]+\/[\w.-]+$/, r.dir);
      assert.ok(r.licence && r.language, r.dir);
      assert.ok(r.modelledOn.length > 0 && r.modelledOn.every((m) => /^[0-9a-f]{40}$/.test(m.commit)), r.dir);
      for (const f of r.lint ?? []) assert.ok(existsSync(path.join(CORPUS, r.dir, f)), `${r.dir}/${f}`);
    }
  });

  it('no rule throws on the corpus', () => {
    assert.deepEqual(result.errors, []);
  });

  it('every finding is classified (real, false or noise) with a reason, and no classification is stale', () => {
    const unclassified = result.classified
      .filter((c) => !c.verdict)
      .map((c) => `${c.repo}: ${c.key}: ${c.finding.message}`);
    assert.deepEqual(unclassified, [], 'classify these in test/fixtures/lint/corpus/corpus.json');
    assert.deepEqual(result.stale, [], 'these classified findings are no longer reported: remove or update them');
    for (const c of result.classified) assert.ok((c.reason ?? '').length > 20, `${c.repo}: ${c.key}: give a reason`);
  });

  it('every rule is at least 90% precise at error and at warning', () => {
    const table = precisionTable(result.classified);
    const below: string[] = [];
    for (const row of table)
      for (const sev of ['error', 'warning'] as Severity[]) {
        const p = precision(row.cells[sev]);
        if (p !== undefined && p < BAR[sev]) {
          const wrong = result.classified.filter(
            (c: Classified) => c.finding.ruleId === row.rule && c.finding.severity === sev && c.verdict !== 'real',
          );
          below.push(
            `${row.rule} at ${sev}: ${Math.round(p * 100)}% (${wrong.map((w) => `${w.repo} ${w.key}`).join('; ')})`,
          );
        }
      }
    assert.deepEqual(below, []);
    // The measure must be able to fail: there are findings at error and warning to measure.
    assert.ok(table.some((r) => r.cells.error.findings > 0) && table.some((r) => r.cells.warning.findings > 0));
  });

  it('docs/lint-precision.md is the table this corpus gives today (npm run lint:precision writes it)', () => {
    const expected = renderMarkdown(result.corpus, precisionTable(result.classified));
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'lint-precision.md'), 'utf8');
    assert.equal(doc, expected, 'run `npm run lint:precision` and commit docs/lint-precision.md');
  });
});
