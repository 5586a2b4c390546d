import assert from 'node:assert/strict';
import { runProcess, type Runner } from '../../../src/core/process/run';
import { runSmoke } from '../../../src/core/smoke';
import { buildFixture, leftovers, options, prepareContext, removeFixtures } from './fixture';

/**
 * A cancel that kills a `docker run` in flight: the daemon may still create that container after its client died.
 * The run settles each killed create by name instead of waiting to see, so it must return with nothing of the run's
 * label left on the engine, having made no docker call after the cancel but the settling and one label sweep.
 * Ten cancels at staggered points of the first `docker run` (before its request, during create, during start,
 * while it runs; every other one a command that never ends) to catch the race; the times from cancel to return are
 * printed, not asserted.
 */
describe('smoke: cancel while a docker run is in flight (real Docker)', function () {
  this.timeout(300_000);
  let image: string;
  before(async function () {
    this.timeout(300_000);
    await prepareContext();
    image = await buildFixture('never', 'linux/amd64');
  });
  after(removeFixtures);

  it('leaves no container of the run, ten times in a row, and returns without waiting', async () => {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const delayMs = i * 25;
      const ac = new AbortController();
      let inFlight = 0;
      let inFlightAtCancel = -1;
      let timed = false;
      let armed = false;
      let cancelledAt = 0;
      const afterCancel: string[] = [];
      const runner: Runner = async (command, args, o) => {
        if (cancelledAt) afterCancel.push(args.slice(0, 3).join(' '));
        if (args[0] !== 'run') return runProcess(command, args, o);
        // The cancel comes delayMs into the first `docker run`, or into the next one if none is running by then.
        const cancel = () => {
          inFlightAtCancel = inFlight;
          cancelledAt = Date.now();
          ac.abort();
        };
        if (!cancelledAt && armed) setTimeout(cancel, 0);
        else if (!cancelledAt && !timed) {
          timed = true;
          setTimeout(() => (inFlight ? cancel() : (armed = true)), delayMs);
        }
        inFlight++;
        try {
          return await runProcess(command, args, o);
        } finally {
          inFlight--;
        }
      };
      // Odd rounds: a help command that never ends, so the killed client is attached to a running container.
      const helpArgs = i % 2 ? ['serve'] : ['--help'];
      const o = await options({ image, platforms: ['linux/amd64'], timeoutSeconds: 120, helpArgs });
      const report = await runSmoke(o, {
        runner,
        signal: ac.signal,
      });
      const ms = Date.now() - cancelledAt;
      const left = await leftovers(report.runId);
      times.push(ms);
      assert.equal(report.outcome, 'cancelled', `round ${i}`);
      assert.ok(inFlightAtCancel >= 1, `round ${i}: no docker run was in flight at the cancel (${delayMs} ms)`);
      assert.deepEqual(left.containers, [], `round ${i} (cancel ${delayMs} ms into docker run) left a container`);
      assert.deepEqual(report.cleanup.errors, [], `round ${i}`);
      // Only the settling (create --pull never, rm) and one sweep (ps, rm): no second sweep after a pause, nothing
      // that creates anew; each killed `docker run` was settled by a claim of its name.
      for (const call of afterCancel) assert.match(call, /^(create --pull never|rm -f|ps -a)/, `round ${i}: ${call}`);
      assert.equal(afterCancel.filter((c) => c.startsWith('ps -a')).length, 1, `round ${i}: ${afterCancel.join('; ')}`);
      const claims = afterCancel.filter((c) => c.startsWith('create')).length;
      assert.ok(claims >= inFlightAtCancel, `round ${i}: ${inFlightAtCancel} killed, ${claims} claims`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `      cancel -> return (ms), docker run in flight, 10 rounds: ${times.join(', ')}; ` +
        `median ${sorted[5]}, max ${sorted[9]}`,
    );
  });
});
