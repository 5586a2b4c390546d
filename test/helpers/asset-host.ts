import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A second local server playing GitHub's asset storage (objects.githubusercontent.com): the API answers an asset
 * download with a 302 to a signed URL here. It records every request's headers, so a test can assert that the
 * token never reached it.
 */
export class AssetHost {
  readonly requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  private readonly files = new Map<string, Buffer>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<AssetHost> {
    let host!: AssetHost;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      host.requests.push({ path: url.pathname + url.search, headers: req.headers });
      const body = host.files.get(url.pathname);
      if (!body || url.searchParams.get('sig') !== 'signed') {
        res.writeHead(403, { 'content-type': 'application/xml' });
        return void res.end('<Error><Code>AuthenticationFailed</Code></Error>');
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
      res.end(body);
    });
    host = new AssetHost(server);
    // 127.0.0.2, not the API's 127.0.0.1: another host as well as another port, as GitHub's storage is.
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
    return host;
  }

  /** Serves bytes and returns the signed URL the API redirects to. */
  put(name: string, bytes: Buffer): string {
    const p = `/github-production-release-asset/${encodeURIComponent(name)}`;
    this.files.set(p, bytes);
    return `http://127.0.0.2:${(this.server.address() as AddressInfo).port}${p}?sig=signed&expires=300`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
