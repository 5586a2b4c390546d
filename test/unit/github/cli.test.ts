import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { runProcess } from '../../../src/core/process/run';
import { GitHubFake } from '../../helpers/github-fake';
import { ActionsScenario, type RunPhase } from '../../helpers/github/actions-scenario';
import { ARTIFACTS, FIXTURES } from '../../helpers/paths';

/** A clone-like folder: git repository with a GitHub remote and the fixture workflows. */
async function makeRepo(): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(path.join(ARTIFACTS, 'github-cli-'));
  cpSync(path.join(FIXTURES, 'github', 'repo'), dir, { recursive: true });
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['remote', 'add', 'origin', 'https://github.com/acme/app.git'],
  ]) {
    const r = await runProcess('git', args, { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
  }
  return dir;
}

const phase = (status: string, conclusion: string | null): RunPhase => ({
  status,
  conclusion,
  jobs: [
    {
      id: 7,
      name: 'build',
      status,
      conclusion,
      started_at: '2024-05-01T10:00:00Z',
      steps: [
        {
          name: 'Build',
          status,
          conclusion,
          started_at: '2024-05-01T10:00:00Z',
          completed_at: status === 'completed' ? '2024-05-01T10:01:05Z' : null,
        },
      ],
    },
  ],
});

describe('github: CLI commands against the fake', () => {
  let fake: GitHubFake;
  let scenario: ActionsScenario;
  let dir: string;
  before(async () => (dir = await makeRepo()));
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    fake = await GitHubFake.start();
    scenario = new ActionsScenario(fake);
  });
  afterEach(async () => {
    await fake.close();
    fake.assertNoViolations();
  });

  async function cli(
    args: string[],
    env: Record<string, string | undefined> = {},
    io: { isTTY?: boolean } = { isTTY: false },
  ) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [...args, '--cwd', dir],
      {
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url, PATH: process.env.PATH, ...env },
        ...io,
      },
      new AbortController().signal,
    );
    return { code, stdout, stderr };
  }

  it('runs --workflow lists runs of that workflow; --json is one document', async () => {
    scenario.addRun({
      id: 11,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('completed', 'success')],
    });
    scenario.addRun({
      id: 12,
      workflowFile: 'ci.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('completed', 'failure')],
    });
    const text = await cli(['runs', '--workflow', 'release.yml']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ID\s+STATE\s+WORKFLOW/);
    // The scenario stamps runs with its own fixed clock, so the CREATED column is known whatever today's date is.
    const rows = text.stdout.trim().split('\n').slice(1);
    assert.deepEqual(
      rows.map((r) => r.split(/\s+/)),
      [['11', 'success', 'Release', 'main', 'push', '2024-05-01', '10:00:00']],
      'only the run of release.yml is listed (run 12 is of ci.yml)',
    );
    const json = await cli(['runs', '--json']);
    assert.deepEqual(
      JSON.parse(json.stdout).runs.map((r: { id: number }) => r.id),
      [12, 11],
    );
  });

  it('dispatch without a name takes the release workflow, types the inputs, and --watch follows the run to its end', async () => {
    scenario.nextDispatch = {
      id: 500,
      workflowFile: 'release.yml',
      phases: [phase('queued', null), phase('in_progress', null), phase('completed', 'success')],
    };
    const r = await cli([
      'dispatch',
      '--input',
      'version=1.2.3',
      '--input',
      'dry_run=no',
      '--watch',
      '--interval',
      '0.01',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(scenario.dispatches, [
      { workflow: 'release.yml', ref: 'main', inputs: { version: '1.2.3', dry_run: 'false' } },
    ]);
    const out = JSON.parse(r.stdout);
    assert.equal(out.run.conclusion, 'success');
    assert.deepEqual(out.inputs, { version: '1.2.3', channel: 'stable', dry_run: 'false', retries: '2' });
    assert.match(r.stderr, /run 500: in_progress[\s\S]*run 500: success/);
  });

  it('dispatch refuses an unknown input with exit 2 before any request reaches GitHub', async () => {
    const r = await cli(['dispatch', 'release.yml', '--ref', 'main', '--input', 'version=1', '--input', 'colour=red']);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /has no input 'colour'[\s\S]*Its inputs: version \(string, required\), channel \(choice: stable\|beta\|nightly\)/,
    );
    assert.equal(fake.calls('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches'), 0);
  });

  it('run ID shows jobs and steps with timings and exits 1 for a failed run; logs ID falls back from run to job', async () => {
    scenario.addRun({
      id: 21,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [
        {
          ...phase('completed', 'failure'),
          jobs: [{ ...phase('completed', 'failure').jobs[0], log: '2024-05-01T10:00:30Z boom\n' }],
        },
      ],
    });
    const r = await cli(['run', '21']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /job 7\s+build\s+failure/);
    assert.match(r.stdout, /1\. Build\s+failure\s+1m05s/);
    const logs = await cli(['logs', '7']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /=== build \(failure\)\n--- 1\. Build \(failure\)\n2024-05-01T10:00:30Z boom/);
  });

  it('cancel asks first: without a terminal and without --yes it refuses with exit 2; --yes cancels', async () => {
    scenario.addRun({
      id: 31,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('in_progress', null)],
    });
    const refused = await cli(['cancel', '31']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /needs confirmation[\s\S]*--yes/);
    assert.deepEqual(scenario.cancels, []);
    const declined = await cli(['cancel', '31'], {}, { isTTY: true, confirm: () => Promise.resolve(false) } as {
      isTTY: boolean;
    });
    assert.equal(declined.code, 2);
    assert.deepEqual(scenario.cancels, []);
    const yes = await cli(['cancel', '31', '--yes']);
    assert.equal(yes.code, 0, yes.stderr);
    assert.deepEqual(scenario.cancels, [31]);
  });

  it('rerun --failed re-runs only the failed jobs', async () => {
    scenario.addRun({
      id: 41,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('completed', 'failure')],
      rerunPhases: [phase('queued', null)],
    });
    const r = await cli(['rerun', '41', '--failed']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(scenario.reruns, [{ runId: 41, failedOnly: true }]);
  });

  it('without a token: exit 2 and a message naming the scopes', async () => {
    const r = await cli(['runs'], { GITHUB_TOKEN: undefined, GH_TOKEN: undefined, PATH: '/nonexistent' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /No GitHub token[\s\S]*repo, workflow, read:packages/);
  });

  it('status shows the Releases and the latest release run; without a token, local facts and why GitHub facts are missing', async () => {
    const ex = fake.example<Array<Record<string, unknown>>>('GET', '/repos/{owner}/{repo}/releases')[0];
    fake.route('GET', '/repos/{owner}/{repo}/releases', () => ({
      body: [
        { ...ex, id: 2, tag_name: 'v1.1.0' },
        { ...ex, id: 1, tag_name: 'v1.0.0' },
      ],
    }));
    fake.route('GET', '/repos/{owner}/{repo}/releases/latest', () => ({ body: { ...ex, id: 2, tag_name: 'v1.1.0' } }));
    scenario.addRun({
      id: 61,
      workflowFile: 'release.yml',
      branch: 'v1.1.0',
      event: 'push',
      actor: 'octocat',
      phases: [phase('completed', 'success')],
    });
    const r = await cli(['status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Releases {4}v1\.1\.0 \(latest\), v1\.0\.0/);
    assert.match(r.stdout, /Release run 61 success on v1\.1\.0 \(release\.yml/);
    const json = JSON.parse((await cli(['status', '--json'])).stdout);
    assert.equal(json.github.latestReleaseRun.id, 61);
    const offline = await cli(['status'], { GITHUB_TOKEN: undefined });
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /Folder {6}/);
    assert.match(offline.stdout, /GitHub {6}facts not shown: No GitHub token/);
  });

  it('dispatch of a workflow that exists only on GitHub goes through with a note; an unknown one lists the known workflows', async () => {
    const ex = fake.example<{ workflows: Array<Record<string, unknown>> }>(
      'GET',
      '/repos/{owner}/{repo}/actions/workflows',
    );
    fake.route('GET', '/repos/{owner}/{repo}/actions/workflows', () => ({
      body: {
        total_count: 1,
        workflows: [
          { ...ex.workflows[0], id: 3, name: 'Deploy', path: '.github/workflows/deploy.yml', state: 'active' },
        ],
      },
    }));
    scenario.nextDispatch = { id: 600, workflowFile: 'deploy.yml', phases: [phase('queued', null)] };
    const ok = await cli(['dispatch', 'deploy.yml', '--ref', 'main', '--input', 'anything=1']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /deploy\.yml is not in this checkout; its inputs are not checked/);
    assert.deepEqual(scenario.dispatches, [{ workflow: 'deploy.yml', ref: 'main', inputs: { anything: '1' } }]);
    const unknown = await cli(['dispatch', 'nope.yml', '--ref', 'main']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /No workflow 'nope\.yml' in acme\/app[\s\S]*Known workflows: broken\.yml, ci\.yml, deploy\.yml, publish-image\.yaml, release\.yml/,
    );
  });
});
