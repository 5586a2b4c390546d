import type { IncomingHttpHeaders } from 'node:http';

/**
 * Response headers as fetch's `Headers` reads them (names in lower case, repeated values joined with ", "), without
 * `Headers` itself: Node 20's is undici, loaded on first use (~28 ms of CPU for a fresh process).
 */
export class AnswerHeaders implements Iterable<[string, string]> {
  private constructor(private readonly map: Map<string, string>) {}

  static of(h: IncomingHttpHeaders): AnswerHeaders {
    const map = new Map<string, string>();
    for (const [k, v] of Object.entries(h)) if (v !== undefined) map.set(k, Array.isArray(v) ? v.join(', ') : v);
    return new AnswerHeaders(map);
  }

  /** From anything iterable as [name, value] (a fetch Response's headers, when a test passes its own fetch). */
  static from(pairs: Iterable<[string, string]>): AnswerHeaders {
    const map = new Map<string, string>();
    for (const [k, v] of pairs) map.set(k.toLowerCase(), v);
    return new AnswerHeaders(map);
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  forEach(fn: (value: string, name: string) => void): void {
    this.map.forEach((v, k) => fn(v, k));
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/**
 * An answer read whole, as Octokit's fetch wrapper reads a Response (`status`, `statusText`, `url`, `headers`
 * iterated and `get`, `text()`, `arrayBuffer()`, `body` when it does not parse), without building a `Response`.
 */
export class FinishedAnswer {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    readonly headers: AnswerHeaders,
    private readonly bytes: Uint8Array | null,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body as a web stream (Octokit hands it on when told not to parse); null for an answer without one. */
  get body(): ReadableStream<Uint8Array> | null {
    const bytes = this.bytes;
    if (!bytes) return null;
    return new ReadableStream<Uint8Array>({
      start(c) {
        if (bytes.length) c.enqueue(bytes);
        c.close();
      },
    });
  }

  text(): Promise<string> {
    // TextDecoder drops a leading byte-order mark, as Response.text() does.
    return Promise.resolve(new TextDecoder().decode(this.bytes ?? new Uint8Array(0)));
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.bytes ?? new Uint8Array(0);
    return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
}
