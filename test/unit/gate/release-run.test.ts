import assert from 'node:assert/strict';
import { releaseRunCheck } from '../../../src/core/gate/checks/run';
import type { Job, WorkflowRun } from '../../../src/core/github';

const run = (status: WorkflowRun['status'], conclusion: string | null): WorkflowRun => ({
  id: 5150,
  name: 'Release',
  workflowId: 7,
  path: '.github/workflows/release.yml',
  runNumber: 12,
  attempt: 1,
  event: 'push',
  status,
  conclusion,
  branch: 'v1.2.3',
  headSha: 'a'.repeat(40),
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:02:00Z',
  url: 'https://github.com/acme/rocket/actions/runs/5150',
});
const job: Job = {
  id: 77,
  runId: 5150,
  name: 'image',
  status: 'completed',
  conclusion: 'failure',
  url: 'https://github.com/acme/rocket/actions/runs/5150/job/77',
  steps: [
    { number: 1, name: 'Checkout', status: 'completed', conclusion: 'success' },
    { number: 2, name: 'Build and push', status: 'completed', conclusion: 'failure' },
  ],
};

describe('the latest release run as a readiness row', () => {
  it('no run of the release workflow is nothing-checked, never a pass', () => {
    const c = releaseRunCheck(undefined, [], '.github/workflows/release.yml', 'the newest run');
    assert.equal(c.verdict, 'nothing-checked');
    assert.equal(c.examined.count, 0);
    assert.match(c.summary, /looked for runs of \.github\/workflows\/release\.yml/);
  });

  it('a failed run is a problem naming its failing job and step, with their ids for the log', () => {
    const c = releaseRunCheck(run('completed', 'failure'), [job], 'release.yml', 'the newest run on v1.2.3');
    assert.equal(c.verdict, 'problem');
    assert.match(c.summary, /run #12 \(push on v1\.2\.3\): failure; job "image", step 2 "Build and push"/);
    assert.deepEqual([c.evidence?.runId, c.evidence?.jobId, c.evidence?.step], [5150, 77, '2 Build and push']);
    assert.equal(c.next?.[0].command, 'release-operator logs 77 --job');
  });

  it('a successful run passes having examined one run; one in progress says so as a warning', () => {
    const ok = releaseRunCheck(run('completed', 'success'), [], 'release.yml', 'x');
    assert.deepEqual([ok.verdict, ok.examined.count, ok.findings.length], ['pass', 1, 0]);
    const busy = releaseRunCheck(run('in_progress', null), [], 'release.yml', 'x');
    assert.equal(busy.findings[0].severity, 'warning');
    assert.match(busy.summary, /in_progress/);
  });
});
