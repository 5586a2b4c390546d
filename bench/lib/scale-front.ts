// The scale bench's registry front, in a process of its own (so its work never shares the measured client's event
// loop): HTTPS with HTTP/2 offered by ALPN and HTTP/1.1 for those who do not ask (as ghcr.io), in front of the real
// registry (distribution 2.8, TLS). It pages tag lists as ghcr.io does (100 a page, `Link: <...>; rel="next"`) and
// answers manifests (HEAD and GET, by tag or digest) and the blobs they name from a snapshot it took of the registry
// before the runs; every other request (the ping, tokens) goes to the registry. Why a snapshot: distribution 2.8 on
// these 2 shared cores spends about 1.3 ms of CPU per request, so 5,000 requests would measure its CPU rather than the
// round trips (ghcr.io's fleet does not share our cores; before 2026-12-07 the view's 50 manifests and their config
// went to it, a manifest taking up to 200 ms behind the link). The GitHub stand-in (test/helpers/github-fake, checked
// against GitHub's description) serves the same snapshot as package versions. Counts requests and HTTP/2 streams;
// reports them over IPC.
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GitHubFake } from '../../test/helpers/github-fake';

interface Start {
  registry: string;
  ca: string;
  key: string;
  repos: string[];
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(',');

process.once('message', (m: Start) => void main(m));

async function main(o: Start): Promise<void> {
  const ca = readFileSync(o.ca, 'utf8');
  const agent = new https.Agent({ keepAlive: true, ca, maxSockets: 32 });
  const upstream = (method: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      const req = https.request(`https://${o.registry}${path}`, { method, headers, agent }, async (res) => {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (typeof v === 'string' && !['connection', 'keep-alive', 'transfer-encoding'].includes(k)) h[k] = v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
      req.once('error', reject);
      req.end();
    });

  // The snapshot: every tag of every repository with the registry's own answer (headers, and the manifest), and the
  // blobs those manifests name. Content by digest never changes: a registry's fleet serves it from a cache.
  type Stored = { headers: Record<string, string>; body: Buffer };
  const snapshot = new Map<
    string,
    { tags: string[]; heads: Map<string, Record<string, string>>; byDigest: Map<string, Stored> }
  >();
  for (const repo of o.repos) {
    const list = JSON.parse((await upstream('GET', `/v2/${repo}/tags/list`)).body.toString('utf8')) as {
      tags: string[];
    };
    const tags = list.tags.sort();
    const heads = new Map<string, Record<string, string>>();
    const byDigest = new Map<string, Stored>();
    const blobs = new Set<string>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < tags.length) {
          const tag = tags[next++];
          const r = await upstream('GET', `/v2/${repo}/manifests/${tag}`, { accept: ACCEPT });
          if (r.status !== 200) throw new Error(`snapshot: GET ${repo}:${tag} -> ${r.status}`);
          const headers = {
            'content-type': r.headers['content-type'],
            'content-length': r.headers['content-length'],
            'docker-content-digest': r.headers['docker-content-digest'],
          };
          heads.set(tag, headers);
          byDigest.set(headers['docker-content-digest'], { headers, body: r.body });
          const m = JSON.parse(r.body.toString('utf8')) as {
            config?: { digest: string };
            layers?: { digest: string }[];
          };
          for (const d of [m.config?.digest, ...(m.layers ?? []).map((l) => l.digest)]) if (d) blobs.add(d);
        }
      }),
    );
    for (const digest of blobs) {
      const r = await upstream('GET', `/v2/${repo}/blobs/${digest}`);
      if (r.status !== 200) throw new Error(`snapshot: GET ${repo}@${digest} -> ${r.status}`);
      byDigest.set(digest, {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(r.body.length),
          'docker-content-digest': digest,
        },
        body: r.body,
      });
    }
    snapshot.set(repo, { tags, heads, byDigest });
  }

  const stats = { requests: 0, streams: 0, connections: 0 };
  type Answer = { status: number; headers: Record<string, string>; body?: Buffer | string };
  /** What the front answers itself (tag pages, HEAD by tag), or undefined for what goes to the registry. */
  const answer = (method: string, pathAndQuery: string): Answer | undefined => {
    const q = pathAndQuery.indexOf('?');
    const pathname = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
    if (pathname.endsWith('/tags/list')) {
      const repo = pathname.slice('/v2/'.length, -'/tags/list'.length);
      const all = snapshot.get(repo)?.tags;
      if (!all) return undefined;
      const params = new URLSearchParams(q < 0 ? '' : pathAndQuery.slice(q + 1));
      const n = Math.min(Number(params.get('n') ?? 100) || 100, 100);
      const last = params.get('last');
      const from = last ? all.findIndex((t) => t > last) : 0;
      const page = from < 0 ? [] : all.slice(from, from + n);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (from >= 0 && from + n < all.length)
        headers.link = `</v2/${repo}/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"`;
      return { status: 200, headers, body: JSON.stringify({ name: repo, tags: page }) };
    }
    // Manifests by tag or digest, and blobs: HEAD and GET, from the snapshot.
    if (method !== 'HEAD' && method !== 'GET') return undefined;
    const m = pathname.lastIndexOf('/manifests/');
    const b = m < 0 ? pathname.lastIndexOf('/blobs/') : -1;
    const at = m > 4 ? m : b;
    if (at <= 4) return undefined;
    const repo = snapshot.get(pathname.slice(4, at));
    const ref = pathname.slice(at + (m > 4 ? '/manifests/' : '/blobs/').length);
    const digest = ref.includes(':') ? ref : m > 4 ? repo?.heads.get(ref)?.['docker-content-digest'] : undefined;
    const stored = digest ? repo?.byDigest.get(digest) : undefined;
    if (!stored) return undefined;
    return { status: 200, headers: stored.headers, body: method === 'GET' ? stored.body : undefined };
  };
  const forward = (method: string, pathAndQuery: string, given: Record<string, string | string[] | undefined>) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(given))
      if (typeof v === 'string' && !k.startsWith(':') && !['host', 'connection'].includes(k)) headers[k] = v;
    return upstream(method, pathAndQuery, headers).catch((e: Error): Answer => ({
      status: 502,
      headers: { 'content-type': 'text/plain' },
      body: e.message,
    }));
  };
  // HTTP/1.1 (skopeo and others that do not ask for HTTP/2) through the compatibility API.
  const server = http2.createSecureServer(
    { key: readFileSync(o.key), cert: ca, allowHTTP1: true, settings: { maxConcurrentStreams: 100 } },
    (req, res) => {
      stats.requests++;
      const send = (a: Answer) => {
        res.writeHead(a.status, a.headers);
        if (req.method === 'HEAD' || a.body === undefined) res.end();
        else res.end(a.body);
      };
      const a = answer(req.method, req.url);
      if (a) return send(a);
      void forward(req.method, req.url, req.headers).then(send);
    },
  );
  // HTTP/2 streams straight from the stream API: the compatibility layer's request and response objects cost the
  // front about twice the CPU per request, which these 2 shared cores take from the measured client (ghcr.io's
  // fleet does not). The compatibility layer's own stream listener (added with the request listener) goes.
  server.removeAllListeners('stream');
  server.on('stream', (stream, headers) => {
    stats.requests++;
    stats.streams++;
    const method = headers[':method'] ?? 'GET';
    const send = (a: Answer) => {
      if (stream.destroyed) return;
      const noBody = method === 'HEAD' || a.body === undefined;
      stream.respond({ ':status': a.status, ...a.headers }, { endStream: noBody });
      if (!noBody) stream.end(a.body);
    };
    stream.on('error', () => undefined);
    const a = answer(method, headers[':path'] ?? '/');
    if (a) return send(a);
    void forward(method, headers[':path'] ?? '/', headers).then(send);
  });
  server.on('secureConnection', () => stats.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  // GitHub's Packages API over the same snapshot: one version per digest, newest first, 100 a page.
  const github = await GitHubFake.start();
  const example = github.example<Array<Record<string, unknown>>>(
    'GET',
    '/orgs/{org}/packages/{package_type}/{package_name}/versions',
  )[0];
  const versionsOf = new Map<string, unknown[]>();
  for (const [repo, s] of snapshot) {
    const byDigest = new Map<string, string[]>();
    for (const tag of [...s.tags].reverse()) {
      const d = s.heads.get(tag)!['docker-content-digest'];
      byDigest.set(d, [...(byDigest.get(d) ?? []), tag]);
    }
    versionsOf.set(
      repo,
      [...byDigest].map(([digest, tags], i) => ({
        ...example,
        id: i + 1,
        name: digest,
        metadata: { package_type: 'container', container: { tags } },
      })),
    );
  }
  github.route('GET', '/orgs/{org}/packages/{package_type}/{package_name}/versions', (req) => {
    const versions = versionsOf.get(`${req.params.org}/${decodeURIComponent(req.params.package_name)}`) ?? [];
    const per = Math.min(Number(req.query.get('per_page') ?? 30), 100);
    const page = Number(req.query.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(versions.length / per));
    const at = (p: number) =>
      `<${github.url}/orgs/${req.params.org}/packages/container/${req.params.package_name}/versions?per_page=${per}&page=${p}>`;
    const link = page < last ? `${at(page + 1)}; rel="next", ${at(last)}; rel="last"` : undefined;
    return {
      body: versions.slice((page - 1) * per, page * per),
      headers: link ? { link } : undefined,
    };
  });

  process.on('message', (m: { type: string }) => {
    if (m.type === 'stats')
      process.send!({
        type: 'stats',
        ...stats,
        github: github.requests.length,
        violations: github.violations.length,
      });
    if (m.type === 'close') {
      server.close();
      void github.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({
    type: 'ready',
    port: (server.address() as AddressInfo).port,
    githubPort: new URL(github.url).port,
    token: github.token,
    tags: Object.fromEntries([...snapshot].map(([r, s]) => [r, s.tags.length])),
  });
}
