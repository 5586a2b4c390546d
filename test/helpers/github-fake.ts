import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exampleResponse, findOperation, operationByTemplate, successStatus, validateRequest } from './github/openapi';

/**
 * A local HTTP server playing GitHub's REST API, the one stand-in the tests allow. Every request is checked
 * against GitHub's published description (method, path template, path/query parameters, JSON body); a request
 * GitHub would not accept is recorded in `violations`, which a test asserts empty (see `assertNoViolations`).
 * Responses start from the description's examples; a scenario overrides operations with `route()`.
 */
export interface FakeRequest {
  method: string;
  template: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  headers: IncomingMessage['headers'];
}

export interface FakeResponse {
  status?: number;
  body?: unknown;
  /** Raw bytes (logs, zip archives) instead of JSON. */
  raw?: Buffer | string;
  headers?: Record<string, string>;
}

export type Handler = (req: FakeRequest, fake: GitHubFake) => FakeResponse | Promise<FakeResponse>;

const STORAGE = '/_storage/';

export class GitHubFake {
  readonly violations: string[] = [];
  readonly requests: Array<{ method: string; template: string; path: string; body: unknown }> = [];
  /** Scopes the token has (X-OAuth-Scopes), like a classic personal access token. */
  scopes = 'repo, workflow, read:packages';
  /** The token the fake accepts. */
  token = 'ghp_fakeTokenForTests0123456789abcdef';
  private readonly routes = new Map<string, Handler>();
  private readonly blobs = new Map<string, { bytes: Buffer; type: string }>();
  private readonly streams = new Map<string, (res: ServerResponse) => void>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<GitHubFake> {
    let fake!: GitHubFake;
    const server = createServer((req, res) => void fake.handle(req, res));
    fake = new GitHubFake(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Overrides one operation; the template must be in the description (typos fail at once). */
  route(method: string, template: string, handler: Handler): this {
    operationByTemplate(method, template);
    this.routes.set(`${method.toUpperCase()} ${template}`, handler);
    return this;
  }

  /** The description's example for an operation's success response, to patch. */
  example<T = any>(method: string, template: string, status?: number): T {
    const op = operationByTemplate(method, template);
    return exampleResponse(op, status ?? successStatus(op)) as T;
  }

  /** Serves bytes outside the API (where GitHub's 302 for logs points: its blob storage). */
  blob(name: string, bytes: Buffer | string, type = 'application/octet-stream'): string {
    this.blobs.set(name, { bytes: Buffer.from(bytes), type });
    return `${this.url}${STORAGE}${encodeURIComponent(name)}`;
  }

  /** Serves an answer written by `write` (a body too big to hold, one that drips, one that never ends). */
  stream(name: string, write: (res: ServerResponse) => void): string {
    this.streams.set(name, write);
    return `${this.url}${STORAGE}${encodeURIComponent(name)}`;
  }

  calls(method: string, template: string): number {
    return this.requests.filter((r) => r.method === method.toUpperCase() && r.template === template).length;
  }

  assertNoViolations(): void {
    if (this.violations.length)
      throw new Error(`requests GitHub's API description does not allow:\n  ${this.violations.join('\n  ')}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith(STORAGE)) {
      const write = this.streams.get(decodeURIComponent(url.pathname.slice(STORAGE.length)));
      if (write) return write(res);
      const blob = this.blobs.get(decodeURIComponent(url.pathname.slice(STORAGE.length)));
      res.writeHead(blob ? 200 : 404, { 'content-type': blob?.type ?? 'text/plain' });
      return void res.end(blob?.bytes ?? 'no such blob');
    }
    const problems = validateRequest(method, url, raw);
    this.violations.push(...problems);
    const found = findOperation(method, url.pathname);
    const template = found?.operation.template ?? url.pathname;
    this.requests.push({ method, template, path: url.pathname + url.search, body: raw ? safeJson(raw) : undefined });
    const common: Record<string, string> = {
      'x-oauth-scopes': this.scopes,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-github-api-version-selected': '2022-11-28',
    };
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) {
      return send(
        res,
        {
          status: 401,
          body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' },
        },
        common,
      );
    }
    if (!found) return send(res, { status: 404, body: { message: 'Not Found', status: '404' } }, common);
    const handler = this.routes.get(`${method} ${template}`);
    let out: FakeResponse;
    try {
      out = handler
        ? await handler(
            {
              method,
              template,
              params: found.params,
              query: url.searchParams,
              body: raw ? safeJson(raw) : undefined,
              headers: req.headers,
            },
            this,
          )
        : {
            status: successStatus(found.operation),
            body: exampleResponse(found.operation, successStatus(found.operation)),
          };
    } catch (e) {
      this.violations.push(`${method} ${template}: scenario handler threw ${(e as Error).message}`);
      out = { status: 500, body: { message: 'fake handler failed' } };
    }
    send(res, out, common);
  }
}

function send(res: ServerResponse, out: FakeResponse, common: Record<string, string>): void {
  const status = out.status ?? 200;
  const headers: Record<string, string> = { ...common, ...out.headers };
  if (out.raw !== undefined) {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    res.writeHead(status, headers);
    return void res.end(out.raw);
  }
  if (out.body === undefined || status === 204 || status === 302) {
    res.writeHead(status, headers);
    return void res.end();
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  res.writeHead(status, headers);
  res.end(JSON.stringify(out.body));
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
