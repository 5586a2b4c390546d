import assert from 'node:assert/strict';
import { CancelledError } from '../../../src/core/errors';
import {
  GitHubClient,
  dispatchWorkflow,
  followRun,
  jobLog,
  listJobs,
  rerunRun,
  runLogs,
  cancelRun,
  type RunEvent,
} from '../../../src/core/github';
import { GitHubFake } from '../../helpers/github-fake';
import { ActionsScenario, SCENARIO_NOW, type JobState, type RunPhase } from '../../helpers/github/actions-scenario';

const repo = { owner: 'acme', name: 'app' };

function steps(status: 'queued' | 'in_progress' | 'completed', fail = false): JobState['steps'] {
  const done = (i: number) => status === 'completed' || (status === 'in_progress' && i === 0);
  return ['Set up job', 'Build image', 'Push image'].map((name, i) => ({
    name,
    status: done(i) ? 'completed' : status === 'in_progress' && i === 1 ? 'in_progress' : 'queued',
    conclusion: done(i) ? (fail && i === 2 ? 'failure' : 'success') : null,
    started_at: status === 'queued' || (status === 'in_progress' && i > 1) ? null : `2024-05-01T10:0${i}:00Z`,
    completed_at: done(i) ? `2024-05-01T10:0${i}:30Z` : null,
  }));
}

const phase = (
  status: 'queued' | 'in_progress' | 'completed',
  conclusion: string | null,
  fail = false,
  log?: string,
): RunPhase => ({
  status,
  conclusion,
  jobs: [
    { id: 501, name: 'build', status, conclusion, started_at: '2024-05-01T10:00:00Z', steps: steps(status, fail), log },
  ],
});

const LOG = [
  '2024-05-01T10:00:01.0000000Z Current runner version: 2.317.0',
  '2024-05-01T10:01:02.0000000Z #1 building linux/amd64',
  '2024-05-01T10:02:03.0000000Z pushing ghcr.io/acme/app:v1.2.3',
  '2024-05-01T10:02:04.0000000Z ##[error]denied: permission_denied: write_package',
].join('\n');

describe("github: runs through a fake built from GitHub's API description", () => {
  let fake: GitHubFake;
  let scenario: ActionsScenario;
  let gh: GitHubClient;
  let sleeps: number[];
  /** One clock for the fake and the client; a sleep moves it on, so nothing here depends on the real date. */
  let clock: number;

  beforeEach(async () => {
    fake = await GitHubFake.start();
    clock = SCENARIO_NOW;
    scenario = new ActionsScenario(fake, 'acme', 'app', () => clock);
    sleeps = [];
    gh = await GitHubClient.create({
      apiUrl: fake.url,
      token: () => Promise.resolve(fake.token),
      sleep: (ms) => {
        sleeps.push(ms);
        clock += ms;
        return Promise.resolve();
      },
      now: () => clock,
    });
  });
  afterEach(async () => {
    await fake.close();
    fake.assertNoViolations();
  });

  it('dispatches with typed inputs, finds the run from the returned run details, and follows it through queued, in_progress, completed', async () => {
    scenario.nextDispatch = {
      id: 9001,
      workflowFile: 'release.yml',
      phases: [
        phase('queued', null),
        phase('in_progress', null),
        phase('in_progress', null),
        phase('completed', 'success'),
      ],
    };
    const { run, foundBy } = await dispatchWorkflow(gh, repo, {
      workflow: 'release.yml',
      ref: 'main',
      inputs: { version: '1.2.3', dry_run: 'false', retries: '3' },
    });
    assert.equal(foundBy, 'run-details');
    assert.equal(run.id, 9001);
    assert.deepEqual(scenario.dispatches, [
      { workflow: 'release.yml', ref: 'main', inputs: { version: '1.2.3', dry_run: 'false', retries: '3' } },
    ]);

    const events: RunEvent[] = [];
    const final = await followRun(gh, repo, run.id, {
      intervalMs: 1000,
      maxIntervalMs: 4000,
      onEvent: (e) => events.push(e),
    });
    assert.equal(final.run.status, 'completed');
    assert.equal(final.run.conclusion, 'success');
    const runStates = events.filter((e) => e.type === 'run').map((e) => (e.type === 'run' ? e.run.status : ''));
    // The dispatch's own GET showed 'queued'; the follower sees the rest in order.
    assert.deepEqual(runStates, ['in_progress', 'completed']);
    const stepDone = events
      .filter((e) => e.type === 'step' && e.step.status === 'completed')
      .map((e) => (e.type === 'step' ? e.step.name : ''));
    assert.deepEqual(stepDone, ['Set up job', 'Build image', 'Push image']);
    // Back-off: the quiet poll (same state twice) waited longer than the first.
    const waits = events.filter((e) => e.type === 'wait').map((e) => (e.type === 'wait' ? e.ms : 0));
    assert.deepEqual(waits, [1000, 1500]);
    assert.deepEqual(sleeps, [1000, 1500]);
    assert.equal(final.jobs[0].steps[1].startedAt, '2024-05-01T10:01:00Z');
  });

  it('finds the dispatched run by workflow, ref, actor and time when GitHub answers 204 (older servers)', async () => {
    scenario.returnRunDetails = false;
    scenario.addRun({
      id: 42,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'workflow_dispatch',
      actor: 'octocat',
      createdAt: '2020-01-01T00:00:00Z',
      phases: [phase('completed', 'success')],
    });
    scenario.nextDispatch = { id: 43, workflowFile: 'release.yml', phases: [phase('queued', null)] };
    const { run, foundBy } = await dispatchWorkflow(gh, repo, { workflow: 'release.yml', ref: 'main', inputs: {} });
    assert.equal(foundBy, 'matched');
    assert.equal(run.id, 43, 'the old run of the same workflow must not be taken for the new one');
    const listed = fake.requests.find(
      (r) => r.template === '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
    );
    assert.match(listed!.path, /actor=octocat/);
    assert.match(listed!.path, /event=workflow_dispatch/);
    assert.match(listed!.path, /created=%3E%3D/);
  });

  it("shows a failed job's log by step, then re-runs the failed jobs and follows the new attempt to success", async () => {
    scenario.addRun({
      id: 77,
      workflowFile: 'release.yml',
      branch: 'v1.2.3',
      event: 'push',
      actor: 'octocat',
      phases: [phase('completed', 'failure', true, LOG)],
      rerunPhases: [phase('queued', null), phase('in_progress', null), phase('completed', 'success', false, LOG)],
    });
    const jobs = await listJobs(gh, repo, 77);
    const failed = jobs.find((j) => j.conclusion === 'failure')!;
    assert.equal(failed.id, 501);
    const log = await jobLog(gh, repo, failed.id);
    assert.deepEqual(
      log.sections.map((s) => [s.name, s.conclusion, s.lines.length]),
      [
        ['Set up job', 'success', 1],
        ['Build image', 'success', 1],
        ['Push image', 'failure', 2],
      ],
    );
    assert.match(log.sections[2].lines[1], /permission_denied/);

    const zipped = await runLogs(gh, repo, 77);
    assert.equal(zipped.length, 1);
    assert.equal(zipped[0].jobName, 'build');
    assert.deepEqual(
      zipped[0].sections.map((s) => s.lines.length),
      [1, 1, 2],
    );

    await rerunRun(gh, repo, 77, true);
    assert.deepEqual(scenario.reruns, [{ runId: 77, failedOnly: true }]);
    assert.equal(fake.calls('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs'), 1);
    const final = await followRun(gh, repo, 77, { intervalMs: 10 });
    assert.equal(final.run.conclusion, 'success');
    assert.equal(final.run.attempt, 2);
  });

  it('says logs expired on 410 and not yet available on 404 while the job runs', async () => {
    scenario.addRun({
      id: 80,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('completed', 'success', false, 'expired')],
    });
    await assert.rejects(jobLog(gh, repo, 501), (e: Error & { kind?: string; hint?: string }) => {
      assert.equal(e.kind, 'environment');
      assert.match(e.message, /expired \(410 Gone\)/);
      assert.match(e.hint!, /re-run/);
      return true;
    });
    await assert.rejects(runLogs(gh, repo, 80), /logs of run 80 have expired/);

    scenario.runs.clear();
    scenario.addRun({
      id: 81,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('in_progress', null)],
    });
    await assert.rejects(jobLog(gh, repo, 501), /not yet available: it is still running/);
  });

  it('refuses to re-run a run that is still going and to cancel a completed one, without calling GitHub to do it', async () => {
    scenario.addRun({
      id: 90,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('in_progress', null)],
    });
    await assert.rejects(rerunRun(gh, repo, 90, true), /still in_progress/);
    scenario.addRun({
      id: 91,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('completed', 'success')],
    });
    await assert.rejects(cancelRun(gh, repo, 91), /already completed/);
    assert.equal(fake.calls('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel'), 0);
    await cancelRun(gh, repo, 90);
    assert.deepEqual(scenario.cancels, [90]);
  });

  it('stops following when nobody is watching (AbortSignal)', async () => {
    scenario.addRun({
      id: 95,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('in_progress', null)],
    });
    const controller = new AbortController();
    let polls = 0;
    const slow = await GitHubClient.create({
      apiUrl: fake.url,
      token: () => Promise.resolve(fake.token),
      sleep: (_ms, signal) => {
        if (++polls === 3) controller.abort();
        return signal?.aborted ? Promise.reject(new CancelledError()) : Promise.resolve();
      },
    });
    await assert.rejects(followRun(slow, repo, 95, { signal: controller.signal, intervalMs: 10 }), CancelledError);
    assert.equal(fake.calls('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}'), 3);
  });

  it('stretches the poll to the rate-limit reset when few requests are left', async () => {
    scenario.addRun({
      id: 96,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase('in_progress', null), phase('completed', 'success')],
    });
    const now = 1_700_000_000_000;
    const clocked = await GitHubClient.create({
      apiUrl: fake.url,
      token: () => Promise.resolve(fake.token),
      sleep: (ms) => Promise.resolve(void sleeps.push(ms)),
      now: () => now,
    });
    const route = '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs';
    fake.route('GET', route, () => ({
      body: { total_count: 0, jobs: [] },
      headers: { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(now / 1000 + 90) },
    }));
    const events: RunEvent[] = [];
    await followRun(clocked, repo, 96, { intervalMs: 1000, onEvent: (e) => events.push(e) });
    assert.deepEqual(
      events.filter((e) => e.type === 'wait'),
      [{ type: 'wait', ms: 91_000, reason: 'rate-limit' }],
    );
  });

  it('retries the dispatch without return_run_details when an older server refuses the key, then matches the run', async () => {
    let refused = 0;
    const route = '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';
    fake.route('POST', route, (req) => {
      if (req.body.return_run_details !== undefined) {
        refused++;
        return { status: 422, body: { message: 'Invalid request.\n\n"return_run_details" is not a permitted key.' } };
      }
      scenario.addRun({
        id: 97,
        workflowFile: req.params.workflow_id,
        branch: req.body.ref,
        event: 'workflow_dispatch',
        actor: scenario.login,
        phases: [phase('queued', null)],
      });
      return { status: 204 };
    });
    const { run, foundBy } = await dispatchWorkflow(gh, repo, {
      workflow: 'release.yml',
      ref: 'main',
      inputs: { version: '1.0.0' },
    });
    assert.equal(refused, 1);
    assert.deepEqual([run.id, foundBy], [97, 'matched']);
  });
});
