import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import { runProcess } from '../../../src/core/process/run';
import { MEMORY_BOUND_MIB, hasControlCodes, runCliProcess, type CliProcessResult } from '../../helpers/cli-process';
import { recordFigure } from '../../helpers/figures';
import { GitHubFake } from '../../helpers/github-fake';
import { ActionsScenario, type RunPhase } from '../../helpers/github/actions-scenario';
import { FIXTURES } from '../../helpers/paths';

/**
 * A GitHub of the tests' own (the API fake, checked against GitHub's description) that sends hostile logs and
 * answers: a zip bomb, a job log of 1.5 GB, a run log that is no zip, a log that drips, names and lines with escape
 * codes, an answer of 20 MB, a rate limit that resets in an hour. The CLI runs in a process of its own; each case
 * ends in its verdict within its limit, with bounded memory and no control code in the output.
 */
const RUN_LOGS = '/repos/{owner}/{repo}/actions/runs/{run_id}/logs';
const JOB_LOGS = '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs';
const RUNS = '/repos/{owner}/{repo}/actions/runs';

const phase = (name = 'build'): RunPhase => ({
  status: 'completed',
  conclusion: 'failure',
  jobs: [
    {
      id: 7,
      name,
      status: 'completed',
      conclusion: 'failure',
      started_at: '2024-05-01T10:00:00Z',
      steps: [
        {
          name: 'Build',
          status: 'completed',
          conclusion: 'failure',
          started_at: '2024-05-01T10:00:00Z',
          completed_at: '2024-05-01T10:01:00Z',
        },
      ],
      log: '2024-05-01T10:00:30Z boom\n',
    },
  ],
});

/** Writes `chunk` until `total` bytes are sent or the client goes away, honouring backpressure. */
function pour(res: ServerResponse, chunk: Buffer, total: number, then?: () => void): void {
  let sent = 0;
  const more = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    if (res.destroyed) return;
    if (then) then();
    else res.end();
  };
  res.on('error', () => undefined);
  more();
}

/**
 * A zip of one entry whose deflate stream unpacks to `megabytes` MiB of zeros: 16 MiB blocks compressed once, repeated
 * (each ends in a sync flush, so they join into one stream), then an empty final block. About 1 KiB per MiB.
 */
function zipBomb(megabytes: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(16 * 2 ** 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const data = Buffer.concat([...Array<Buffer>(Math.ceil(megabytes / 16)).fill(block), Buffer.from([0x03, 0x00])]);
  const name = Buffer.from('0_build.txt');
  const size = Math.min(megabytes * 2 ** 20, 0xffffffff);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(0, 14); // crc32 (not checked by readers of a stream)
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

describe('reliability: a hostile GitHub (the CLI in a process of its own)', function () {
  this.timeout(120_000);
  let fake: GitHubFake;
  let dir: string;
  const figures: Array<{ name: string; code: number | null; ms: number; maxRssMiB?: number }> = [];

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ro-hostile-github-'));
    cpSync(path.join(FIXTURES, 'github', 'repo'), dir, { recursive: true });
    for (const args of [
      ['init', '-q', '-b', 'main'],
      ['remote', 'add', 'origin', 'https://github.com/acme/app.git'],
    ])
      assert.equal((await runProcess('git', args, { cwd: dir })).exitCode, 0);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const f of figures)
      recordFigure('hostile', `github: ${f.name}`, { exit: f.code ?? -1, ms: f.ms, maxRssMiB: f.maxRssMiB ?? -1 });
  });
  beforeEach(async () => {
    fake = await GitHubFake.start();
  });
  afterEach(async () => {
    await fake.close();
    fake.assertNoViolations();
    rmSync(path.join(dir, 'release-operator.json'), { force: true });
  });

  function scenario(jobName?: string) {
    new ActionsScenario(fake).addRun({
      id: 11,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [phase(jobName)],
    });
  }

  async function cli(name: string, args: string[], config?: object): Promise<CliProcessResult> {
    if (config) writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify(config));
    const r = await runCliProcess([...args, '--cwd', dir], {
      env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url },
      timeoutMs: 90_000,
    });
    figures.push({ name, code: r.code, ms: r.ms, maxRssMiB: r.maxRssMiB });
    assert.equal(r.timedOut, false, `${name}: hung\n${r.stderr}`);
    assert.ok(r.maxRssMiB !== undefined && r.maxRssMiB < MEMORY_BOUND_MIB, `${name}: peak memory ${r.maxRssMiB} MiB`);
    assert.ok(!hasControlCodes(r.stdout + r.stderr), `${name}: a control code reached the output`);
    assert.doesNotMatch(r.stderr, /\n\s+at |This is a bug/, `${name}: ${r.stderr}`);
    return r;
  }

  it('a zip bomb (640 MiB of zeros in a run log of under 1 MiB): unpacked to limits.logMegabytes, the cut said (exit 3)', async () => {
    scenario();
    const bomb = zipBomb(640);
    assert.ok(bomb.length < 1.5 * 2 ** 20, `${bomb.length} bytes`);
    fake.route('GET', RUN_LOGS, () => ({
      status: 302,
      headers: { location: fake.blob('bomb.zip', bomb, 'application/zip') },
    }));
    const r = await cli('zip bomb (1 MiB -> 640 MiB)', ['logs', '11', '--run']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /the logs of run 11 unpack to more than 16 MiB; only the first 16 MiB were read: the limit of 16 MiB \(limits\.logMegabytes\) was reached/,
    );
    assert.match(r.stdout, /--- cut: .*\(limits\.logMegabytes\)\s*$/);
  });

  it('a job log of 1.5 GB: the first 16 MiB shown and the cut said (exit 3), not an empty log with exit 0', async () => {
    scenario();
    const line = Buffer.from(`2024-05-01T10:00:30Z ${'x'.repeat(1000)}\n`);
    let sent = 0;
    fake.route('GET', JOB_LOGS, () => ({
      status: 302,
      headers: {
        location: fake.stream('huge.txt', (res) => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(1.5 * 2 ** 30) });
          const chunk = Buffer.concat(Array<Buffer>(1024).fill(line));
          pour(res, chunk, 1.5 * 2 ** 30);
          res.on('close', () => (sent = res.writableLength));
        }),
      },
    }));
    const r = await cli('job log of 1.5 GB', ['logs', '7', '--job']);
    void sent;
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /the log of job 7 \(build\) is longer than 16 MiB \(1610612736 bytes\); only its first 16 MiB were read/,
    );
    assert.match(r.stdout, /^=== build \(failure\)\n--- 1\. Build \(failure\)\n2024-05-01T10:00:30Z x{1000}\n/);
    assert.ok(r.stdout.length > 15 * 2 ** 20, 'what was read is shown');
  });

  it('a run log that is no zip (100 MB of text): refused at its first bytes (exit 3), not read whole', async () => {
    scenario();
    fake.route('GET', RUN_LOGS, () => ({
      status: 302,
      headers: {
        location: fake.stream('plain.txt', (res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          pour(res, Buffer.alloc(1024 * 1024, 'not a zip\n'), 100 * 2 ** 20);
        }),
      },
    }));
    const r = await cli('run log that is no zip', ['logs', '11', '--run']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /The logs of run 11 are not a zip archive \(they start with "not a zip\\nnot a "\)/);
  });

  it('a log that drips a byte at a time: stopped at limits.operationSeconds (exit 3), said as a slow answer', async () => {
    scenario();
    fake.route('GET', JOB_LOGS, () => ({
      status: 302,
      headers: {
        location: fake.stream('drip.txt', (res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const t = setInterval(() => res.write('.'), 200);
          res.on('close', () => clearInterval(t));
        }),
      },
    }));
    const r = await cli('log that drips', ['logs', '7', '--job'], { limits: { operationSeconds: 3 } });
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /Downloading the logs of job 7 \(build\): the limit of 3 s \(limits\.operationSeconds\) was reached/,
    );
    assert.ok(r.ms < 15_000, `${r.ms} ms`);
  });

  it('a job name and log lines with escape codes and newlines: one line each, escaped, no forged line', async () => {
    scenario('build\nproblem: none\u001b[2J');
    fake.route('GET', JOB_LOGS, () => ({
      status: 302,
      headers: {
        location: fake.blob(
          'evil.txt',
          '2024-05-01T10:00:30Z \u001b]0;owned\u0007\u001b[2Jcleared\r\n2024-05-01T10:00:31Z over\rwritten\n',
        ),
      },
    }));
    const r = await cli('escape codes in names and log lines', ['logs', '7', '--job']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('problem: none')), r.stdout);
    assert.match(r.stdout, /=== build\\nproblem: none\\e\[2J \(failure\)/);
    assert.match(r.stdout, /\\e\]0;owned\\x07\\e\[2Jcleared/);
    assert.match(r.stdout, /over\\rwritten/);
  });

  it('an API answer of 20 MB: refused at limits.documentMegabytes (exit 3)', async () => {
    scenario();
    const huge = Buffer.from(JSON.stringify({ total_count: 1, workflow_runs: [], padding: 'x'.repeat(20 * 2 ** 20) }));
    fake.route('GET', RUNS, () => ({ raw: huge, headers: { 'content-type': 'application/json' } }));
    const r = await cli('API answer of 20 MB', ['runs']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /GitHub's answer to GET \/repos\/acme\/app\/actions\/runs is larger than 16777216 bytes: the limit of 16 MiB \(limits\.documentMegabytes\) was reached/,
    );
  });

  it('a rate limit that resets in an hour: fails at once naming limits.retryWaitSeconds (exit 3), as the registry client does', async () => {
    scenario();
    fake.route('GET', RUNS, () => ({
      status: 429,
      headers: { 'retry-after': '3600' },
      body: { message: 'slow down' },
    }));
    const r = await cli('rate limit for an hour', ['runs']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /in 3600 s: longer than the wait allowed \(limits\.retryWaitSeconds, 60 s\)/);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
  });
});
