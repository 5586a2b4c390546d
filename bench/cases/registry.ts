// Case 1, registry state: every tag of a 200-tag repository with its digest and platforms.
// This project: the registry engine in-process (registryState, the call behind `status` and the Release view),
// cold (new client, empty digest cache) and warm (the same client again). Peers: a skopeo loop as a shell script
// writes it, and the parallel-curl floor (one tags page, one manifest GET per tag, 16 at a time).
// Each on loopback and through the delay proxy (25 ms each way, in a process of its own).
import { defaultConfig } from '../../src/core/config/load';
import { contentCache, RegistryClient, registryState } from '../../src/core/registry';
import { pushImage, pushIndex, startRegistry, type TestRegistry } from '../../test/helpers/registry';
import { log, runCase, runs, sh } from '../lib/case';
import { spawnDelayProxy, type ProxyStats, type RemoteDelayProxy } from '../lib/proxy-process';
import { renderTable, type Row } from '../lib/report';
import { measureInterleaved, summarize } from '../lib/stats';

const REPO = 'bench/app';
const SINGLE = 150;
const INDEXES = 50;
const DELAY_MS = 25;
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(',');

/** 150 single-platform images and 50 amd64+arm64 OCI indexes with attestation manifests, each its own tag. */
async function populate(reg: TestRegistry): Promise<void> {
  const jobs: Array<() => Promise<unknown>> = [];
  for (let i = 0; i < SINGLE; i++)
    jobs.push(() =>
      pushImage(reg, REPO, { tag: `v1.${i}.0`, labels: { 'org.opencontainers.image.version': `1.${i}.0` } }),
    );
  for (let i = 0; i < INDEXES; i++) {
    jobs.push(async () => {
      const labels = { 'org.opencontainers.image.version': `2.${i}.0` };
      const images = await Promise.all(
        ['linux/amd64', 'linux/arm64'].map((platform) => pushImage(reg, REPO, { platform, labels })),
      );
      await pushIndex(reg, REPO, images, { tag: `v2.${i}.0`, attestations: true });
    });
  }
  for (let i = 0; i < jobs.length; i += 8) await Promise.all(jobs.slice(i, i + 8).map((j) => j()));
}

interface Target {
  host: string;
  proxy?: RemoteDelayProxy;
}

/**
 * Drops every pooled connection: Node's fetch keeps connections in one global undici Agent across clients, so
 * without this a "cold" client would reuse the last run's connections. The Agent class is taken from Node's
 * own instance (undici is not a dependency of this project).
 */
async function freshConnections(): Promise<void> {
  const key = Symbol.for('undici.globalDispatcher.1');
  const g = globalThis as unknown as Record<
    symbol,
    { close(): Promise<void>; constructor: new () => unknown } | undefined
  >;
  const old = g[key];
  if (!old) return;
  g[key] = new old.constructor() as typeof old;
  await old.close();
}

/** A fetch that counts requests, handed to the engine's client. */
function countingFetch(): { fetch: typeof fetch; count: () => number; reset: () => void } {
  let n = 0;
  return {
    fetch: (...args: Parameters<typeof fetch>) => (n++, fetch(...args)),
    count: () => n,
    reset: () => void (n = 0),
  };
}

async function engineState(host: string, client: RegistryClient) {
  const state = await registryState(`${host}/${REPO}`, defaultConfig(), client, { limit: Number.MAX_SAFE_INTEGER });
  if (state.error) throw new Error(`registryState failed: ${state.error}`);
  if (state.tags.length !== SINGLE + INDEXES)
    throw new Error(`registryState returned ${state.tags.length} tags, not ${SINGLE + INDEXES}`);
  return state;
}

// Both peers retry a failed request once (as the engine retries transient errors): through the proxy, about one
// connection in a thousand ends early under load; a retry costs the peer one more request when it happens.
const skopeoScript = (host: string) => `
tags=$(skopeo list-tags --tls-verify=false docker://${host}/${REPO} | jq -r '.Tags[]')
inspect() { skopeo inspect --raw --tls-verify=false "docker://${host}/${REPO}:$1" > /dev/null; }
for t in $tags; do inspect "$t" || inspect "$t"; done
echo "$tags" | wc -l`;

const curlScript = (host: string) => `
curl -fsS http://${host}/v2/${REPO}/tags/list | jq -r '.tags[]' \\
  | xargs -P 16 -I{} curl -fsS --retry 1 --retry-all-errors --retry-delay 0 -o /dev/null -H 'Accept: ${ACCEPT}' http://${host}/v2/${REPO}/manifests/{}`;

/** Requests and connections a subject's last run sent through the delay proxy (when there is one). */
function proxyCounter(proxy: RemoteDelayProxy | undefined) {
  const last = new Map<string, string>();
  let before: ProxyStats | undefined;
  return {
    before: async () => void (before = await proxy?.stats()),
    after: (name: string) => async () => {
      const now = await proxy?.stats();
      if (now && before)
        last.set(name, `${now.requests - before.requests} (${now.connections - before.connections} connections)`);
    },
    get: (name: string) => last.get(name),
  };
}

async function measureOn(label: string, t: Target): Promise<string> {
  let warm: { client: RegistryClient; counter: ReturnType<typeof countingFetch> } | undefined;
  const counts = new Map<string, number>();
  const through = proxyCounter(t.proxy);
  const COLD = 'this project, cold (engine in-process)';
  const WARM = 'this project, warm (same client and digest cache)';
  const CURL = 'parallel curl floor (xargs -P 16)';
  const SKOPEO = 'skopeo list-tags + inspect --raw loop';
  const samples = await measureInterleaved(
    [
      {
        name: COLD, // new client, new connections, empty digest cache
        runs: runs(7),
        before: async () => {
          contentCache.clear();
          await freshConnections();
          await through.before();
        },
        run: async () => {
          const counter = countingFetch();
          warm = { client: new RegistryClient({ fetch: counter.fetch }), counter };
          await engineState(t.host, warm.client);
          counts.set(COLD, counter.count());
        },
        after: through.after(COLD),
      },
      {
        name: WARM,
        runs: runs(7),
        before: through.before,
        run: async () => {
          // The client the cold run made just before: its connections, ping and digest cache are warm.
          warm!.counter.reset();
          await engineState(t.host, warm!.client);
          counts.set(WARM, warm!.counter.count());
        },
        after: through.after(WARM),
      },
      {
        name: CURL,
        runs: runs(5),
        before: through.before,
        run: () => sh(curlScript(t.host)),
        after: through.after(CURL),
      },
      {
        name: SKOPEO,
        runs: runs(3),
        before: through.before,
        run: () => sh(skopeoScript(t.host)),
        after: through.after(SKOPEO),
      },
    ],
    (name, ms) => log(`${label}: ${name}: ${ms.toFixed(0)} ms`),
  );
  const requests = (name: string) =>
    through.get(name) ??
    (counts.has(name) ? String(counts.get(name)) : name === CURL ? String(1 + SINGLE + INDEXES) : 'see below');
  const rows: Row[] = [...samples].map(([name, s]) => ({
    name,
    samples: s,
    extra: { 'HTTP requests': requests(name) },
  }));
  const subject = COLD;
  const med = (n: string) => summarize(samples.get(n)!).median;
  const vsSkopeo = med(SKOPEO) / med(subject);
  const vsFloor = med(subject) / med(CURL);
  return renderTable({
    title: `Registry state, ${label}: ${SINGLE + INDEXES} tags (${INDEXES} amd64+arm64 OCI indexes with attestations)`,
    subject,
    rows,
    notes: [
      `Goal: ${t.proxy ? '10x faster than the skopeo loop, and ' : ''}within 1.5x of the curl floor. Measured: ${vsSkopeo.toFixed(1)}x faster than skopeo, ${vsFloor.toFixed(2)}x the curl floor.`,
      `This project reads more than the floor: a single-platform manifest's platform is only in its image config, so each of the ${SINGLE} single-platform tags costs a config blob GET as well (the floor and skopeo --raw stop at the manifest and do not learn those platforms).`,
      'distribution 2.8 serves all 200 tags in one tags/list page (it ignores ?n=), so every subject makes one tags request; ghcr.io would page at 100.',
    ],
  });
}

runCase('registry', async () => {
  log('starting a registry and pushing the fixture (untimed)...');
  const reg = await startRegistry({ auth: 'none' });
  const tables: string[] = [];
  let proxy: RemoteDelayProxy | undefined;
  try {
    await populate(reg);
    tables.push(await measureOn('loopback', { host: reg.host }));
    const [host, port] = reg.host.split(':');
    proxy = await spawnDelayProxy({ host, port: Number(port) }, DELAY_MS);
    const table = await measureOn(
      `through the delay proxy (${DELAY_MS} ms each way, +1 round trip per new connection)`,
      { host: `127.0.0.1:${proxy.port}`, proxy },
    );
    tables.push(table);
  } finally {
    await proxy?.close();
    await reg.stop();
  }
  return tables;
});
