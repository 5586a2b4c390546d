import assert from 'node:assert/strict';
import { linkSignal, operationOf, runOperation } from '../../../src/core/operation';
import { RegistryClient } from '../../../src/core/registry';
import { pushImage, startProxy, useRegistry } from '../../helpers/registry';

// The calls of one operation on a real registry (distribution), counted by the proxy in front of it.
describe('operation: carried by the signal of each call, on a registry', function () {
  this.timeout(60_000);
  const reg = useRegistry('none');

  it("the calls made with the operation's signal, or one linked to it, count against it and share its fetches by digest", async () => {
    const pushed = await pushImage(reg(), 'op/app', { tag: 'v1' });
    const proxy = await startProxy(reg());
    const client = new RegistryClient({ credentials: async () => undefined });
    const ref = `${proxy.host}/op/app@${pushed.digest}`;
    const heads = () => proxy.requests.filter((r) => r.method === 'HEAD').length;
    try {
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
    } finally {
      await proxy.stop();
    }
  });
});
