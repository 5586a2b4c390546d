import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { checkName, type ReadinessReport } from '../../../src/core/report';
import type { ReleaseNode } from '../../../src/extension/tree/model';
import { GitHubFake } from '../../helpers/github-fake';
import { api, fixture } from './api';

// The Readiness view renders the engine's readiness report (the gate's rows): the rows must be the report's rows,
// a check that examined nothing must never look like a pass, and a row's fix must lead somewhere real.
describe('Readiness view (real registry, real lint and glibc, fake GitHub API with a failed release run)', () => {
  let fake: GitHubFake;
  const step = (number: number, name: string, conclusion: string, at: string, to: string) => ({
    number,
    name,
    status: 'completed',
    conclusion,
    started_at: at,
    completed_at: to,
  });

  const job = {
    id: 77,
    run_id: 5150,
    name: 'image',
    status: 'completed',
    conclusion: 'failure',
    html_url: 'https://github.com/acme/rocket/actions/runs/5150/job/77',
    steps: [
      step(1, 'Checkout', 'success', '2026-01-01T00:00:00Z', '2026-01-01T00:00:10Z'),
      step(2, 'Build and push', 'failure', '2026-01-01T00:00:11Z', '2026-01-01T00:01:00Z'),
    ],
  };

  before(async () => {
    fake = await GitHubFake.start();
    fake
      .route('GET', '/repos/{owner}/{repo}/releases', () => ({ body: [] }))
      .route('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', () => ({
        body: {
          total_count: 1,
          workflow_runs: [
            {
              id: 5150,
              name: 'Release',
              workflow_id: 7,
              path: '.github/workflows/release.yml',
              run_number: 12,
              run_attempt: 1,
              event: 'push',
              status: 'completed',
              conclusion: 'failure',
              head_branch: 'v1.2.3',
              head_sha: fixture().head,
              created_at: '2026-01-01T00:00:00Z',
              updated_at: '2026-01-01T00:02:00Z',
              html_url: 'https://github.com/acme/rocket/actions/runs/5150',
            },
          ],
        },
      }))
      .route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs', () => ({
        body: { total_count: 1, jobs: [job] },
      }))
      .route('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}', () => ({ body: job }))
      .route('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs', () => ({
        status: 302,
        headers: {
          location: fake.blob(
            'job-77.txt',
            '2026-01-01T00:00:01.0000000Z checked out\n' +
              '2026-01-01T00:00:12.0000000Z building\n' +
              '2026-01-01T00:00:59.0000000Z ERROR: failed to push: unauthorized\n',
            'text/plain',
          ),
        },
      }));
    process.env.GITHUB_TOKEN = fake.token;
    await vscode.workspace
      .getConfiguration('releaseOperator')
      .update('github.apiUrl', fake.url, vscode.ConfigurationTarget.Workspace);
    (await api()).smoke.clear();
  });

  after(async () => {
    delete process.env.GITHUB_TOKEN;
    await vscode.workspace
      .getConfiguration('releaseOperator')
      .update('github.apiUrl', undefined, vscode.ConfigurationTarget.Workspace);
    await fake?.close();
  });

  let report: ReadinessReport;
  let rows: ReleaseNode[];
  const rowOf = (id: string, subject?: string) => {
    const r = rows.find((n) => n.id === `readiness/${id}${subject ? `/${subject}` : ''}`);
    if (!r) throw new Error(`no row ${id} ${subject ?? ''}: ${rows.map((n) => n.id).join(', ')}`);
    return r;
  };

  it('shows one row per check of the report, in its order, under a summary line that is its verdict', async () => {
    const a = await api();
    report = (await vscode.commands.executeCommand<ReadinessReport>('releaseOperator.checkReadiness'))!;
    assert.ok(report, 'the command resolves to the report');
    assert.equal(report.version, '1.2.3');
    rows = await a.readiness.provider.getChildren();
    const [summary, ...checks] = rows;
    assert.deepEqual(
      checks.map((n) => n.label),
      report.checks.map((c) => checkName(c)),
    );
    assert.deepEqual(
      checks.map((n) => n.contextValue?.split(' ')[1]),
      report.checks.map((c) => `verdict-${c.verdict}`),
    );
    // The gate's rows for what can be checked without pushing.
    const ids = report.checks.map((c) => (c.subject ? `${c.id} ${c.subject}` : c.id));
    for (const want of [
      'lint',
      'platforms',
      'labels',
      'tag-scheme',
      'glibc linux/amd64',
      'glibc linux/arm64',
      'smoke linux/amd64',
      'smoke linux/arm64',
      'audit',
      'release-run',
    ])
      assert.ok(ids.includes(want), `${want} in ${ids.join(', ')}`);
    // The label says the verdict; the description only the counts the report's summary gives after it.
    assert.equal(summary.description, report.summary.replace(/^(not )?ready: /, ''));
    assert.doesNotMatch(summary.description ?? '', /ready/);
    assert.equal(summary.label, 'Version 1.2.3: not ready');
    assert.match(a.readiness.status.text, /1\.2\.3 not ready/);
  });

  it('never shows a check that examined nothing as a pass', () => {
    // No smoke has run in this window: both smoke rows examined nothing.
    const nothing = report.checks.filter((c) => c.verdict === 'nothing-checked');
    assert.ok(
      nothing.some((c) => c.id === 'smoke'),
      `smoke rows are nothing-checked: ${report.checks.map((c) => `${c.id}=${c.verdict}`).join(', ')}`,
    );
    for (const c of nothing) {
      const row = rowOf(c.id, c.subject);
      assert.notEqual(row.icon, 'pass', `${row.label} has the pass icon`);
      assert.notEqual(row.iconColor, 'testing.iconPassed');
      assert.match(row.description ?? '', /nothing checked · 0 /);
    }
    for (const c of report.checks.filter((x) => x.verdict === 'pass'))
      assert.ok(c.examined.count > 0, `${checkName(c)} passed with nothing examined`);
  });

  it('shows the published platforms with full digests, and glibc per platform as binaries', async () => {
    const a = await api();
    const digests = await a.readiness.provider.getChildren(rowOf('platforms'));
    assert.deepEqual(
      digests.map((d) => [d.label, d.data?.digest]),
      [
        ['linux/amd64', fixture().digests.amd64],
        ['linux/arm64', fixture().digests.arm64],
      ],
    );
    const glibc = rowOf('glibc', 'linux/arm64');
    assert.equal(glibc.icon, 'pass', `${glibc.label}: ${glibc.description}`);
    const binaries = await a.readiness.provider.getChildren(glibc);
    assert.ok(binaries.length > 0 && binaries.every((b) => b.contextValue === 'glibcBinary'), 'binaries listed');
  });

  it('says the failed release run and opens its failing step in a read-only document', async () => {
    const c = report.checks.find((x) => x.id === 'release-run')!;
    assert.equal(c.verdict, 'problem', c.summary);
    assert.match(c.summary, /run #12 .*failure; job "image", step 2 "Build and push"/);
    const row = rowOf('release-run');
    assert.match(row.contextValue ?? '', /\bfixable\b/);
    await vscode.commands.executeCommand('releaseOperator.fixReadinessCheck', row);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.scheme, 'release-operator', 'a virtual document, not an untitled file');
    assert.equal(editor.document.isUntitled, false);
    const text = editor.document.getText();
    assert.match(text, /--- image \/ 2\. Build and push \(failure\) ---/);
    assert.equal(
      editor.document.lineAt(editor.selection.active.line).text,
      '--- image / 2. Build and push (failure) ---',
      'opened at the failing step',
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it("follows a smoke row's fix: the smoke test runs on that platform and the row turns to pass", async () => {
    const a = await api();
    const row = rowOf('smoke', 'linux/amd64');
    assert.match(row.contextValue ?? '', /\bfixable\b/);
    const updated = new Promise<void>((resolve) => {
      const sub = a.readiness.provider.onDidChangeTreeData(() => {
        if (
          a.readiness.report?.checks.some(
            (c) => c.id === 'smoke' && c.subject === 'linux/amd64' && c.verdict !== 'nothing-checked',
          )
        ) {
          sub.dispose();
          resolve();
        }
      });
    });
    await vscode.commands.executeCommand('releaseOperator.fixReadinessCheck', row);
    await updated;
    const after = a.readiness.report!.checks.find((c) => c.id === 'smoke' && c.subject === 'linux/amd64')!;
    assert.equal(after.verdict, 'pass', after.summary);
    rows = await a.readiness.provider.getChildren();
    assert.equal(rowOf('smoke', 'linux/amd64').icon, 'pass');
    assert.equal(
      rows[0].description,
      a.readiness.report!.summary.replace(/^(not )?ready: /, ''),
      'the summary line follows the rows',
    );
  });

  it('answers for a picked version, and back for the effective one', async () => {
    const a = await api();
    const older = await vscode.commands.executeCommand<ReadinessReport>(
      'releaseOperator.pickReadinessVersion',
      '1.2.2',
    );
    assert.equal(older?.version, '1.2.2');
    assert.equal(older?.context?.reference, `${fixture().image}:v1.2.2`);
    const [summary] = await a.readiness.provider.getChildren();
    assert.match(summary.label, /^Version 1\.2\.2: /);
    assert.match(a.readiness.status.text, /1\.2\.2/);
    const back = await vscode.commands.executeCommand<ReadinessReport>('releaseOperator.pickReadinessVersion', '1.2.3');
    assert.equal(back?.version, '1.2.3');
  });
});
