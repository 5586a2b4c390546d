import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { nullLogger } from '../../../src/core/log';
import { registryTrust } from '../../../src/core/registry';
import { onAbort } from '../../../src/core/registry/on-abort';
import { Transport } from '../../../src/core/registry/transport';
import { selfSignedCertificate } from '../../helpers/tls-cert';

/** A self-signed certificate for 127.0.0.1, made now (its own CA). */
function certificate(dir: string, name: string): Promise<{ key: string; cert: string }> {
  return selfSignedCertificate(dir, name, { subject: `/CN=${name}`, san: 'IP:127.0.0.1' });
}

/** An HTTP/2 registry stand-in over TLS on loopback: its sessions counted, closed with its folder. */
async function h2Server(
  key: string,
  cert: string,
  handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  settings?: http2.Settings,
) {
  const server = http2.createSecureServer({ key: readFileSync(key), cert: readFileSync(cert), settings }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    sessions,
    close: async () => {
      for (const x of sessions) x.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A transport that trusts `ca` for `host`, no retries. */
const transportFor = (host: string, ca: string, connections?: number, timeoutMs = 10_000) =>
  new Transport({
    credentials: async () => undefined,
    insecureRegistries: [],
    concurrency: 4,
    timeoutMs,
    retries: 0,
    retryBaseMs: 10,
    logger: nullLogger,
    fetch,
    connections,
    trust: registryTrust({ [host]: ca }),
  });

/**
 * A server listening on loopback with its TCP connections counted and those still open kept (what comes in is read
 * and dropped, so a client's close is seen even where the server answers nothing).
 */
async function listening(server: net.Server) {
  const open = new Set<net.Socket>();
  let accepted = 0;
  server.on('connection', (c: net.Socket) => {
    accepted++;
    open.add(c);
    if (server.listenerCount('request') === 0) c.resume();
    c.on('close', () => open.delete(c));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    /** The connections still open once no more than `n` are, or 2 s have passed. */
    openAfterSettling: async (n: number) => {
      for (let i = 0; i < 100 && open.size > n; i++) await new Promise((res) => setTimeout(res, 20));
      return open.size;
    },
    close: async () => {
      for (const c of open) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('registry over HTTP/2: the pool, its trust and its reads', function () {
  this.timeout(30_000);
  let dir: string;
  let own: { key: string; cert: string };
  let other: { key: string; cert: string };
  let server: Awaited<ReturnType<typeof h2Server>>;
  let host: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ro-h2-'));
    own = await certificate(dir, 'registry');
    other = await certificate(dir, 'stranger');
    server = await h2Server(own.key, own.cert, (req, res) => {
      if (req.url === '/v2/') return res.end('{}');
      if (req.url === '/v2/small') return res.end('0123456789');
      // Larger than it says: only the bytes count.
      if (req.url === '/v2/big') return res.end('x'.repeat(64 * 1024));
      if (req.url === '/v2/broken') {
        res.writeHead(500);
        return res.end('e'.repeat(200 * 1024));
      }
      res.writeHead(404).end();
    });
    host = server.host;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const transport = (ca: string) => transportFor(host, ca);

  it("trusts the registry's own CA besides Node's roots, without adding it to Node's default trust", async () => {
    const t = transport(own.cert);
    const r = await t.request({ registry: host, method: 'GET', url: '/v2/small' });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), '0123456789');
    assert.equal(t.protocolOf(host), 'h2');
    t.close();
    const ctx = await registryTrust({ [host]: own.cert }).contextFor(host);
    assert.ok(ctx, 'a context for a host with a CA of its own');
    // Node's default context (every other connection of the process) still refuses the self-signed registry.
    const refused = await new Promise<string>((resolve) => {
      const [h, port] = host.split(':');
      const s = tls.connect({ host: h, port: Number(port), ALPNProtocols: ['h2'] });
      s.once('secureConnect', () => (s.destroy(), resolve('trusted')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.match(refused, /SELF_SIGNED|UNABLE_TO_VERIFY/);
    // Another CA does not make the registry trusted.
    const stranger = transport(other.cert);
    await assert.rejects(stranger.request({ registry: host, method: 'GET', url: '/v2/small' }), /does not trust/);
    stranger.close();
  });

  it('requests made together before the first connection is up share it (one connection, not one each)', async () => {
    const before = server.sessions.size;
    const t = transport(own.cert);
    // The first probes the registry; the others, presumed open (a listing's hint), go at once rather than wait for it.
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.request({ registry: host, method: 'GET', url: '/v2/small', presumeOpen: true }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(10).fill(200),
    );
    assert.equal(server.sessions.size - before, 1, 'one connection for the ten');
    assert.equal(t.wantsCredentials(host), false, 'the probe among them said no credentials are needed');
    t.close();
  });

  it('reads bodies whole from the stream, refuses one over the limit, clips an error answer', async () => {
    const t = transport(own.cert);
    const big = await t
      .request({ registry: host, method: 'GET', url: '/v2/big', maxBytes: 1024, limit: 'manifestBytes' })
      .then(
        () => 'read',
        (e: Error) => e.message,
      );
    assert.match(big, /more than 1024 bytes/);
    const broken = await t.request({ registry: host, method: 'GET', url: '/v2/broken', maxBytes: 1 << 20 });
    assert.equal(broken.status, 500);
    assert.equal(broken.body.length, 64 * 1024, 'an error answer is read for its message only');
    const small = await t.request({ registry: host, method: 'GET', url: '/v2/small', maxBytes: 10 });
    assert.equal(small.body.toString(), '0123456789', 'exactly the limit is allowed');
    t.close();
  });
});

describe('registry over HTTP/2: a second connection when every stream of the first is taken', function () {
  this.timeout(30_000);
  let dir: string;
  let server: Awaited<ReturnType<typeof h2Server>>;
  let host: string;
  let cert: string;
  let keyFile: string;
  let open = 0;
  let most = 0;
  let release: () => void = () => undefined;
  let held = new Promise<void>((r) => (release = r));

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ro-h2-grow-'));
    const own = await certificate(dir, 'registry');
    cert = own.cert;
    keyFile = own.key;
    // Two streams a connection, as a registry may allow fewer than the client asks for.
    server = await h2Server(
      own.key,
      own.cert,
      (req, res) => {
        if (req.url !== '/v2/held') return res.end('{}');
        most = Math.max(most, ++open);
        // Held until four are open at once (or 300 ms pass: then the count says so, rather than a hang).
        if (open === 4) release();
        void Promise.race([held, new Promise((r) => setTimeout(r, 300))]).then(() => {
          open--;
          res.end('ok');
        });
      },
      { maxConcurrentStreams: 2 },
    );
    host = server.host;
  });
  beforeEach(() => {
    for (const s of server.sessions) s.destroy();
    server.sessions.clear();
    most = 0;
    held = new Promise<void>((r) => (release = r));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const transport = (connections: number) => transportFor(host, cert, connections);

  const four = async (t: Transport) => {
    await t.request({ registry: host, method: 'GET', url: '/v2/' });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => t.request({ registry: host, method: 'GET', url: '/v2/held' })),
    );
    t.close();
    return answers.map((a) => a.body.toString());
  };

  it('opens a second connection for the requests the first cannot carry: four at once over two', async () => {
    assert.deepEqual(await four(transport(2)), ['ok', 'ok', 'ok', 'ok']);
    assert.equal(server.sessions.size, 2, 'two connections');
    assert.equal(most, 4, 'all four were under way at once');
  });

  it('widened (many requests ahead): the second connection opens with the first, before any stream is short', async () => {
    const t = transport(2);
    t.widen(host);
    await t.request({ registry: host, method: 'GET', url: '/v2/' });
    // One request made, none waiting: the second connection comes of the widening alone.
    for (let i = 0; i < 100 && server.sessions.size < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.sessions.size, 2, 'two connections');
    t.close();
    // Not widened: one request, one connection.
    for (const s of server.sessions) s.destroy();
    server.sessions.clear();
    const plain = transport(2);
    await plain.request({ registry: host, method: 'GET', url: '/v2/' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(server.sessions.size, 1, 'one connection');
    plain.close();
  });

  it('widened before its first connection: the second is made beside the first, not a handshake after it', async () => {
    // A TCP front that holds the first connection's bytes until a second connection comes (or 2 s pass): a client
    // that makes its second only once the first is up makes none while the first is held.
    const [h, port] = host.split(':');
    let count = 0;
    let released = false;
    let besideWhileHeld = false;
    let releaseFirst = () => undefined as void;
    const sockets: net.Socket[] = [];
    const front = net.createServer((c) => {
      const n = ++count;
      const up = net.connect(Number(port), h);
      sockets.push(c, up);
      up.pipe(c);
      if (n === 1) {
        c.pause();
        const timer = setTimeout(() => releaseFirst(), 2000);
        releaseFirst = () => {
          clearTimeout(timer);
          released = true;
          c.pipe(up);
        };
        return;
      }
      if (n === 2 && !released) {
        besideWhileHeld = true;
        releaseFirst();
      }
      c.pipe(up);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const via = `127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      const t = transportFor(via, cert, 2);
      t.widen(via);
      const r = await t.request({ registry: via, method: 'GET', url: '/v2/' });
      assert.equal(r.status, 200);
      assert.equal(besideWhileHeld, true, 'the second connection came while the first was still being set up');
      for (let i = 0; i < 100 && server.sessions.size < 2; i++) await new Promise((res) => setTimeout(res, 20));
      assert.equal(server.sessions.size, 2, 'both connections reached the registry');
      t.close();
    } finally {
      for (const x of sockets) x.destroy();
      await new Promise<void>((r) => front.close(() => r()));
    }
  });

  it('widened before its first connection to an origin that never answers: the one beside it stops with the first', async () => {
    // A server that takes connections and says nothing: the first request times out, and the connection made beside
    // the first must close with it rather than stay open until the client is closed.
    const silent = await listening(net.createServer());
    const t = transportFor(silent.host, cert, 2, 300);
    try {
      t.widen(silent.host);
      const first = t.request({ registry: silent.host, method: 'GET', url: '/v2/' });
      await assert.rejects(first, /no answer|timed out|within/i);
      assert.equal(silent.accepted(), 2, 'the first connection and the one beside it');
      assert.equal(await silent.openAfterSettling(0), 0, 'no connection left open');
    } finally {
      t.close();
      await silent.close();
    }
  });

  it('widened before its first connection to an origin of HTTP/1.1 only: the one beside it is closed', async () => {
    const plain = await listening(
      https.createServer({ key: readFileSync(keyFile), cert: readFileSync(cert) }, (_req, res) => res.end('{}')),
    );
    const t = transportFor(plain.host, cert, 2);
    try {
      t.widen(plain.host);
      const r = await t.request({ registry: plain.host, method: 'GET', url: '/v2/' });
      assert.equal(r.status, 200);
      assert.equal(t.protocolOf(plain.host), 'http/1.1');
      assert.equal(
        plain.accepted(),
        3,
        'the first (which learns the protocol), the one beside it, and the HTTP/1.1 one',
      );
      const open = await plain.openAfterSettling(1);
      assert.equal(open, 1, 'only the HTTP/1.1 connection, kept alive for the next request');
    } finally {
      t.close();
      await plain.close();
    }
  });

  it('widened with one connection allowed: none is made beside the first', async () => {
    const t = transport(1);
    t.widen(host);
    await t.request({ registry: host, method: 'GET', url: '/v2/' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(server.sessions.size, 1, 'one connection');
    t.close();
  });

  it('with one connection allowed, the rest wait for a stream of it', async () => {
    assert.deepEqual(await four(transport(1)), ['ok', 'ok', 'ok', 'ok']);
    assert.equal(server.sessions.size, 1);
    assert.equal(most, 2, 'no more than the server allows a connection');
  });
});

describe('abort fan-out', () => {
  it('one listener on the signal for any number of waiting requests; each runs once, a forgotten one never', () => {
    const controller = new AbortController();
    let ran = 0;
    const forget = Array.from({ length: 1000 }, () => onAbort(controller.signal, () => ran++));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    forget[0]();
    controller.abort();
    assert.equal(ran, 999);
    controller.abort();
    assert.equal(ran, 999, 'once');
    let late = 0;
    onAbort(controller.signal, () => late++);
    assert.equal(late, 1, 'an aborted signal runs it at once');
  });

  it('the listener goes with the last caller that forgets it, and comes back with the next', () => {
    // Node holds a combined signal that has a listener until it aborts, and whatever is keyed by it with it.
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal]);
    const forget = [onAbort(signal, () => undefined), onAbort(signal, () => undefined)];
    forget[0]();
    assert.equal(getEventListeners(signal, 'abort').length, 1, 'one caller still waits');
    forget[1]();
    forget[1]();
    assert.equal(getEventListeners(signal, 'abort').length, 0, 'none waits: no listener');
    let ran = 0;
    onAbort(signal, () => ran++);
    assert.equal(getEventListeners(signal, 'abort').length, 1);
    controller.abort();
    assert.equal(ran, 1);
  });
});
