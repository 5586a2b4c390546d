import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { operationOf, operationSignal, runOperation, withOperation } from '../../../src/core/operation';
import { onAbort } from '../../../src/core/registry/on-abort';

describe('operation: carried by the signal of each call', () => {
  it("the operation's signal follows the caller's cancel", async () => {
    const cancel = new AbortController();
    await runOperation(
      async (signal) => {
        assert.equal(signal.aborted, false);
        cancel.abort();
        assert.equal(signal.aborted, true);
      },
      { signal: cancel.signal },
    );
  });

  it('a call outside any operation runs in one of its own, and hands its signal on to the calls it makes', async () => {
    const cancel = new AbortController();
    await withOperation({ signal: cancel.signal }, async (op, given) => {
      const signal = given.signal;
      assert.ok(signal && signal !== cancel.signal, "a signal of the call's own operation");
      assert.equal(operationOf(signal), op);
      assert.equal(operationSignal(signal), signal, 'inside, the same operation carries on');
      await withOperation(given, async (inner, again) => {
        assert.equal(inner, op);
        assert.equal(again, given, 'the same options, not a copy');
      });
      cancel.abort();
      assert.equal(signal.aborted, true, "it follows the caller's cancel");
    });
    assert.equal(operationOf(cancel.signal), undefined, "the caller's own signal was not taken over");
  });

  it('a process that runs one operation at a time (the CLI): calls with no signal, or another, belong to it while it runs', async () => {
    const other = new AbortController().signal;
    let seen: unknown;
    await runOperation(
      async (signal) => {
        seen = operationOf(signal);
        assert.equal(operationOf(undefined), seen);
        assert.equal(operationOf(other), seen);
      },
      { ambient: true },
    );
    assert.ok(seen);
    assert.equal(operationOf(undefined), undefined, 'not after it');
    await assert.rejects(
      runOperation(
        async () => {
          throw new Error('failed');
        },
        { ambient: true },
      ),
      /failed/,
    );
    assert.equal(operationOf(undefined), undefined, 'not after it failed either');
  });

  it('two that overlap, ending out of order, leave no stale operation behind', async () => {
    let endFirst = () => undefined as void;
    const first = runOperation(() => new Promise<void>((r) => (endFirst = r)), { ambient: true });
    const second = runOperation(
      async () => {
        endFirst();
        await first;
      },
      { ambient: true },
    );
    await second;
    assert.equal(operationOf(undefined), undefined);
  });

  it('an operation that is done is collected, with what its fetches left, once nothing refers to its signal', async () => {
    // An editor action that ends without being cancelled: its signal never aborts. What waited on it (the transport's
    // fan-out listener) has gone, so neither the signal nor the operation keyed by it may be held.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const refs: Array<WeakRef<object>> = [];
    const cancel = new AbortController();
    for (let i = 0; i < 20; i++)
      await runOperation(
        async (signal) => {
          const op = operationOf(signal)!;
          op.shared.set('blob', Promise.resolve(Buffer.alloc(1 << 20)));
          refs.push(new WeakRef(op));
          const forget = onAbort(signal, () => undefined);
          forget();
        },
        { signal: cancel.signal },
      );
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'no operation kept');
  });
});
