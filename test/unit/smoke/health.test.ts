import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { CancelledError } from '../../../src/core/errors';
import { pollHealth } from '../../../src/core/smoke/health';

describe('smoke: health polling', () => {
  let server: http.Server;
  let hits = 0;
  let url = '';
  before(async () => {
    // Answers 503 twice, then 200 "ok"; /wrong always answers 200 "nope".
    server = http.createServer((req, res) => {
      if (req.url === '/wrong') return res.end('nope');
      hits++;
      if (hits <= 2) {
        res.statusCode = 503;
        return res.end('starting');
      }
      res.end('ok\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const base = { expectStatus: 200, expectBody: 'ok', pollIntervalMs: 20, stopReason: async () => undefined };

  it('keeps polling until the answer is right', async () => {
    hits = 0;
    const r = await pollHealth({ ...base, url: `${url}/health`, deadline: Date.now() + 20_000 });
    assert.equal(r.passed, true);
    assert.equal(r.attempts, 3);
  });
  it('gives up at the deadline and says what the last answer was', async () => {
    const r = await pollHealth({ ...base, url: `${url}/wrong`, deadline: Date.now() + 200 });
    assert.equal(r.passed, false);
    assert.match(r.detail, /body does not contain 'ok': nope/);
    assert.equal((r as { stoppedEarly: boolean }).stoppedEarly, false);
  });
  it('stops early when told the container is gone', async () => {
    const r = await pollHealth({
      ...base,
      url: `${url}/wrong`,
      deadline: Date.now() + 60_000,
      stopReason: async () => 'the container exited with code 3',
    });
    assert.equal(r.passed, false);
    assert.equal(r.attempts, 1);
    assert.match(r.detail, /exited with code 3/);
  });
  it('counts a connection the proxy resets as a failed attempt at once, not a hang', async () => {
    // What Docker's port proxy does while nothing listens in the container yet.
    const resetter = net.createServer((socket) => socket.resetAndDestroy()).listen(0, '127.0.0.1');
    await once(resetter, 'listening');
    let asked = 0;
    try {
      const r = await pollHealth({
        ...base,
        url: `http://127.0.0.1:${(resetter.address() as AddressInfo).port}/health`,
        deadline: Date.now() + 60_000,
        stopReason: async () => (++asked === 3 ? 'the container exited with code 1' : undefined),
      });
      assert.equal(r.passed, false);
      assert.equal(r.attempts, 3);
      assert.match(r.detail, /last probe: no answer \(ECONNRESET\)/);
    } finally {
      resetter.close();
    }
  });
  it('gives a request that never answers up after its timeout, and says so', async () => {
    const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const r = await pollHealth({
        ...base,
        url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/health`,
        deadline: Date.now() + 300,
      });
      assert.equal(r.passed, false);
      assert.match(r.detail, /last probe: no answer \(timed out\)/);
    } finally {
      silent.close();
      silent.unref();
    }
  });
  it('throws CancelledError when cancelled', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(
      pollHealth({ ...base, url: `${url}/wrong`, deadline: Date.now() + 60_000, signal: ac.signal }),
      CancelledError,
    );
  });
});
