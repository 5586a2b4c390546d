/**
 * A registry of the tests' own that misbehaves on purpose (the real distribution registry cannot be made to send an
 * endless tag list or a label with escape codes). It serves what it holds the way a registry does (GET /v2/, tags,
 * manifests and blobs by tag or digest, HEAD, PUT of manifests), anonymously over loopback; a test changes any
 * answer with `on(method, path, handler)`.
 *
 *   const reg = await startHostileRegistry();
 *   const img = reg.image('acme/app', 'v1', { labels: { 'org.example': '\x1b]0;owned\x07' } });
 *   reg.on('GET', /\/tags\/list/, (req, res) => res.end(JSON.stringify({ tags: 'latest' })));
 *   reg.requests  // every request: method and path
 *   await reg.stop();
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => unknown;

export interface Stored {
  digest: string;
  bytes: Buffer;
  mediaType: string;
}

export interface HostileRegistry {
  host: string;
  url: string;
  requests: Array<{ method: string; path: string }>;
  /** Answers matching requests with `handler` instead of the stored content (the latest rule that matches wins). */
  on(method: string, path: RegExp, handler: Handler): void;
  /** A single-platform image (config with labels, one empty layer) under `tag`. */
  image(repo: string, tag?: string, o?: { labels?: Record<string, string>; platform?: string }): Stored;
  /** An index over `children` (the same child may be listed many times) under `tag`. */
  index(repo: string, tag: string, children: Array<Stored & { platform?: string }>): Stored;
  /** Stored bytes under a tag or digest of a repository. */
  manifests: Map<string, Stored>;
  blobs: Map<string, Buffer>;
  stop(): Promise<void>;
}

export async function startHostileRegistry(): Promise<HostileRegistry> {
  const rules: Array<{ method: string; path: RegExp; handler: Handler }> = [];
  const requests: HostileRegistry['requests'] = [];
  const manifests = new Map<string, Stored>();
  const blobs = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://registry');
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const rule = rules.find(
        (r) => (r.method === '*' || r.method === req.method) && r.path.test(url.pathname + url.search),
      );
      if (rule) return void (await rule.handler(req, res, url));
      if (url.pathname === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/.exec(url.pathname);
      if (!m) return void res.writeHead(404).end('{"errors":[{"code":"NOT_FOUND","message":"no route"}]}');
      const [, repo, kind, ref] = m;
      if (kind === 'tags') {
        const tags = [...manifests.keys()].filter((k) => k.startsWith(`${repo}:`)).map((k) => k.slice(repo.length + 1));
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ name: repo, tags }));
      }
      if (kind === 'blobs') {
        const b = blobs.get(ref);
        if (!b) return void res.writeHead(404).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
        return void res.writeHead(200, { 'content-length': String(b.length), 'docker-content-digest': ref }).end(b);
      }
      const key = ref.includes(':') ? ref : `${repo}:${ref}`;
      if (req.method === 'PUT') {
        const bytes = Buffer.concat(chunks);
        const stored = { digest: sha256(bytes), bytes, mediaType: req.headers['content-type'] ?? OCI_MANIFEST };
        manifests.set(key, stored);
        manifests.set(stored.digest, stored);
        return void res.writeHead(201, { 'docker-content-digest': stored.digest }).end();
      }
      const s = manifests.get(key);
      if (!s)
        return void res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      res.writeHead(200, {
        'content-type': s.mediaType,
        'content-length': String(s.bytes.length),
        'docker-content-digest': s.digest,
      });
      res.end(req.method === 'HEAD' ? undefined : s.bytes);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const put = (repo: string, tag: string | undefined, bytes: Buffer, mediaType: string): Stored => {
    const s = { digest: sha256(bytes), bytes, mediaType };
    manifests.set(s.digest, s);
    if (tag) manifests.set(`${repo}:${tag}`, s);
    return s;
  };
  return {
    host,
    url: `http://${host}`,
    requests,
    manifests,
    blobs,
    on: (method, path, handler) => void rules.unshift({ method, path, handler }),
    image(repo, tag, o = {}) {
      const [os, architecture] = (o.platform ?? 'linux/amd64').split('/');
      const layer = Buffer.alloc(32);
      const config = Buffer.from(
        JSON.stringify({
          os,
          architecture,
          config: { Labels: o.labels ?? {} },
          rootfs: { type: 'layers', diff_ids: [] },
        }),
      );
      blobs.set(sha256(config), config);
      blobs.set(sha256(layer), layer);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: 32 }],
        }),
      );
      return put(repo, tag, manifest, OCI_MANIFEST);
    },
    index(repo, tag, children) {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: children.map((c) => {
            const [os, architecture] = (c.platform ?? 'linux/amd64').split('/');
            return { mediaType: c.mediaType, digest: c.digest, size: c.bytes.length, platform: { os, architecture } };
          }),
        }),
      );
      return put(repo, tag, bytes, OCI_INDEX);
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
