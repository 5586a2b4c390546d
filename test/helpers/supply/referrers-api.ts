/**
 * The OCI 1.1 referrers API for tests, played by a proxy of the tests' own in front of a real registry
 * (distribution 2.8 has no referrers API): manifests PUT through the proxy that name a `subject` are remembered, and
 * GET /v2/<name>/referrers/<digest> answers the index of them, with `?artifactType=` filtering and
 * `OCI-Filters-Applied` as the spec says. Everything else goes to the registry unchanged.
 *
 *   const api = await startReferrersApi(reg, { pageSize? })  -> { registry (a TestRegistry pointing at the proxy),
 *                                                               proxy, stop() }
 */
import { createHash } from 'node:crypto';
import { startProxy, type TestProxy, type TestRegistry } from '../registry';

interface Entry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export async function startReferrersApi(
  reg: TestRegistry,
  options: { pageSize?: number } = {},
): Promise<{ registry: TestRegistry; proxy: TestProxy; stop(): Promise<void> }> {
  const bySubject = new Map<string, Entry[]>();
  const proxy = await startProxy(reg, {
    intercept: ({ method, path, body }) => {
      const url = new URL(path, 'http://proxy');
      const put = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(url.pathname);
      if (method === 'PUT' && put) {
        const json = safeJson(body);
        const subject = json?.subject as { digest?: string } | undefined;
        if (subject?.digest) {
          const config = json!.config as { mediaType?: string } | undefined;
          const key = `${put[1]}@${subject.digest}`;
          bySubject.set(key, [
            ...(bySubject.get(key) ?? []),
            {
              mediaType: (json!.mediaType as string) ?? 'application/vnd.oci.image.manifest.v1+json',
              digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
              size: body.length,
              artifactType: (json!.artifactType as string | undefined) ?? config?.mediaType,
              ...(json!.annotations ? { annotations: json!.annotations as Record<string, string> } : {}),
            },
          ]);
        }
        return undefined;
      }
      const get = /^\/v2\/(.+)\/referrers\/([a-z0-9]+:[a-f0-9]+)$/.exec(url.pathname);
      if (method !== 'GET' || !get) return undefined;
      const wanted = url.searchParams.get('artifactType');
      let all = bySubject.get(`${get[1]}@${get[2]}`) ?? [];
      if (wanted) all = all.filter((e) => e.artifactType === wanted);
      const size = options.pageSize ?? 1000;
      const from = Number(url.searchParams.get('from') ?? 0);
      const page = all.slice(from, from + size);
      const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
      if (wanted) headers['oci-filters-applied'] = 'artifactType';
      if (from + size < all.length) headers.link = `<${url.pathname}?from=${from + size}>; rel="next"`;
      return {
        status: 200,
        headers,
        body: JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: page,
        }),
      };
    },
  });
  return { registry: { ...reg, host: proxy.host, url: proxy.url }, proxy, stop: () => proxy.stop() };
}

function safeJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
