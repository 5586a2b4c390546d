import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { ALL_RULES } from '../../../src/core/lint/rules';
import { FIXTURES } from '../../helpers/paths';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { ...process.env } },
    new AbortController().signal,
  );
  return { code, stdout, stderr };
}

/** A repository with the Rust drift Dockerfile and a half-release workflow. */
function repo(config?: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-lint-'));
  mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
  copyFileSync(path.join(FIXTURES, 'lint/dockerfiles/Dockerfile.rust-drift'), path.join(dir, 'Dockerfile'));
  copyFileSync(path.join(FIXTURES, 'lint/workflows/half-release.yml'), path.join(dir, '.github/workflows/release.yml'));
  if (config) writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify(config));
  execFileSync('git', ['init', '-q', dir]);
  return dir;
}

describe('lint CLI', () => {
  it("lints the repository's Dockerfile and workflows by default and exits 1 on an error finding", async () => {
    const r = await cli(['lint', '--cwd', repo()]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^Dockerfile:3:32: error RO-D001 /m);
    assert.match(r.stdout, /^\.github\/workflows\/release\.yml:25:14: error RO-W002 /m);
    // Each finding is followed by the evidence it rests on: the builder, the build, the copy, the runtime.
    assert.match(r.stdout, /^ {4}Dockerfile:3:32: builder: rust:1\.91 is Debian trixie \(glibc 2\.41\)$/m);
    assert.match(r.stdout, /^ {4}Dockerfile:15:1: copies it into runtime$/m);
    assert.match(r.stdout, /^ {4}\.github\/workflows\/release\.yml:20:14: publishes the image \(docker push\)$/m);
    assert.match(
      r.stdout,
      /2 error\(s\), 0 warning\(s\), 0 info in 1 Dockerfile\(s\) \(2 stages\) and 1 workflow\(s\) \(2 jobs, 5 steps\)/,
    );
  });

  it('--json gives one document with files and findings', async () => {
    const r = await cli(['lint', '--json', '--cwd', repo()]);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.files, ['Dockerfile', '.github/workflows/release.yml']);
    assert.deepEqual(
      doc.findings.map((f: { ruleId: string }) => f.ruleId),
      ['RO-D001', 'RO-W002'],
    );
    assert.equal(doc.findings[0].fix.edits[0].newText, '-bookworm');
    assert.equal(doc.findings[0].confidence, 'proven');
    assert.deepEqual(
      doc.findings[0].evidence.map((e: { region: { line: number } }) => e.region.line),
      [3, 8, 15, 12],
    );
    assert.equal(doc.verdict, 'problem');
    assert.deepEqual(doc.examined, { dockerfiles: 1, stages: 2, workflows: 1, jobs: 2, steps: 5 });
    assert.equal(doc.check.id, 'lint');
    assert.equal(doc.check.examined.count, 2);
  });

  it('honours lint.rules: off drops a rule, a lower severity turns exit 1 into 0', async () => {
    const dir = repo({ lint: { rules: { 'RO-D001': 'warning', 'RO-W002': 'off' } } });
    const r = await cli(['lint', '--json', '--cwd', dir]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId}:${f.severity}`),
      ['RO-D001:warning'],
    );
  });

  it('lints only the paths given, and refuses a path it cannot lint with exit 2', async () => {
    const dir = repo();
    const one = await cli(['lint', '--json', '--cwd', dir, 'Dockerfile']);
    assert.deepEqual(JSON.parse(one.stdout).files, ['Dockerfile']);
    const bad = await cli(['lint', '--cwd', dir, 'README.md']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /neither a Dockerfile nor a workflow/);
  });

  it('--format sarif writes SARIF 2.1.0 in the shape GitHub code scanning accepts', async () => {
    const r = await cli(['lint', '--format', 'sarif', '--cwd', repo()]);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs.length, 1);
    const driver = sarif.runs[0].tool.driver;
    assert.equal(driver.name, 'release-operator');
    assert.deepEqual(
      driver.rules.map((x: { id: string }) => x.id),
      ALL_RULES.map((x) => x.id),
    );
    for (const rule of driver.rules) {
      assert.ok(rule.shortDescription.text && rule.fullDescription.text && rule.help.text, rule.id);
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level), rule.id);
    }
    const results = sarif.runs[0].results;
    assert.equal(results.length, 2);
    for (const res of results) {
      assert.equal(driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      assert.ok(res.message.text);
      const loc = res.locations[0].physicalLocation;
      assert.ok(
        !path.isAbsolute(loc.artifactLocation.uri) && !loc.artifactLocation.uri.startsWith('file:'),
        'URIs are relative to the repository root',
      );
      assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
      for (const k of ['startLine', 'startColumn', 'endLine', 'endColumn'])
        assert.ok(Number.isInteger(loc.region[k]) && loc.region[k] >= 1, k);
    }
    assert.deepEqual(
      results.map(
        (x: {
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
        }) => [x.locations[0].physicalLocation.artifactLocation.uri, x.locations[0].physicalLocation.region.startLine],
      ),
      [
        ['Dockerfile', 3],
        ['.github/workflows/release.yml', 25],
      ],
    );
    assert.equal(results[0].fixes[0].artifactChanges[0].replacements[0].insertedContent.text, '-bookworm');
    // The evidence travels as relatedLocations, each with its own message and a repository-relative URI.
    const related = results[0].relatedLocations;
    assert.deepEqual(
      related.map((x: any) => [x.id, x.physicalLocation.artifactLocation.uri, x.physicalLocation.region.startLine]),
      [
        [1, 'Dockerfile', 3],
        [2, 'Dockerfile', 8],
        [3, 'Dockerfile', 15],
        [4, 'Dockerfile', 12],
      ],
    );
    assert.match(related[2].message.text, /copies it into runtime/);
  });

  it('a repository with nothing to lint says what it looked for and does not pass (exit 1, nothing-checked)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-lint-empty-'));
    execFileSync('git', ['init', '-q', dir]);
    const r = await cli(['lint', '--cwd', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /^Nothing checked: looked for Dockerfile\*, Containerfile\* .*\.github\/workflows\/\*\.yml/m,
    );
    assert.doesNotMatch(r.stdout, /No findings/);
    const json = await cli(['lint', '--json', '--cwd', dir]);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.verdict, 'nothing-checked');
    assert.equal(doc.check.verdict, 'nothing-checked');
    assert.equal(doc.check.examined.count, 0);
    assert.match(doc.check.summary, /^nothing checked: looked for /);
    const allowed = await cli(['lint', '--allow-empty', '--cwd', dir]);
    assert.equal(allowed.code, 0);
    assert.match(allowed.stdout, /^Nothing checked: /m);
  });
});
