import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/core/config/load';
import { checkError, environmentError, CancelledError } from '../../../src/core/errors';
import { guarded, stageContext } from '../../../src/core/gate/guard';
import type { GateDeps } from '../../../src/core/gate';
import type { CheckResult } from '../../../src/core/report';

const deps = (signal?: AbortSignal): GateDeps => ({
  config: defaultConfig(),
  runner: () => Promise.reject(new Error('no programs in this test')),
  registry: undefined as never,
  signal,
});
const meta = { id: 'x', title: 'X', what: 'things' };
const passing: CheckResult = {
  ...meta,
  verdict: 'pass',
  summary: 'ok',
  examined: { count: 1, what: 'things' },
  findings: [],
};
const waitForAbort = (signal: AbortSignal) =>
  new Promise<CheckResult>((_, reject) => signal.addEventListener('abort', () => reject(new CancelledError())));

describe('gate: a stage fails closed', () => {
  it('the release lacking something is a problem; a fault is an environment verdict with its hint as the next action', async () => {
    const ctx = stageContext(deps(), 60);
    try {
      const problem = await guarded(ctx, meta, () => Promise.reject(checkError('tag v1 is missing', 'push it')));
      assert.deepEqual([problem.verdict, problem.findings[0].message], ['problem', 'tag v1 is missing']);
      const env = await guarded(ctx, meta, () =>
        Promise.reject(environmentError('registry unreachable', 'check the network')),
      );
      assert.deepEqual(
        [env.verdict, env.summary, env.next?.[0].text],
        ['environment', 'could not run: registry unreachable', 'check the network'],
      );
      const bug = await guarded(ctx, meta, () => Promise.reject(new TypeError('x is undefined')));
      assert.equal(bug.verdict, 'environment');
      assert.match(bug.summary, /unexpected error: x is undefined/);
      assert.equal((await guarded(ctx, meta, () => Promise.resolve(passing))).verdict, 'pass');
    } finally {
      ctx.dispose();
    }
  });

  it('the deadline ends a check that stops when told, and one that does not, with the time it had', async () => {
    const ctx = stageContext(deps(), 0.2, 200);
    try {
      const [polite, stubborn] = await Promise.all([
        guarded(ctx, meta, () => waitForAbort(ctx.signal)),
        guarded(ctx, { ...meta, id: 'y' }, () => new Promise<CheckResult>(() => undefined)),
      ]);
      for (const c of [polite, stubborn]) {
        assert.equal(c.verdict, 'environment');
        assert.match(c.summary, /did not finish within the stage's 0\.2 s/);
      }
    } finally {
      ctx.dispose();
    }
  });

  it("the caller's own cancel is not a verdict: it propagates", async () => {
    const ac = new AbortController();
    const ctx = stageContext(deps(ac.signal), 60);
    try {
      const running = guarded(ctx, meta, () => waitForAbort(ctx.signal));
      ac.abort();
      await assert.rejects(running, CancelledError);
    } finally {
      ctx.dispose();
    }
  });
});
