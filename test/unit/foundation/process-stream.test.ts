import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { CancelledError, ReleaseOperatorError } from '../../../src/core/errors';
import { runProcess } from '../../../src/core/process/run';

/** Whether a process id is still alive (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads the first line of a stream (the program's own pid, written first), leaving the stream flowing into `rest`. */
async function firstLine(stdout: Readable, rest?: (n: number) => void): Promise<number> {
  let text = '';
  for await (const chunk of stdout) {
    text += (chunk as Buffer).toString('latin1');
    const i = text.indexOf('\n');
    if (i >= 0) {
      rest?.(text.length - i - 1);
      return Number(text.slice(0, i));
    }
  }
  throw new Error('no line');
}

describe('process runner: stdout as a stream (consumeStdout)', () => {
  it('hands the bytes over as they come, without collecting them', async () => {
    let bytes = 0;
    let chunks = 0;
    const r = await runProcess('head', ['-c', String(32 * 1024 * 1024), '/dev/zero'], {
      consumeStdout: async (stdout) => {
        for await (const c of stdout) {
          bytes += (c as Buffer).length;
          chunks++;
        }
      },
    });
    assert.equal(r.exitCode, 0);
    assert.equal(bytes, 32 * 1024 * 1024);
    assert.ok(chunks > 1, 'more than one chunk: the output was streamed');
    assert.equal(r.stdout, '');
    assert.equal(r.stdoutBytes, undefined);
  });

  it('what a consumer leaves unread is discarded, and the run still ends', async () => {
    const r = await runProcess('head', ['-c', String(8 * 1024 * 1024), '/dev/zero'], {
      consumeStdout: async (stdout) => void stdout.read(),
    });
    assert.equal(r.exitCode, 0);
  });

  it('a consumer that fails stops the program still writing, and the run rejects with its error', async () => {
    let pid = 0;
    await assert.rejects(
      runProcess('sh', ['-c', 'echo $$; exec yes'], {
        consumeStdout: async (stdout) => {
          pid = await firstLine(stdout);
          throw new ReleaseOperatorError('check', 'the stream is not what was expected');
        },
      }),
      (e: ReleaseOperatorError) => e.kind === 'check' && /not what was expected/.test(e.message),
    );
    assert.ok(pid > 0);
    assert.equal(alive(pid), false, 'the program was stopped');
  });

  it("a program that fails on its own mid-stream gives its result (exit code, stderr), not the consumer's complaint", async () => {
    const r = await runProcess(
      'sh',
      ['-c', 'head -c 100000 /dev/zero; echo "Error response from daemon: it broke" >&2; exit 3'],
      {
        consumeStdout: async (stdout) => {
          let n = 0;
          for await (const c of stdout) n += (c as Buffer).length;
          if (n < 200000) throw new Error('cut short');
        },
      },
    );
    assert.equal(r.exitCode, 3);
    assert.match(r.stderr, /it broke/);
  });

  it('cancel stops the program mid-stream: CancelledError, no process left', async () => {
    const ac = new AbortController();
    let pid = 0;
    await assert.rejects(
      runProcess('sh', ['-c', 'echo $$; exec yes'], {
        signal: ac.signal,
        consumeStdout: async (stdout) => {
          pid = await firstLine(stdout);
          ac.abort();
          for await (const _ of stdout);
        },
      }),
      CancelledError,
    );
    assert.ok(pid > 0);
    assert.equal(alive(pid), false, 'the program was stopped');
  });
});
