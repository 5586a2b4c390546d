// The delay proxy in a process of its own, so its timers never wait behind the measured client's work
// (the in-process client and the proxy would otherwise share one event loop, which peers run as programs don't).
import { startDelayProxy } from './delay-proxy';

const [host, port, delay, handshake] = process.argv.slice(2);
void (async () => {
  const proxy = await startDelayProxy(
    { host, port: Number(port) },
    {
      delayMs: Number(delay),
      handshake: handshake !== 'no-handshake',
      // Peers see a failed connection only as EOF: say here what happened.
      onError: (side, e) => console.error(`delay proxy: ${side} socket error: ${e.message}`),
    },
  );
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stats')
      process.send!({ type: 'stats', connections: proxy.connections(), requests: proxy.requests() });
    if (m.type === 'close') void proxy.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', port: proxy.port });
})();
