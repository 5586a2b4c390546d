import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { linkSignal, operationOf, operationSignal, runOperation, withOperation } from '../../../src/core/operation';
import { RegistryClient } from '../../../src/core/registry';
import { onAbort } from '../../../src/core/registry/on-abort';

const HOST = '127.0.0.1:5998';
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A registry stand-in that answers a HEAD for any manifest (the digest it was asked for) and counts them. */
function headCounter() {
  let heads = 0;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.pathname === '/v2/') return new Response('{}', { status: 200 });
    heads++;
    assert.equal(init?.method, 'HEAD');
    return new Response(null, {
      status: 200,
      headers: {
        'docker-content-digest': DIGEST,
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'content-length': '2',
      },
    });
  }) as typeof globalThis.fetch;
  const client = new RegistryClient({
    fetch,
    insecureRegistries: [HOST],
    credentials: async () => undefined,
    http2: false,
  });
  return { client, heads: () => heads };
}

describe('operation: carried by the signal of each call', () => {
  it("the calls made with the operation's signal, or one linked to it, count against it and share its fetches by digest", async () => {
    const { client, heads } = headCounter();
    const ref = `${HOST}/app@${DIGEST}`;
    await runOperation(async (signal) => {
      const op = operationOf(signal)!;
      assert.ok(op, 'the signal names its operation');
      await client.headManifest(ref, { signal });
      const after = op.requests;
      assert.ok(after >= 1, 'the HEAD counted');
      // A signal linked to the operation's (a listing's stop, a stage's deadline) belongs to it: asked once.
      const linked = linkSignal(signal, new AbortController().signal);
      assert.equal(operationOf(linked), op);
      await client.headManifest(ref, { signal: linked });
      assert.equal(heads(), 1, 'one HEAD by digest per operation');
      assert.equal(op.requests, after);
      // A call with a signal of no operation is one of its own: its request is not this operation's.
      await client.headManifest(ref, { signal: new AbortController().signal });
      assert.equal(heads(), 2);
      assert.equal(op.requests, after);
      // So is a call with no signal (no operation runs one at a time here).
      await client.headManifest(ref);
      assert.equal(heads(), 3);
      assert.equal(op.requests, after);
      // An operation started inside is its own.
      await runOperation(
        async (inner) => {
          assert.notEqual(operationOf(inner), op);
          await client.headManifest(ref, { signal: inner });
          assert.equal(operationOf(inner)!.requests >= 1, true);
        },
        { signal },
      );
      assert.equal(heads(), 4);
      assert.equal(op.requests, after);
    });
  });

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
    await withOperation(cancel.signal, async (op, signal) => {
      assert.ok(signal && signal !== cancel.signal, "a signal of the call's own operation");
      assert.equal(operationOf(signal), op);
      assert.equal(operationSignal(signal), signal, 'inside, the same operation carries on');
      await withOperation(signal, async (inner, again) => {
        assert.equal(inner, op);
        assert.equal(again, signal);
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
