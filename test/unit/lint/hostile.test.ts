import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { lintDocument } from '../../../src/core/lint/engine';
import { lintRepository } from '../../../src/core/lint/project';
import { bigWorkflow } from '../../helpers/big-workflow';
import { REPO_ROOT } from '../../helpers/paths';

const OPTIONS = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };
const GOOD_WORKFLOW = 'name: ci\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n';

function tmpRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-lint-hostile-'));
  mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
  return dir;
}

describe('lint on hostile input', function () {
  this.timeout(120_000);

  it('a FIFO among the workflows is skipped with its reason, and lint finishes (it used to block for ever)', async () => {
    const dir = tmpRepo();
    writeFileSync(path.join(dir, '.github/workflows/ci.yml'), GOOD_WORKFLOW);
    execFileSync('mkfifo', [path.join(dir, '.github/workflows/trap.yml')]);
    const run = await lintRepository(dir, undefined, OPTIONS);
    assert.deepEqual(run.files, ['.github/workflows/ci.yml']);
    assert.deepEqual(run.skipped, [
      { file: '.github/workflows/trap.yml', reason: 'it is a FIFO (named pipe), not a regular file' },
    ]);
    // Named on the command line, it is refused as bad input (exit 2), again without blocking.
    let out = '';
    let err = '';
    const code = await runCli(
      ['lint', '--cwd', dir, '.github/workflows/trap.yml'],
      { stdout: (s) => (out += s), stderr: (s) => (err += s), env: { ...process.env } },
      new AbortController().signal,
    );
    assert.equal(code, 2, out + err);
    assert.match(err, /Cannot read \.github\/workflows\/trap\.yml: it is a FIFO \(named pipe\), not a regular file/);
  });

  it('links are followed once and only inside the repository', async () => {
    const dir = tmpRepo();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'ro-lint-outside-'));
    writeFileSync(path.join(outside, 'secret.yml'), GOOD_WORKFLOW);
    writeFileSync(path.join(dir, 'real.yml'), GOOD_WORKFLOW);
    symlinkSync(path.join(outside, 'secret.yml'), path.join(dir, '.github/workflows/out.yml'));
    symlinkSync('../../real.yml', path.join(dir, '.github/workflows/in.yml'));
    symlinkSync('in.yml', path.join(dir, '.github/workflows/twice.yml'));
    symlinkSync('nowhere.yml', path.join(dir, '.github/workflows/dangling.yml'));
    const run = await lintRepository(dir, undefined, OPTIONS);
    assert.deepEqual(run.files, ['.github/workflows/in.yml']);
    assert.deepEqual(run.skipped.map((s) => `${s.file}: ${s.reason}`).sort(), [
      '.github/workflows/dangling.yml: it links to nowhere.yml, which does not exist',
      '.github/workflows/out.yml: it links outside the repository',
      '.github/workflows/twice.yml: it links to another link (in.yml); links are followed once',
    ]);
  });

  it('an abort signal stops lintRepository between files and rules (CancelledError), leaving the rest undone', async () => {
    const dir = tmpRepo();
    const text = bigWorkflow(300);
    for (let i = 0; i < 20; i++) writeFileSync(path.join(dir, `.github/workflows/w${i}.yml`), text);
    const controller = new AbortController();
    let ruleRuns = 0;
    const started = lintRepository(dir, undefined, OPTIONS, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(started, (e: Error) => e.name === 'CancelledError');
    const full = await lintRepository(dir, undefined, OPTIONS, { onRuleError: () => ruleRuns++ });
    assert.equal(full.files.length, 20);
    assert.equal(ruleRuns, 0);
  });

  it('work grows linearly with jobs and steps: 20,000 jobs cost about 10x what 2,000 do (counted, not timed)', () => {
    const ops = (n: number) =>
      lintDocument({ file: '.github/workflows/big.yml', text: bigWorkflow(n), kind: 'workflow' }, OPTIONS).stats;
    const small = ops(2000);
    const large = ops(20000);
    assert.equal(large.jobs, 20000);
    assert.equal(large.steps, 40000);
    const ratio = large.operations / small.operations;
    // Linear is 10x; the old job-by-job comparison grew about 100x here. Generous: anything under 15x passes.
    assert.ok(
      ratio < 15,
      `operations grew ${ratio.toFixed(1)}x for 10x the jobs (${small.operations} -> ${large.operations})`,
    );
    assert.ok(ratio > 5, `the counter must count the walks: ${small.operations} -> ${large.operations}`);
  });

  // Lint yields to the event loop between files and between rules, so the signal handler runs within the longest
  // single piece of work: the YAML parse of one file (~0.1 s for 1,500 jobs on an idle machine). The bound below
  // is a generous deadline for a loaded shared machine (the 2-core CI box runs other suites at the same time).
  it('SIGTERM ends a long lint at once (between rules), with exit code 130', async function () {
    const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
    if (!existsSync(cli)) this.skip(); // npm test builds dist/ first; a unit-only run may not have
    const dir = tmpRepo();
    const text = bigWorkflow(1500);
    for (let i = 0; i < 120; i++) writeFileSync(path.join(dir, `.github/workflows/w${i}.yml`), text);
    const child = spawn(process.execPath, [cli, 'lint', '--verbose', '--cwd', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    // Wait until the command runs (its handlers are in place), then a little into the lint itself.
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += String(d);
        if (/debug: lint: discovering/.test(stderr)) resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(child.exitCode, null, 'the lint should still be running (make the input larger)');
    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    this.test!.title += ` (${Date.now() - sent} ms)`;
    const took = Date.now() - sent;
    assert.equal(code, 130, stderr);
    assert.ok(took < 5000, `ended ${took} ms after SIGTERM`);
    assert.match(stderr, /SIGTERM: stopping/);
  });
});
