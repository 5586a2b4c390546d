// The scale bench's minimal client: tags with their digests by an HTTP/2 client that does what the round-trip bound
// assumes and nothing more: both connections opened at once, the first tag page, then
// every other page at once (it is handed each page's cursor, which no real client knows) and a HEAD per tag as soon
// as its name comes, 100 streams on each connection, nothing checked beyond the digest header, no retry, no token,
// no cache. What it takes over the bound is the link's, the server's and Node's own rather than a client's choices;
// the summary gives ours against it. Prints one JSON line: time from the first connection to the last digest, the tags,
// the requests and the CPU time. With `rtt` set instead, it measures the link: that many HEADs one after the other on
// one connection once it is up, and prints their median and least time (the link's round trip with nothing else on it).
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';

interface Job {
  host: string;
  ca: string;
  repository: string;
  /** The `last` of every page after the first, in order (the tag that ends the page before it). */
  cursors: string[];
  streams: number;
  connections: number;
  accept: string;
  /** Measure the round trip instead: `count` HEADs of `tag`, one at a time. */
  rtt?: { count: number; tag: string };
}

void (async () => {
  const job = JSON.parse(process.argv[2]) as Job;
  const ca = readFileSync(job.ca);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sessions = Array.from({ length: job.connections }, () => {
    const s = http2.connect(`https://${job.host}`, { ca });
    s.on('error', (e) => fail(e));
    return { s, free: job.streams };
  });
  const waiting: Array<() => void> = [];
  let requests = 0;
  const request = (headers: http2.OutgoingHttpHeaders): Promise<{ status: number; digest?: string; body: string }> =>
    new Promise((resolve, reject) => {
      const go = () => {
        const c = sessions.reduce((a, b) => (b.free > a.free ? b : a));
        c.free--;
        requests++;
        const st = c.s.request(headers, { endStream: true });
        let status = 0;
        let digest: string | undefined;
        let body = '';
        st.on('response', (h) => {
          status = Number(h[':status']);
          digest = h['docker-content-digest'] as string | undefined;
        });
        st.setEncoding('utf8');
        st.on('data', (d: string) => (body += d));
        st.on('error', reject);
        st.on('close', () => {
          c.free++;
          waiting.shift()?.();
          resolve({ status, digest, body });
        });
      };
      if (sessions.some((c) => c.free > 0)) go();
      else waiting.push(go);
    });
  const base = `/v2/${job.repository}`;
  if (job.rtt) {
    const times: number[] = [];
    // The first one waits for the connection (TCP, TLS): not a round trip of the link alone.
    for (let i = 0; i <= job.rtt.count; i++) {
      const t = performance.now();
      await request({ ':method': 'HEAD', ':path': `${base}/manifests/${job.rtt.tag}`, accept: job.accept });
      if (i) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    for (const c of sessions) c.s.close();
    process.stdout.write(JSON.stringify({ median: times[times.length >> 1], min: times[0] }) + '\n');
    return;
  }
  const digests: Array<Promise<string>> = [];
  const head = (tag: string) =>
    digests.push(
      request({ ':method': 'HEAD', ':path': `${base}/manifests/${tag}`, accept: job.accept }).then((r) => {
        if (r.status !== 200 || !r.digest) throw new Error(`HEAD ${tag}: ${r.status}`);
        return r.digest;
      }),
    );
  const page = async (last?: string) => {
    const r = await request({
      ':method': 'GET',
      ':path': `${base}/tags/list?n=100${last === undefined ? '' : `&last=${encodeURIComponent(last)}`}`,
    });
    if (r.status !== 200) throw new Error(`tag page after ${last ?? 'the start'}: ${r.status}`);
    for (const t of (JSON.parse(r.body) as { tags: string[] }).tags) head(t);
  };
  await page();
  await Promise.all(job.cursors.map((c) => page(c)));
  const all = await Promise.all(digests);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const c of sessions) c.s.close();
  process.stdout.write(
    JSON.stringify({ ms, tags: all.length, requests, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n',
  );
})().catch(fail);

function fail(e: unknown): never {
  process.stderr.write(`minimal client run failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
