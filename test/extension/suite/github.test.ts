import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { GitHubFake } from '../../helpers/github-fake';
import { api, nextTreeChange, root } from './api';

// GitHub's API is the one stand-in: a local fake that checks every request against GitHub's description.
// The token comes from GITHUB_TOKEN (code-server has no GitHub sign-in), the API URL from the setting.
describe('GitHub in the Release view (fake GitHub API checked against its description)', () => {
  let fake: GitHubFake;
  const runsCalls = { n: 0 };
  const run = (id: number, status: string, conclusion: string | null) => ({
    id,
    name: 'Release',
    workflow_id: 7,
    path: '.github/workflows/release.yml',
    run_number: id,
    run_attempt: 1,
    event: 'workflow_dispatch',
    status,
    conclusion,
    head_branch: 'main',
    head_sha: 'a'.repeat(40),
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:01:00Z',
    html_url: `https://github.com/acme/rocket/actions/runs/${id}`,
  });

  before(async () => {
    fake = await GitHubFake.start();
    fake
      .route('GET', '/repos/{owner}/{repo}/releases', () => ({
        body: [
          {
            id: 1,
            tag_name: 'v1.2.3',
            name: 'v1.2.3',
            draft: false,
            prerelease: false,
            created_at: '2026-01-01T00:00:00Z',
            published_at: '2026-01-01T00:00:00Z',
            html_url: 'https://github.com/acme/rocket/releases/tag/v1.2.3',
          },
        ],
      }))
      .route('GET', '/repos/{owner}/{repo}/releases/latest', () => ({ body: { id: 1, tag_name: 'v1.2.3' } }))
      // The run is in progress for the first two reads, then it succeeds: the view must follow it by itself.
      .route('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', () => {
        runsCalls.n++;
        return {
          body: {
            total_count: 1,
            workflow_runs: [runsCalls.n <= 2 ? run(4241, 'in_progress', null) : run(4241, 'completed', 'success')],
          },
        };
      })
      .route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs', (req) => ({
        body: {
          total_count: 1,
          jobs: [
            {
              id: 99,
              run_id: Number(req.params.run_id),
              name: 'image',
              status: 'completed',
              conclusion: 'success',
              html_url: 'https://github.com/acme/rocket/actions/runs/4241/job/99',
              steps: [
                {
                  number: 1,
                  name: 'Build and push',
                  status: 'completed',
                  conclusion: 'success',
                  started_at: '2026-01-01T00:00:00Z',
                  completed_at: '2026-01-01T00:01:05Z',
                },
              ],
            },
          ],
        },
      }))
      .route('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', () => ({
        status: 200,
        body: {
          workflow_run_id: 4242,
          run_url: 'https://api.github.com/repos/acme/rocket/actions/runs/4242',
          html_url: 'https://github.com/acme/rocket/actions/runs/4242',
        },
      }))
      .route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}', (req) => ({
        body: run(Number(req.params.run_id), req.params.run_id === '4242' ? 'queued' : 'in_progress', null),
      }))
      .route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel', () => ({ status: 202, body: {} }));
    process.env.GITHUB_TOKEN = fake.token;
    const a = await api();
    const changed = nextTreeChange(a, 'setting releaseOperator.github.apiUrl');
    await vscode.workspace
      .getConfiguration('releaseOperator')
      .update('github.apiUrl', fake.url, vscode.ConfigurationTarget.Workspace);
    await changed;
  });

  after(async () => {
    delete process.env.GITHUB_TOKEN;
    await vscode.workspace
      .getConfiguration('releaseOperator')
      .update('github.apiUrl', undefined, vscode.ConfigurationTarget.Workspace);
    await fake?.close();
  });

  it('shows each git tag with its GitHub Release state next to its image', async () => {
    const tags = await (await api()).tree.getChildren(await root('gittags'));
    assert.deepEqual(
      tags.map((t) => [t.label, t.description]),
      [
        ['v1.2.3', 'released · image ✓'],
        ['v1.2.2', 'no release · image ✓'],
      ],
    );
    assert.match(tags[0].contextValue ?? '', /\bbrowsable\b/);
  });

  it('follows a running release workflow run live until it completes, with jobs and timed steps', async () => {
    const a = await api();
    const runs = await root('runs');
    const [first] = await a.tree.getChildren(runs);
    assert.equal(first.label, 'Release');
    assert.match(first.description ?? '', /^#4241 · in_progress · main$/);
    assert.equal(first.icon, 'sync~spin');
    assert.match(first.contextValue ?? '', /^run\b.*\bactive\b/);
    // Nobody refreshes: the folder reloads itself while a run is in progress.
    let now = first;
    for (let i = 0; i < 4 && now.icon === 'sync~spin'; i++) {
      await nextTreeChange(a, 'a run in progress (live polling)');
      [now] = await a.tree.getChildren(runs);
    }
    assert.equal(now.icon, 'pass');
    assert.match(now.description ?? '', /success/);
    const [job] = await a.tree.getChildren(now);
    assert.equal(job.label, 'image');
    const [step] = await a.tree.getChildren(job);
    assert.deepEqual([step.label, step.description, step.icon], ['Build and push', '1 m 5 s', 'pass']);
  });

  it('runs the release workflow with inputs typed as the workflow declares them', async () => {
    const result = await vscode.commands.executeCommand<{ run: { id: number } }>('releaseOperator.runWorkflow', {
      ref: 'main',
      inputs: { version: '1.2.4', dry_run: 'true', channel: 'beta' },
      confirmed: true,
    });
    assert.equal(result?.run.id, 4242);
    const sent = fake.requests.filter((r) => r.method === 'POST' && r.template.endsWith('/dispatches'));
    assert.equal(sent.length, 1);
    assert.deepEqual((sent[0].body as { inputs: unknown }).inputs, {
      version: '1.2.4',
      dry_run: 'true',
      channel: 'beta',
    });
    assert.equal((sent[0].body as { ref: string }).ref, 'main');
  });

  it('refuses an input the workflow does not accept, without calling GitHub', async () => {
    const before = fake.calls('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches');
    const result = await vscode.commands.executeCommand('releaseOperator.runWorkflow', {
      ref: 'main',
      inputs: { version: '1.2.4', channel: 'nightly' },
      confirmed: true,
    });
    assert.equal(result, undefined);
    assert.equal(fake.calls('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches'), before);
  });

  it('cancels a run in progress', async () => {
    await vscode.commands.executeCommand('releaseOperator.cancelWorkflow', { runId: 4241, confirmed: true });
    assert.equal(fake.calls('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel'), 1);
  });

  it('made only requests GitHub would accept', () => {
    fake.assertNoViolations();
  });
});
