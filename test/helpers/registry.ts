/**
 * Real registries for tests (distribution 2.8, `docker-registry serve`) on free loopback ports, and fixtures
 * written straight through the registry API. Shared by every area that needs images in a registry.
 *
 * API
 *   useRegistry(mode, options?) -> () => TestRegistry
 *       Mocha sugar: starts a registry in before(), stops it in after(); call the getter inside tests.
 *   startRegistry({ auth: 'none' | 'htpasswd' | 'token', username?, password?, anonymousPull? }) -> TestRegistry
 *       host '127.0.0.1:PORT', url 'http://host', credentials {username,password} (auth modes), stop().
 *       'token' runs an in-process token server (RS256 JWTs signed with a key made now; its self-signed
 *       certificate is in the JWT header's x5c and in the registry's rootcertbundle), like ghcr.io's flow.
 *       tokenRequests lists the scopes asked for. anonymousPull grants pull to anonymous token requests.
 *       tls: the registry serves HTTPS (HTTP/2 by ALPN, as Go does) with a certificate for 127.0.0.1 made now;
 *       `ca` is its PEM file (give it to the client as registry.certificates) and `fetch` reaches it trusting it.
 *   startProxy(target, { pageSize?, faults?, foreignNextLink?, intercept? }) -> TestProxy
 *       An HTTP proxy in front of a registry: splits /v2/<name>/tags/list into pages with
 *       `Link: <...>; rel="next"` (as ghcr.io does) and injects faults (status codes, Retry-After, rewritten
 *       bodies, connection resets, bodies cut halfway, delays past the client's timeout) for requests that
 *       match; intercept sees each request first and may answer it (the OCI referrers API of
 *       test/helpers/supply/referrers-api.ts). requests lists what went through.
 *   pushImage(reg, repo, { platform?, labels?, tag?, format?, files?, created? }) -> PushedManifest
 *       A FROM-scratch-like image: one gzip tar layer + a config blob with labels, for one platform.
 *   pushIndex(reg, repo, images, { tag?, format: 'oci' | 'docker', attestations?, attestationsOnly?, created? }) -> PushedManifest
 *       An OCI index (optionally with BuildKit attestation manifests: unknown/unknown + the
 *       vnd.docker.reference.* annotations) or a Docker manifest list. attestationsOnly: the index lists the
 *       images' attestation manifests and not the images (a broken push: no platform at all).
 *   putManifest(reg, repo, reference, bytes, mediaType) -> digest;  tagManifest(reg, repo, tag, pushed)
 *   pushBlob(reg, repo, bytes) -> digest
 *   pushArtifact(reg, repo, { artifactType, payload, subject?, tag? }) -> PushedManifest  (signatures, SBOMs)
 *   pushListIndex(reg, repo, tag, manifests) -> PushedManifest  (e.g. the referrers tag-schema index)
 *   repositoryState(reg, repo) -> { tags: tag -> digest, manifests: every reachable digest -> media type }
 *   deleteManifestDirect(reg, repo, digest) -> HTTP status
 *   skopeoRaw(reg, reference) -> Buffer  (skopeo inspect --raw, the peer to compare against)
 *   stopAll()  stops everything started (also registered as a root after() hook by useRegistry).
 * Every started process and server is stopped by stop()/stopAll(); tests must call it in after().
 */
import { freeLoopbackPort as freePort } from '../../src/core/net';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { importPKCS8, SignJWT } from 'jose';
import { pack } from 'tar-stream';
import { CancelledError } from '../../src/core/errors';
import { runProcess, type RunResult } from '../../src/core/process/run';
import { ARTIFACTS } from './paths';
import { selfSignedCertificate } from './tls-cert';

export type AuthMode = 'none' | 'htpasswd' | 'token';

export interface TestRegistry {
  auth: AuthMode;
  /** 127.0.0.1:PORT, the registry part of references. */
  host: string;
  url: string;
  /** Credentials that work (htpasswd and token modes). */
  credentials?: { username: string; password: string };
  /** Token mode: the scopes the token server was asked for, in order (with the user or 'anonymous'). */
  tokenRequests: Array<{ user: string; scope: string }>;
  dir: string;
  /** tls: the PEM file of the certificate the registry serves (self-signed: it is its own CA). */
  ca?: string;
  /** A fetch that reaches this registry (over HTTPS trusting `ca` when tls). */
  fetch: typeof fetch;
  /** The registry's own log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: AuthMode;
  username?: string;
  password?: string;
  /** Token mode: anonymous token requests get pull access. */
  anonymousPull?: boolean;
  /** Serve HTTPS with a certificate made at start. */
  tls?: boolean;
  /** Errors only in its log and blob descriptors cached in memory, as a production registry runs (benchmarks). */
  lean?: boolean;
}

/** Starts a registry in before() and stops it in after(); returns a getter for use inside tests. */
export function useRegistry(auth: AuthMode = 'none', options: Omit<RegistryOptions, 'auth'> = {}): () => TestRegistry {
  let reg: TestRegistry | undefined;
  before(async function () {
    this.timeout(60_000);
    reg = await startRegistry({ ...options, auth });
  });
  after(async () => {
    await reg?.stop();
  });
  return () => {
    if (!reg) throw new Error('the test registry did not start (see the before hook error)');
    return reg;
  };
}

export { freePort };

async function must(command: string, args: string[]): Promise<RunResult> {
  const r = await runProcess(command, args, {
    timeoutMs: 60_000,
    missingHint: 'Set up the test bed: bash test/testbed/setup.sh',
  });
  if (r.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(path.join(ARTIFACTS, `registry-${auth}-`));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const credentials =
    auth === 'none'
      ? undefined
      : { username: options.username ?? 'operator', password: options.password ?? `pw-${randomUUID()}` };
  const tokenRequests: TestRegistry['tokenRequests'] = [];
  let authYaml = '';
  let tokenServer: http.Server | undefined;
  if (auth === 'htpasswd') {
    const line = (await must('htpasswd', ['-Bbn', credentials!.username, credentials!.password])).stdout.trim();
    writeFileSync(path.join(dir, 'htpasswd'), line + '\n');
    authYaml = `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${path.join(dir, 'htpasswd')}\n`;
  } else if (auth === 'token') {
    const { key, cert } = await selfSignedCertificate(dir, 'token', { subject: '/CN=release-operator-test-token' });
    const tokenPort = await freePort();
    tokenServer = await startTokenServer(
      tokenPort,
      readFileSync(key, 'utf8'),
      readFileSync(cert, 'utf8'),
      credentials!,
      Boolean(options.anonymousPull),
      tokenRequests,
    );
    authYaml = `auth:\n  token:\n    realm: http://127.0.0.1:${tokenPort}/token\n    service: release-operator-test\n    issuer: release-operator-test-issuer\n    rootcertbundle: ${cert}\n`;
  }
  let tlsYaml = '';
  let ca: string | undefined;
  if (options.tls) {
    const made = await selfSignedCertificate(dir, 'tls', {
      subject: '/CN=release-operator-test-registry',
      san: 'IP:127.0.0.1,DNS:localhost',
    });
    ca = made.cert;
    const key = made.key;
    tlsYaml = `  tls:\n    certificate: ${ca}\n    key: ${key}\n`;
  }
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: ${options.lean ? 'error' : 'info'}\n  accesslog:\n    disabled: true\nstorage:\n${options.lean ? '  cache:\n    blobdescriptor: inmemory\n' : ''}  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${tlsYaml}${authYaml}`,
  );
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  const regFetch = ca ? trustingFetch(readFileSync(ca, 'utf8')) : fetch;
  const controller = new AbortController();
  let logText = '';
  let exited: string | undefined;
  const proc = runProcess('docker-registry', ['serve', config], {
    timeoutMs: 0,
    signal: controller.signal,
    onLine: (line) => (logText += line + '\n'),
    missingHint: 'Install the registry: bash test/testbed/setup.sh',
  }).then(
    (r) => void (exited = `exited with ${r.exitCode}`),
    (e) => void (exited = e instanceof CancelledError ? 'stopped' : String(e)),
  );
  const stop = async () => {
    controller.abort();
    await proc;
    await new Promise<void>((r) => (tokenServer ? tokenServer.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`docker-registry ${exited} before answering:\n${logText.slice(-2000)}`);
    }
    const status = await regFetch(`${url}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 || status === 401) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${host} within 20 s:\n${logText.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { auth, host, url, credentials, tokenRequests, dir, ca, fetch: regFetch, log: () => logText, stop };
}

/**
 * A small fetch over node:https that trusts one CA (Node's own fetch takes no CA without undici's Agent), for the
 * helpers that write fixtures into a TLS registry. HTTP/1.1: the product's HTTP/2 client is what tests examine.
 */
function trustingFetch(ca: string): typeof fetch {
  const agent = new https.Agent({ keepAlive: true, ca });
  const trusting = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(init.body as Buffer);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(url, { method: init.method ?? 'GET', headers, agent }, async (res) => {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) for (const x of Array.isArray(v) ? v : [v]) h.append(k, String(x));
        const status = res.statusCode ?? 0;
        const empty = init.method === 'HEAD' || status === 204 || status === 304;
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: h }));
      });
      req.once('error', reject);
      req.end(body);
    });
  };
  return trusting;
}

/** The ghcr.io-like token endpoint: GET /token?service=&scope=repository:NAME:ACTIONS, Basic auth optional. */
async function startTokenServer(
  port: number,
  keyPem: string,
  certPem: string,
  creds: { username: string; password: string },
  anonymousPull: boolean,
  log: TestRegistry['tokenRequests'],
): Promise<http.Server> {
  const key = await importPKCS8(keyPem, 'RS256');
  const x5c = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const header = req.headers.authorization;
    let user = 'anonymous';
    if (header?.startsWith('Basic ')) {
      const [u, ...p] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      if (u !== creds.username || p.join(':') !== creds.password) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      user = u;
    }
    const scopes = url.searchParams.getAll('scope');
    for (const s of scopes) log.push({ user, scope: s });
    const access = scopes.flatMap((s) => {
      const m = /^repository:(.+):([a-z,*]+)$/.exec(s);
      if (!m) return [];
      const wanted = m[2].split(',');
      const actions = user === 'anonymous' ? (anonymousPull ? wanted.filter((a) => a === 'pull') : []) : wanted;
      return [{ type: 'repository', name: m[1], actions }];
    });
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [x5c] })
      .setIssuer('release-operator-test-issuer')
      .setAudience(url.searchParams.get('service') ?? '')
      .setSubject(user)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + 300)
      .setJti(randomUUID())
      .sign(key);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return server;
}

// --- writing fixtures through the registry API ------------------------------------------------------------

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Authorization for pushing to repo on reg (the writer's own small token dance, independent of the product). */
const pushTokens = new Map<string, { header: Record<string, string>; until: number }>();
async function pushAuth(reg: TestRegistry, repo: string, actions = 'pull,push'): Promise<Record<string, string>> {
  if (!reg.credentials) return {};
  const basic = `Basic ${Buffer.from(`${reg.credentials.username}:${reg.credentials.password}`).toString('base64')}`;
  if (reg.auth === 'htpasswd') return { authorization: basic };
  // Tokens live 300 s; reusing one for a minute spares a fixture of thousands of pushes as many token requests.
  const key = `${reg.url} ${repo} ${actions}`;
  const cached = pushTokens.get(key);
  if (cached && cached.until > Date.now()) return cached.header;
  const header = await fetchPushToken(reg, repo, actions, basic);
  pushTokens.set(key, { header, until: Date.now() + 60_000 });
  return header;
}

async function fetchPushToken(
  reg: TestRegistry,
  repo: string,
  actions: string,
  basic: string,
): Promise<Record<string, string>> {
  const challenge = (await reg.fetch(`${reg.url}/v2/`)).headers.get('www-authenticate') ?? '';
  const realm = /realm="([^"]+)"/.exec(challenge)![1];
  const service = /service="([^"]+)"/.exec(challenge)![1];
  const r = await fetch(
    `${realm}?service=${encodeURIComponent(service)}&scope=${encodeURIComponent(`repository:${repo}:${actions}`)}`,
    { headers: { authorization: basic } },
  );
  const { token } = (await r.json()) as { token: string };
  return { authorization: `Bearer ${token}` };
}

export async function pushBlob(reg: TestRegistry, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const auth = await pushAuth(reg, repo);
  const start = await reg.fetch(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: auth });
  if (start.status !== 202)
    throw new Error(`blob upload start for ${repo}: HTTP ${start.status} ${await start.text()}`);
  const loc = new URL(start.headers.get('location')!, reg.url);
  loc.searchParams.set('digest', digest);
  const put = await reg.fetch(loc, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (put.status !== 201) throw new Error(`blob upload for ${repo}: HTTP ${put.status} ${await put.text()}`);
  return digest;
}

export async function putManifest(
  reg: TestRegistry,
  repo: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
): Promise<string> {
  const res = await reg.fetch(`${reg.url}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...(await pushAuth(reg, repo)), 'content-type': mediaType },
    body: bytes,
  });
  if (res.status !== 201) throw new Error(`manifest PUT ${repo}:${reference}: HTTP ${res.status} ${await res.text()}`);
  return sha256(bytes);
}

export interface PushedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  size: number;
  /** Set for single-platform images. */
  platform?: { os: string; architecture: string; variant?: string };
  configDigest?: string;
  layerDigest?: string;
}

const OCI = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
const DOCKER = {
  index: 'application/vnd.docker.distribution.manifest.list.v2+json',
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};

async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const [name, content] of Object.entries(files))
    p.entry({ name: name.replace(/^\//, ''), mode: 0o755, mtime: new Date(0) }, content);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function pushImage(
  reg: TestRegistry,
  repo: string,
  options: {
    platform?: string;
    labels?: Record<string, string>;
    tag?: string;
    format?: 'oci' | 'docker';
    files?: Record<string, string | Buffer>;
    /** The config's `created` (default 2024-01-01T00:00:00Z). */
    created?: string;
  } = {},
): Promise<PushedManifest> {
  const [os, architecture, variant] = (options.platform ?? 'linux/amd64').split('/');
  const t = options.format === 'docker' ? DOCKER : OCI;
  const tar = await tarOf(
    options.files ?? {
      'hello.txt': `hello from ${options.platform ?? 'linux/amd64'} ${JSON.stringify(options.labels ?? {})}\n`,
    },
  );
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os,
      ...(variant ? { variant } : {}),
      created: options.created ?? '2024-01-01T00:00:00Z',
      config: { Labels: options.labels ?? {}, Cmd: ['/hello'] },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  );
  const pushed = await pushSingleManifest(reg, repo, t, config, { mediaType: t.layer, bytes: layer }, options.tag);
  return { ...pushed, platform: { os, architecture, variant } };
}

/** Pushes a config blob and one layer, then the image manifest over them (under `tag`, or its own digest). */
async function pushSingleManifest(
  reg: TestRegistry,
  repo: string,
  t: typeof OCI,
  config: Buffer,
  layer: { mediaType: string; bytes: Buffer; annotations?: Record<string, string> },
  tag?: string,
): Promise<PushedManifest> {
  const [configDigest, layerDigest] = await Promise.all([
    pushBlob(reg, repo, config),
    pushBlob(reg, repo, layer.bytes),
  ]);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: t.manifest,
      config: { mediaType: t.config, digest: configDigest, size: config.length },
      layers: [
        {
          mediaType: layer.mediaType,
          digest: layerDigest,
          size: layer.bytes.length,
          ...(layer.annotations ? { annotations: layer.annotations } : {}),
        },
      ],
    }),
  );
  const digest = await putManifest(reg, repo, tag ?? sha256(bytes), bytes, t.manifest);
  return { digest, mediaType: t.manifest, bytes, size: bytes.length, configDigest, layerDigest };
}

/** A BuildKit-style attestation manifest for an image (in-toto layer, tiny config). */
async function pushAttestation(reg: TestRegistry, repo: string, subject: PushedManifest): Promise<PushedManifest> {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ digest: { sha256: subject.digest.slice(7) } }],
    }),
  );
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(statement)] },
    }),
  );
  return pushSingleManifest(reg, repo, OCI, config, {
    mediaType: 'application/vnd.in-toto+json',
    bytes: statement,
    annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
  });
}

export async function pushIndex(
  reg: TestRegistry,
  repo: string,
  images: PushedManifest[],
  options: {
    tag?: string;
    format?: 'oci' | 'docker';
    attestations?: boolean;
    attestationsOnly?: boolean;
    /** The index's org.opencontainers.image.created annotation. */
    created?: string;
  } = {},
): Promise<PushedManifest & { attestations: PushedManifest[] }> {
  const t = options.format === 'docker' ? DOCKER : OCI;
  const listed = options.attestationsOnly ? [] : images;
  const manifests: unknown[] = listed.map((i) => ({
    mediaType: i.mediaType,
    digest: i.digest,
    size: i.size,
    platform: {
      architecture: i.platform!.architecture,
      os: i.platform!.os,
      ...(i.platform!.variant ? { variant: i.platform!.variant } : {}),
    },
  }));
  const attestations: PushedManifest[] = [];
  if (options.attestations || options.attestationsOnly) {
    for (const i of images) {
      const a = await pushAttestation(reg, repo, i);
      attestations.push(a);
      manifests.push({
        mediaType: a.mediaType,
        digest: a.digest,
        size: a.size,
        annotations: { 'vnd.docker.reference.digest': i.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
        platform: { architecture: 'unknown', os: 'unknown' },
      });
    }
  }
  const annotations = options.created ? { annotations: { 'org.opencontainers.image.created': options.created } } : {};
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: t.index, manifests, ...annotations }, null, 2),
  );
  const digest = await putManifest(reg, repo, options.tag ?? sha256(bytes), bytes, t.index);
  return { digest, mediaType: t.index, bytes, size: bytes.length, attestations };
}

/** Points `tag` at an already pushed manifest (the same bytes, so the same digest). */
export async function tagManifest(
  reg: TestRegistry,
  repo: string,
  tag: string,
  pushed: Pick<PushedManifest, 'bytes' | 'mediaType'>,
): Promise<string> {
  return putManifest(reg, repo, tag, pushed.bytes, pushed.mediaType);
}

/**
 * An OCI artifact manifest (a cosign-style signature, an SBOM) with one small layer, optionally naming a subject
 * (OCI 1.1 referrer); pushed under `tag` or its own digest.
 */
export async function pushArtifact(
  reg: TestRegistry,
  repo: string,
  options: { artifactType: string; payload: string; subject?: PushedManifest; tag?: string },
): Promise<PushedManifest> {
  const payload = Buffer.from(options.payload);
  const empty = Buffer.from('{}');
  const [configDigest, layerDigest] = await Promise.all([pushBlob(reg, repo, empty), pushBlob(reg, repo, payload)]);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      artifactType: options.artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: configDigest, size: empty.length },
      layers: [{ mediaType: options.artifactType, digest: layerDigest, size: payload.length }],
      ...(options.subject
        ? {
            subject: {
              mediaType: options.subject.mediaType,
              digest: options.subject.digest,
              size: options.subject.size,
            },
          }
        : {}),
    }),
  );
  const digest = await putManifest(reg, repo, options.tag ?? sha256(bytes), bytes, OCI.manifest);
  return { digest, mediaType: OCI.manifest, bytes, size: bytes.length };
}

/** An OCI index under `tag` listing the given manifests (the referrers tag schema writes one per subject). */
export async function pushListIndex(
  reg: TestRegistry,
  repo: string,
  tag: string,
  manifests: Array<PushedManifest & { artifactType?: string }>,
): Promise<PushedManifest> {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: manifests.map((m) => ({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.size,
        ...(m.artifactType ? { artifactType: m.artifactType } : {}),
      })),
    }),
  );
  const digest = await putManifest(reg, repo, tag, bytes, OCI.index);
  return { digest, mediaType: OCI.index, bytes, size: bytes.length };
}

/**
 * The repository as the registry holds it, read without the product: every tag with its digest, and every
 * manifest reachable from a tag (index entries, recursively) with its media type. Two calls compare equal only
 * when nothing changed.
 */
export async function repositoryState(
  reg: TestRegistry,
  repo: string,
): Promise<{ tags: Record<string, string>; manifests: Record<string, string> }> {
  const auth = await pushAuth(reg, repo);
  const accept = [OCI.index, DOCKER.index, OCI.manifest, DOCKER.manifest].join(', ');
  const list = (await (await fetch(`${reg.url}/v2/${repo}/tags/list`, { headers: auth })).json()) as {
    tags: string[] | null;
  };
  const tags: Record<string, string> = {};
  const manifests: Record<string, string> = {};
  const read = async (ref: string): Promise<string | undefined> => {
    const r = await fetch(`${reg.url}/v2/${repo}/manifests/${ref}`, { headers: { ...auth, accept } });
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${repo}/manifests/${ref}: HTTP ${r.status}`);
    const body = Buffer.from(await r.arrayBuffer());
    const digest = sha256(body);
    if (manifests[digest]) return digest;
    manifests[digest] = r.headers.get('content-type') ?? '';
    const json = JSON.parse(body.toString('utf8')) as { manifests?: Array<{ digest: string }> };
    for (const d of json.manifests ?? []) if ((await read(d.digest)) === undefined) manifests[d.digest] = 'MISSING';
    return digest;
  };
  const all = (list.tags ?? []).sort();
  for (let i = 0; i < all.length; i += 16)
    await Promise.all(
      all.slice(i, i + 16).map(async (tag) => {
        const d = await read(tag);
        if (d) tags[tag] = d;
      }),
    );
  return {
    tags: Object.fromEntries(Object.entries(tags).sort()),
    manifests: Object.fromEntries(Object.entries(manifests).sort()),
  };
}

/** DELETE a manifest by digest straight through the registry API (the GitHub Packages stand-in deletes this way). */
export async function deleteManifestDirect(reg: TestRegistry, repo: string, digest: string): Promise<number> {
  const r = await fetch(`${reg.url}/v2/${repo}/manifests/${digest}`, {
    method: 'DELETE',
    headers: await pushAuth(reg, repo, 'delete'),
  });
  await r.arrayBuffer();
  return r.status;
}

/** skopeo's raw view of a manifest: the peer implementation to compare with. */
export async function skopeoRaw(reg: TestRegistry, reference: string): Promise<Buffer> {
  const creds = reg.credentials ? ['--creds', `${reg.credentials.username}:${reg.credentials.password}`] : [];
  const r = await runProcess('skopeo', ['inspect', '--raw', '--tls-verify=false', ...creds, `docker://${reference}`], {
    timeoutMs: 60_000,
    binaryStdout: true,
    missingHint: 'Install skopeo: bash test/testbed/setup.sh',
  });
  if (r.exitCode !== 0) throw new Error(`skopeo inspect --raw ${reference} failed: ${r.stderr}`);
  return r.stdoutBytes!;
}

// --- a proxy in front of a registry: tag pages (ghcr.io style) and injected faults -------------------------

export interface FaultRule {
  /** Which requests: method and a test on the path (with query). */
  method?: string;
  path: RegExp;
  /** How many matching requests get the fault (default 1); later ones pass through. */
  times?: number;
  /** Only requests with (true) or without (false) an Authorization header; unset: both. */
  authorized?: boolean;
  /** Answer with this instead of asking the registry. */
  respond?: { status: number; headers?: Record<string, string>; body?: string | Buffer };
  /** Or ask the registry and change the body (headers kept, Content-Length fixed). */
  rewriteBody?: (body: Buffer) => Buffer;
  /** With rewriteBody: announce the digest of the new body in Docker-Content-Digest (a consistent but bad registry). */
  recomputeDigest?: boolean;
  /** Network faults: 'reset' destroys the connection before any answer; 'truncate' sends the registry's headers
   *  (full Content-Length) and half the body, then destroys the connection. */
  drop?: 'reset' | 'truncate';
  /** Wait this long before answering (a slow registry; past the client's timeout it is a hang). */
  delayMs?: number;
}

export interface TestProxy {
  host: string;
  url: string;
  /** tls: the PEM of the proxy's own certificate (self-signed, for 127.0.0.1): its CA for the client. */
  ca?: string;
  requests: Array<{ method: string; path: string; authorization: boolean; faulted: boolean }>;
  stop(): Promise<void>;
}

/** Sees every request before it is forwarded; answering it (a response) keeps it from the registry. */
export type ProxyIntercept = (req: {
  method: string;
  path: string;
  body: Buffer;
}) => Promise<FaultRule['respond'] | undefined> | FaultRule['respond'] | undefined;

export async function startProxy(
  target: TestRegistry,
  options: {
    pageSize?: number;
    faults?: FaultRule[];
    foreignNextLink?: string;
    intercept?: ProxyIntercept;
    /** Serve HTTPS with HTTP/2 by ALPN (as ghcr.io does) with a certificate made now; 'reset' resets the stream. */
    tls?: boolean;
  } = {},
): Promise<TestProxy> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const requests: TestProxy['requests'] = [];
  const used = new Map<FaultRule, number>();
  const handler = async (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const pathq = req.url ?? '/';
    const rule = options.faults?.find(
      (f) =>
        (!f.method || f.method === req.method) &&
        f.path.test(pathq) &&
        (f.authorized === undefined || f.authorized === Boolean(req.headers.authorization)) &&
        (used.get(f) ?? 0) < (f.times ?? 1),
    );
    if (rule) used.set(rule, (used.get(rule) ?? 0) + 1);
    requests.push({
      method: req.method ?? 'GET',
      path: pathq,
      authorization: Boolean(req.headers.authorization),
      faulted: Boolean(rule),
    });
    try {
      const answer = await options.intercept?.({ method: req.method ?? 'GET', path: pathq, body });
      if (answer) {
        res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
        return;
      }
      if (rule?.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
      if (rule?.drop === 'reset') {
        if ('stream' in req) req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        else req.socket.destroy();
        return;
      }
      if (rule?.respond) {
        res.writeHead(rule.respond.status, rule.respond.headers ?? {}).end(rule.respond.body ?? '');
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !k.startsWith(':') && !['host', 'connection', 'content-length'].includes(k))
          headers[k] = v;
      const u = new URL(pathq, target.url);
      const tagsList = /^\/v2\/(.+)\/tags\/list$/.exec(u.pathname);
      const upstreamUrl = tagsList ? `${target.url}${u.pathname}` : u.toString();
      const up = await fetch(upstreamUrl, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        redirect: 'manual',
      });
      let out: Buffer = Buffer.from(await up.arrayBuffer());
      const outHeaders: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding', 'keep-alive'].includes(k))
          outHeaders[k] = v;
      });
      if (tagsList && up.status === 200 && options.pageSize) {
        const all = (JSON.parse(out.toString('utf8')) as { name: string; tags: string[] }).tags.sort();
        const n = Math.min(Number(u.searchParams.get('n') ?? options.pageSize) || options.pageSize, options.pageSize);
        const last = u.searchParams.get('last');
        const from = last ? all.findIndex((t) => t > last) : 0;
        const page = from < 0 ? [] : all.slice(from, from + n);
        out = Buffer.from(JSON.stringify({ name: tagsList[1], tags: page }));
        if (from >= 0 && from + n < all.length) {
          const next = `/v2/${tagsList[1]}/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1)!)}`;
          outHeaders.link = `<${options.foreignNextLink ? options.foreignNextLink + next : next}>; rel="next"`;
        }
      }
      if (rule?.rewriteBody) {
        out = rule.rewriteBody(out);
        if (rule.recomputeDigest && outHeaders['docker-content-digest'])
          outHeaders['docker-content-digest'] = sha256(out);
      }
      if (req.method !== 'HEAD') outHeaders['content-length'] = String(out.length);
      else if (up.headers.get('content-length')) outHeaders['content-length'] = up.headers.get('content-length')!;
      if (rule?.drop === 'truncate') {
        res.writeHead(up.status, outHeaders);
        // Over HTTP/2 the stream is reset (the connection's other streams go on), over HTTP/1.1 the connection.
        const cut = () =>
          'stream' in req ? req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR) : req.socket.destroy();
        (res as http.ServerResponse).write(out.subarray(0, Math.floor(out.length / 2)), () => setTimeout(cut, 20));
        return;
      }
      res.writeHead(up.status, outHeaders);
      if (req.method === 'HEAD') res.end();
      else res.end(out);
    } catch (e) {
      res.writeHead(502).end(String(e));
    }
  };
  if (options.tls) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-proxy-tls-'));
    const made = await selfSignedCertificate(dir, 'proxy', {
      subject: '/CN=release-operator-test-proxy',
      san: 'IP:127.0.0.1,DNS:localhost',
    });
    const server = http2.createSecureServer(
      { key: readFileSync(made.key), cert: readFileSync(made.cert), allowHTTP1: true },
      (req, res) => void handler(req, res),
    );
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (s: http2.ServerHttp2Session) => {
      sessions.add(s);
      s.once('close', () => sessions.delete(s));
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const stop = async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    };
    return { host, url: `https://${host}`, ca: made.cert, requests, stop };
  }
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { host, url: `http://${host}`, requests, stop };
}
