import net from 'node:net';

export interface DelayProxyOptions {
  /** Held in each direction per chunk: a round trip costs 2 x delayMs. */
  delayMs: number;
  /**
   * A new connection's first bytes wait one more round trip, as a TCP handshake would on a real link (the
   * kernel accepts the connection on loopback at once). Default true.
   */
  handshake?: boolean;
  /** Called with socket errors (which end the connection), e.g. to log them. */
  onError?: (side: 'client' | 'upstream', error: Error) => void;
}

export interface DelayProxy {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** HTTP/1.x request lines seen from clients (a client that speaks TLS to it makes connections, not requests). */
  requests(): number;
  close(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \S+ HTTP\/1\.[01]\r\n/g;

/**
 * A TCP proxy that holds every chunk `delayMs` in each direction before passing it on: a stand-in for a
 * wide-area link (the kernel's netem is not available on these machines). Order is kept per direction because
 * each chunk's release time is monotonic.
 */
export async function startDelayProxy(
  target: { host: string; port: number },
  options: DelayProxyOptions | number,
): Promise<DelayProxy> {
  const {
    delayMs,
    handshake = true,
    onError,
  } = typeof options === 'number' ? ({ delayMs: options } as DelayProxyOptions) : options;
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(target.port, target.host);
    // A link passes each chunk on as it comes: without this, Nagle's algorithm in the proxy held a small chunk until
    // the one before it was acknowledged, and the receiver's delayed ACK made that up to 40 ms (a wait no link adds).
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    // Release times only ever grow, so a later chunk never overtakes an earlier one.
    const pipe = (
      from: net.Socket,
      to: net.Socket,
      firstExtra: number,
      count: boolean,
      side: 'client' | 'upstream',
    ) => {
      let releaseAt = 0;
      let extra = firstExtra;
      // One queue and one timer per direction: a timer per chunk could fire out of order when two chunks were due
      // in the same millisecond (Node orders timers by the loop's cached clock, not by when they were set), which
      // reordered TLS records (ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC) and, once, cut skopeo's stream.
      const queue: Array<{ at: number; fn: () => void }> = [];
      let timer: NodeJS.Timeout | undefined;
      const drain = () => {
        timer = undefined;
        while (queue.length && queue[0].at <= Date.now()) queue.shift()!.fn();
        if (queue.length) timer = setTimeout(drain, queue[0].at - Date.now());
      };
      const hold = (fn: () => void) => {
        releaseAt = Math.max(releaseAt, Date.now() + delayMs + extra);
        extra = 0;
        queue.push({ at: releaseAt, fn });
        timer ??= setTimeout(drain, releaseAt - Date.now());
      };
      from.on('data', (chunk: Buffer) => {
        if (count) requests += chunk.toString('latin1').match(REQUEST_LINE)?.length ?? 0;
        hold(() => to.writable && to.write(chunk));
      });
      from.on('end', () => hold(() => to.end()));
      // A side that closes still has its last chunks on the way: the other side closes after them.
      from.on('close', () => {
        sockets.delete(from);
        hold(() => to.end());
      });
      from.on('error', (e) => onError?.(side, e));
    };
    pipe(client, upstream, handshake ? 2 * delayMs : 0, true, 'client');
    pipe(upstream, client, 0, false, 'upstream');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
