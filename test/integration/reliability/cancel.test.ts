import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../../../src/core/process/run';
import { startCliProcess, type CliProcess, type CliProcessOptions } from '../../helpers/cli-process';
import { recordFigure } from '../../helpers/figures';
import { GitHubFake } from '../../helpers/github-fake';
import { ActionsScenario } from '../../helpers/github/actions-scenario';
import { startHostileRegistry, type HostileRegistry } from '../../helpers/hostile-registry';
import { FIXTURES } from '../../helpers/paths';
import { buildFixture, contextDir, DOCKER, leftovers, prepareContext, removeFixtures } from '../smoke/fixture';

/**
 * SIGINT and SIGTERM end any command within about a second, with its cleanup done (containers removed): waiting on a
 * registry that never answers, sleeping out a Retry-After, reading a log that drips, following a run, scanning a
 * large folder, smoke testing a service that never becomes healthy. The CLI runs in a process of its own and the
 * signal goes to it, as a terminal or a CI runner sends it.
 */
const BOUND_MS = 2500;

describe('reliability: SIGINT and SIGTERM end every command promptly, cleaned up', function () {
  this.timeout(180_000);
  let reg: HostileRegistry;
  let fake: GitHubFake;
  let repo: string;
  const figures: Array<{ name: string; ms: number }> = [];

  before(async () => {
    reg = await startHostileRegistry();
    fake = await GitHubFake.start();
    repo = mkdtempSync(path.join(os.tmpdir(), 'ro-cancel-'));
    cpSync(path.join(FIXTURES, 'github', 'repo'), repo, { recursive: true });
    for (const args of [
      ['init', '-q', '-b', 'main'],
      ['remote', 'add', 'origin', 'https://github.com/acme/app.git'],
    ])
      assert.equal((await runProcess('git', args, { cwd: repo })).exitCode, 0);
  });
  after(async () => {
    await reg.stop();
    await fake.close();
    rmSync(repo, { recursive: true, force: true });
    for (const f of figures) recordFigure('hostile', `cancel: ${f.name}`, { msToExit: f.ms });
  });

  /** Starts the command, waits until it is in the middle (`ready`), sends `signal`, and measures until it exits. */
  async function interrupt(
    name: string,
    args: string[],
    ready: (p: CliProcess) => Promise<void>,
    signal: NodeJS.Signals = 'SIGTERM',
    o: CliProcessOptions = {},
  ) {
    const p = startCliProcess(args, { measure: false, timeoutMs: 120_000, ...o });
    await ready(p);
    const sent = Date.now();
    p.kill(signal);
    const r = await p.done;
    const ms = Date.now() - sent;
    figures.push({ name, ms });
    assert.equal(r.timedOut, false, `${name}: did not end`);
    assert.equal(r.code, 130, `${name}: exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${signal}: stopping and cleaning up`));
    assert.ok(ms < BOUND_MS, `${name}: ended ${ms} ms after ${signal}`);
    return r;
  }
  const until = (what: () => boolean) => async () => {
    for (let i = 0; i < 600 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(what(), 'the command never got to the point to interrupt');
  };

  it('tags, waiting on a registry that never answers', async () => {
    reg.on('GET', /\/tags\/list/, () => undefined);
    const before = reg.requests.length;
    await interrupt(
      'tags, no answer',
      ['tags', `${reg.host}/acme/quiet`],
      // The tag list asked (the first request: it stands for the ping), and not answered.
      until(() => reg.requests.slice(before).some((r) => r.path.includes('/tags/list'))),
    );
  });

  it('manifest, sleeping out a Retry-After of 50 s', async () => {
    reg.on('GET', /\/manifests\/wait$/, (_req, res) => res.writeHead(503, { 'retry-after': '50' }).end());
    await interrupt(
      'manifest, during a Retry-After',
      ['manifest', `${reg.host}/acme/app:wait`, '--verbose'],
      (p) => p.waitFor(/waiting 50 s/),
      'SIGINT',
    );
  });

  it('logs, reading a log that drips', async () => {
    const s = new ActionsScenario(fake);
    s.addRun({
      id: 21,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [
        {
          status: 'completed',
          conclusion: 'success',
          jobs: [{ id: 31, name: 'build', status: 'completed', conclusion: 'success', steps: [], log: '' }],
        },
      ],
    });
    let reading = false;
    fake.route('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs', () => ({
      status: 302,
      headers: {
        location: fake.stream('drip.txt', (res) => {
          reading = true;
          res.writeHead(200, { 'content-type': 'text/plain' });
          const t = setInterval(() => res.write('.'), 100);
          res.on('close', () => clearInterval(t));
        }),
      },
    }));
    await interrupt(
      'logs, dripping',
      ['logs', '31', '--job', '--cwd', repo],
      until(() => reading),
      'SIGTERM',
      {
        env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url },
      },
    );
  });

  it('run --watch, following a run that never ends', async () => {
    const s = new ActionsScenario(fake);
    const running = {
      status: 'in_progress',
      conclusion: null,
      jobs: [{ id: 41, name: 'build', status: 'in_progress', conclusion: null, steps: [] }],
    };
    s.addRun({
      id: 22,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: Array.from({ length: 200 }, () => running),
    });
    await interrupt(
      'run --watch',
      ['run', '22', '--watch', '--interval', '1', '--cwd', repo],
      (p) => p.waitFor(/run 22: in_progress/),
      'SIGINT',
      { env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url } },
    );
  });

  it('glibc, scanning a large folder (/usr)', async () => {
    await interrupt(
      'glibc /usr',
      ['glibc', '/usr', '--max-glibc', '2.36', '--verbose'],
      () => new Promise((r) => setTimeout(r, 1500)),
    );
  });

  describe('smoke (real Docker)', () => {
    let slow: string;
    before(async function () {
      this.timeout(300_000);
      await prepareContext();
      slow = await buildFixture('slow', 'linux/amd64', ['--build-arg', 'DELAY=120']);
    });
    after(removeFixtures);

    it('smoke, while a service that never becomes healthy is probed: its containers are removed', async () => {
      let runId = '';
      const r = await interrupt(
        'smoke, service never healthy',
        ['smoke', slow, '--platform', 'linux/amd64', '--cwd', contextDir],
        async (p) => {
          await p.waitFor(/ok\s+start/);
          await p.waitFor(/smoke run (\S+):/);
        },
        'SIGTERM',
        { env: { RELEASE_OPERATOR_DOCKER: DOCKER } },
      );
      runId = /smoke run (\S+):/.exec(r.stderr)?.[1] ?? '';
      assert.ok(runId, r.stderr);
      assert.deepEqual((await leftovers(runId)).containers, [], 'a container of the run was left');
    });
  });
});
