import assert from 'node:assert/strict';
import { CancelledError, type ReleaseOperatorError } from '../../../src/core/errors';
import { lastLine, runProcess } from '../../../src/core/process/run';
import { clearSecretsForTests, registerSecret } from '../../../src/core/redact';

describe('process runner', () => {
  afterEach(clearSecretsForTests);

  it('runs an argv array without a shell', async () => {
    const r = await runProcess('printf', ['%s|', 'a b', '$(echo no)']);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'a b|$(echo no)|');
  });

  it('reports a missing program as an environment problem with the hint', async () => {
    await assert.rejects(
      runProcess('ro-no-such-program', [], { missingHint: 'Install it.' }),
      (e: ReleaseOperatorError) => {
        return (
          e.kind === 'environment' &&
          /Cannot run 'ro-no-such-program': not found/.test(e.message) &&
          e.hint === 'Install it.'
        );
      },
    );
  });

  it('says a missing folder is missing, not the program (Node reports both as ENOENT)', async () => {
    await assert.rejects(runProcess('git', ['status'], { cwd: '/nonexistent/ro-repo' }), (e: ReleaseOperatorError) => {
      return (
        e.kind === 'usage' &&
        /The folder \/nonexistent\/ro-repo does not exist \(needed to run 'git' there\)/.test(e.message)
      );
    });
  });

  it('kills a program past its timeout and says so', async () => {
    const r = await runProcess('sleep', ['5'], { timeoutMs: 200 });
    assert.equal(r.timedOut, true);
    assert.notEqual(r.exitCode, 0);
  });

  it('stops a program when the signal fires', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(runProcess('sleep', ['5'], { signal: ac.signal }), CancelledError);
  });

  it('redacts registered secrets from output and streamed lines', async () => {
    registerSecret('tok-1234567890');
    const lines: string[] = [];
    const r = await runProcess('sh', ['-c', 'echo "a tok-1234567890"; echo "b tok-1234567890" >&2'], {
      onLine: (l) => lines.push(l),
    });
    assert.equal(r.stdout.trim(), 'a ***');
    assert.equal(r.stderr.trim(), 'b ***');
    assert.deepEqual(lines.sort(), ['a ***', 'b ***']);
  });

  it('picks the line that says what went wrong, not the usage hint after it', () => {
    const docker = {
      stdout: '',
      stderr:
        'docker: Error response from daemon: failed to create endpoint x on network bridge: could not find bridge docker0.\n' +
        "See 'docker run --help'.\n",
    };
    assert.match(lastLine(docker), /^docker: Error response from daemon: .*could not find bridge docker0/);
    assert.equal(lastLine({ stdout: 'done\n', stderr: '' }), 'done');
    assert.equal(lastLine({ stdout: '', stderr: 'step 1\nstep 2\n' }), 'step 2');
    assert.equal(lastLine({ stdout: '', stderr: '' }), '');
  });
});
