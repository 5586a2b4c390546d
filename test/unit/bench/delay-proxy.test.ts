import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startDelayProxy } from '../../../bench/lib/delay-proxy';

/** One HTTP request on a new connection; the time until the whole answer arrived. */
async function timedGet(port: number): Promise<{ ms: number; body: string }> {
  const t = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/x`, { headers: { connection: 'close' } });
  const body = await res.text();
  return { ms: performance.now() - t, body };
}

describe('bench/lib delay proxy', () => {
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((req, res) => res.end(`echo ${req.url}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('passes bytes through unchanged and delays a round trip by at least twice the delay', async () => {
    const proxy = await startDelayProxy({ host: '127.0.0.1', port }, { delayMs: 60, handshake: false });
    try {
      const r = await timedGet(proxy.port);
      assert.equal(r.body, 'echo /x');
      assert.ok(r.ms >= 120, `a round trip took ${r.ms.toFixed(0)} ms, less than 2 x 60 ms`);
      assert.equal(proxy.requests(), 1);
      assert.equal(proxy.connections(), 1);
    } finally {
      await proxy.close();
    }
  });

  it('adds one more round trip before the first bytes of a new connection (the simulated handshake)', async () => {
    const proxy = await startDelayProxy({ host: '127.0.0.1', port }, { delayMs: 60 });
    try {
      const r = await timedGet(proxy.port);
      assert.equal(r.body, 'echo /x');
      assert.ok(r.ms >= 240, `a first request took ${r.ms.toFixed(0)} ms, less than 4 x 60 ms`);
    } finally {
      await proxy.close();
    }
  });

  it('delivers what the target sent before it closed the connection', async () => {
    // A server that answers and closes at once: the answer must still reach the client after the delay.
    const closer = net.createServer((s) =>
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbye!')),
    );
    await new Promise<void>((r) => closer.listen(0, '127.0.0.1', r));
    const proxy = await startDelayProxy({ host: '127.0.0.1', port: (closer.address() as net.AddressInfo).port }, 30);
    try {
      assert.equal((await timedGet(proxy.port)).body, 'bye!');
    } finally {
      await proxy.close();
      await new Promise<void>((r) => closer.close(() => r()));
    }
  });
});
