import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { runProcess } from '../../../src/core/process/run';
import { recordFigure } from '../../helpers/figures';
import { GitHubFake } from '../../helpers/github-fake';
import { ActionsScenario, type RunPhase } from '../../helpers/github/actions-scenario';
import { ARTIFACTS, FIXTURES } from '../../helpers/paths';

/**
 * GitHub faults on the local API server (the one stand-in allowed): 5xx, rate limits, a token that expired,
 * a run that disappears while it is followed. Each gives a clear message and exit code, bounded retries, no hang.
 */
const RUNS = '/repos/{owner}/{repo}/actions/runs';
const RUN = '/repos/{owner}/{repo}/actions/runs/{run_id}';

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
      steps: [{ name: 'Build', status, conclusion, started_at: '2024-05-01T10:00:00Z', completed_at: null }],
    },
  ],
});

describe('reliability: GitHub faults (local API server)', function () {
  this.timeout(60_000);
  let fake: GitHubFake;
  let scenario: ActionsScenario;
  let dir: string;
  let injected = 0;
  let survived = 0;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(path.join(ARTIFACTS, 'github-faults-'));
    cpSync(path.join(FIXTURES, 'github', 'repo'), dir, { recursive: true });
    for (const args of [
      ['init', '-q', '-b', 'main'],
      ['remote', 'add', 'origin', 'https://github.com/acme/app.git'],
    ])
      assert.equal((await runProcess('git', args, { cwd: dir })).exitCode, 0);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    recordFigure('fault', 'github', { injected, survived });
  });
  beforeEach(async () => {
    fake = await GitHubFake.start();
    scenario = new ActionsScenario(fake);
    scenario.addRun({
      id: 11,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('completed', 'success')],
    });
  });
  afterEach(async () => fake.close());

  async function cli(args: string[], env: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [...args, '--cwd', dir],
      {
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url, PATH: process.env.PATH, ...env },
      },
      new AbortController().signal,
    );
    return { code, stdout, stderr };
  }

  it('a 502 once is retried; a 502 that stays is reported as GitHub trouble (exit 3) after a few tries', async () => {
    let calls = 0;
    fake.route('GET', RUNS, () =>
      ++calls === 1 ? { status: 502, body: { message: 'Server Error' } } : { body: fake.example('GET', RUNS) },
    );
    const once = await cli(['runs', '--json']);
    injected++;
    assert.equal(once.code, 0, once.stderr);
    assert.equal(calls, 2);
    survived++;

    calls = 0;
    fake.route('GET', RUNS, () => (++calls, { status: 503, body: { message: 'Service Unavailable' } }));
    const always = await cli(['runs']);
    injected++;
    assert.equal(always.code, 3, always.stderr);
    assert.match(always.stderr, /503|unavailable/i);
    assert.ok(calls >= 2 && calls <= 5, `${calls} attempts`);
    assert.doesNotMatch(always.stderr, /\n\s+at /, 'no stack trace');
    survived++;
  });

  it('a rate limit with a far reset says when to come back instead of hanging (exit 3)', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    fake.route('GET', RUNS, () => ({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded' },
    }));
    const r = await cli(['runs']);
    injected++;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /rate limit/i);
    survived++;
  });

  it('an expired token is refused with what to do, and the token is not shown', async () => {
    const r = await cli(['runs'], { GITHUB_TOKEN: 'ghp_expiredTokenOfThisTest000000000000' });
    injected++;
    assert.ok([2, 3].includes(r.code), `exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /401|token|credentials/i);
    assert.doesNotMatch(r.stdout + r.stderr, /ghp_expiredTokenOfThisTest/);
    survived++;
  });

  it('a run that disappears while it is followed: a clear message, no hang', async () => {
    scenario.addRun({
      id: 13,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [
        phase('in_progress', null),
        phase('in_progress', null),
        phase('in_progress', null),
        phase('completed', 'success'),
      ],
    });
    const remover = setInterval(() => {
      if (fake.calls('GET', RUN) >= 2) scenario.runs.delete(13);
    }, 5);
    try {
      const r = await cli(['run', '13', '--watch', '--interval', '0.05']);
      injected++;
      assert.notEqual(r.code, 0, 'a vanished run is not a success');
      assert.match(r.stderr, /13/);
      assert.match(r.stderr, /not find|no longer|deleted|404/i);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      survived++;
    } finally {
      clearInterval(remover);
    }
  });
});
