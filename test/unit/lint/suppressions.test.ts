import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { lintCheckResult } from '../../../src/core/lint/check-result';
import { lintDocument } from '../../../src/core/lint/engine';
import { applyEdits } from '../../../src/core/lint/fix';
import { lintRepository } from '../../../src/core/lint/project';
import { suppressionEdit } from '../../../src/core/lint/suppress';

const OPTIONS = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };
const DRIFT = (above = '') =>
  `${above}FROM rust:1.91 AS build\nRUN cargo build --release\nFROM debian:bookworm-slim\nUSER 1\nCOPY --from=build /target/release/app /app\n`;
const lintDf = (text: string) => lintDocument({ file: 'Dockerfile', text, kind: 'dockerfile' }, OPTIONS);

const PUSH = (comment: string) =>
  `on:\n  push:\n    tags: ['v*']\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          platforms: linux/amd64,linux/arm64\n          push: true${comment}\n`;
const lintWf = (text: string) => lintDocument({ file: '.github/workflows/r.yml', text, kind: 'workflow' }, OPTIONS);

describe('lint suppressions', () => {
  it('a reasoned comment above the line silences that rule there; the finding is kept with its reason', () => {
    const r = lintDf(
      DRIFT('# release-operator-ignore RO-D001: the binary is checked by release-operator glibc in CI\n'),
    );
    assert.deepEqual(
      r.findings.map((f) => f.ruleId),
      [],
    );
    assert.equal(r.suppressed.length, 1);
    assert.equal(r.suppressed[0].ruleId, 'RO-D001');
    assert.deepEqual(r.suppressed[0].suppression, {
      line: 1,
      reason: 'the binary is checked by release-operator glibc in CI',
    });
  });

  it('several comments can stack above one line, and a comment names several rules', () => {
    const r = lintDf(
      '# release-operator-ignore RO-D001, RO-D002: pinned by digest in the release pipeline\n# another comment\n' +
        DRIFT(),
    );
    assert.deepEqual(
      r.suppressed.map((f) => f.ruleId),
      ['RO-D001'],
    );
  });

  it('without a reason (or with the quick fix TODO) nothing is silenced and the comment is reported (RO-L001)', () => {
    for (const c of [
      '# release-operator-ignore RO-D001\n',
      '# release-operator-ignore RO-D001:\n',
      '# release-operator-ignore RO-D001: TODO say why this is safe\n',
    ]) {
      const r = lintDf(DRIFT(c));
      assert.deepEqual(
        r.findings.map((f) => `${f.ruleId}@${f.region.line}:${f.severity}`),
        ['RO-L001@1:warning', 'RO-D001@2:error'],
        c,
      );
      assert.match(r.findings[0].message, /gives no reason/);
    }
  });

  it('an unknown rule id, or a trailing comment in a Dockerfile (Docker reads it as arguments), is reported', () => {
    const unknown = lintDf(DRIFT('# release-operator-ignore RO-D999: typo\n'));
    assert.match(unknown.findings[0].message, /RO-D999 is not a rule id/);
    const trailing = lintDf(
      'FROM rust:1.91 AS build # release-operator-ignore RO-D001: on the line\nRUN cargo build\nFROM debian:bookworm-slim\nUSER 1\nCOPY --from=build /x /x\n',
    );
    assert.ok(trailing.findings.some((f) => f.ruleId === 'RO-L001' && /Docker does not read/.test(f.message)));
  });

  it('a suppression that silences nothing is reported at info (RO-L002)', () => {
    const r = lintDf(
      '# release-operator-ignore RO-D004: handles SIGTERM\nFROM debian:bookworm-slim\nUSER 1\nENTRYPOINT ["/app"]\n',
    );
    assert.deepEqual(
      r.findings.map((f) => `${f.ruleId}:${f.severity}`),
      ['RO-L002:info'],
    );
  });

  it('in a workflow, a comment may end the line it is about or stand above the step', () => {
    const trailing = lintWf(PUSH(' # release-operator-ignore RO-W001: smoke-tested by the deploy pipeline'));
    assert.deepEqual(
      trailing.suppressed.map((f) => f.ruleId),
      ['RO-W001'],
    );
    const above = lintWf(
      PUSH('').replace(
        '      - uses: docker/build-push-action',
        '      # release-operator-ignore RO-W001: smoke-tested by the deploy pipeline\n      - uses: docker/build-push-action',
      ),
    );
    assert.deepEqual(
      above.suppressed.map((f) => f.ruleId),
      ['RO-W001'],
    );
  });

  it('the editor quick fix inserts the comment above, indented, with a TODO that keeps RO-L001 until a reason is written', () => {
    const text = PUSH('');
    const f = lintWf(text).findings.find((x) => x.ruleId === 'RO-W001')!;
    const edit = suppressionEdit(text, f);
    const withTodo = applyEdits(text, [edit]);
    assert.match(
      withTodo,
      /\n {6}# release-operator-ignore RO-W001: TODO say why this is safe\n {6}- uses: docker\/build-push-action/,
    );
    const w001OrL = (t: string) =>
      lintWf(t)
        .findings.map((x) => x.ruleId)
        .filter((id) => /RO-(W001|L00)/.test(id));
    assert.deepEqual(w001OrL(withTodo), ['RO-L001', 'RO-W001']);
    const reasoned = withTodo.replace('TODO say why this is safe', 'smoke-tested by the deploy pipeline');
    assert.deepEqual(w001OrL(reasoned), []);
    const df = DRIFT();
    const d = lintDf(df).findings[0];
    assert.equal(
      applyEdits(df, [suppressionEdit(df, d)]).split('\n')[0],
      '# release-operator-ignore RO-D001: TODO say why this is safe',
    );
  });

  it('the CLI counts suppressed findings, lists them with --verbose and in JSON, and SARIF marks them suppressed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-lint-supp-'));
    execFileSync('git', ['init', '-q', dir]);
    mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(dir, 'Dockerfile'), DRIFT('# release-operator-ignore RO-D001: checked by glibc in CI\n'));
    const cli = async (args: string[]) => {
      let stdout = '';
      const code = await runCli(
        args,
        { stdout: (s) => (stdout += s), stderr: () => {}, env: { ...process.env } },
        new AbortController().signal,
      );
      return { code, stdout };
    };
    const plain = await cli(['lint', '--cwd', dir]);
    assert.equal(plain.code, 0);
    assert.match(plain.stdout, /No findings, 1 suppressed \(--verbose lists them\) in 1 Dockerfile\(s\)/);
    const verbose = await cli(['lint', '--verbose', '--cwd', dir]);
    assert.match(
      verbose.stdout,
      /Suppressed \(1\):\n {2}Dockerfile:2:6: error RO-D001 .*\n {4}suppressed on line 1: checked by glibc in CI/,
    );
    assert.match(verbose.stdout, /Examined:\n(.*\n)* {2}RO-D001: 1 COPY --from between stages/);
    const json = JSON.parse((await cli(['lint', '--json', '--cwd', dir])).stdout);
    assert.equal(json.suppressed[0].suppression.reason, 'checked by glibc in CI');
    assert.equal(json.check.evidence.suppressed[0].reason, 'checked by glibc in CI');
    const sarif = JSON.parse((await cli(['lint', '--format', 'sarif', '--cwd', dir])).stdout);
    assert.deepEqual(sarif.runs[0].results[0].suppressions, [
      { kind: 'inSource', justification: 'checked by glibc in CI' },
    ]);
  });

  it('lint.rules "off" selects rules; an unknown id there is bad usage (exit 2), not a silently kept rule', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-lint-rules-'));
    execFileSync('git', ['init', '-q', dir]);
    writeFileSync(path.join(dir, 'Dockerfile'), DRIFT());
    writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify({ lint: { rules: { 'RO-D01': 'off' } } }));
    let stderr = '';
    const code = await runCli(
      ['lint', '--cwd', dir],
      { stdout: () => {}, stderr: (s) => (stderr += s), env: { ...process.env } },
      new AbortController().signal,
    );
    assert.equal(code, 2);
    assert.match(stderr, /lint\.rules names RO-D01, which no lint rule has/);
  });

  it('a lint run is a CheckResult of the readiness report: counts, findings with evidence, suppressed, nothing-checked', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-lint-check-'));
    writeFileSync(path.join(dir, 'Dockerfile'), DRIFT());
    const run = await lintRepository(dir, undefined, OPTIONS);
    const check = lintCheckResult(run);
    assert.equal(check.id, 'lint');
    assert.equal(check.verdict, 'problem');
    assert.equal(check.examined.count, 1);
    assert.equal(check.findings[0].rule, 'RO-D001');
    assert.deepEqual(check.findings[0].location, { file: 'Dockerfile', line: 1, column: 6, endLine: 1, endColumn: 15 });
    assert.equal((check.findings[0].evidence as { related: unknown[] }).related.length, 4);
    const empty = lintCheckResult(
      await lintRepository(mkdtempSync(path.join(os.tmpdir(), 'ro-lint-none-')), undefined, OPTIONS),
    );
    assert.equal(empty.verdict, 'nothing-checked');
    assert.match(empty.summary, /^nothing checked: looked for Dockerfile\*/);
    assert.equal(empty.next?.[0].command, 'release-operator lint Dockerfile .github/workflows/release.yml');
  });
});
