// Case: 100, 1,000 and 5,000 tags with their digests behind a 50 ms round trip (25 ms each way, bench/lib/delay-proxy),
// the tag list paged as ghcr.io pages it (100 a page, Link headers), over TLS with HTTP/2 offered (bench/lib/scale-front
// in front of a real distribution 2.8 registry serving TLS). This project runs in a fresh process per run
// (bench/lib/scale-child): every tag with its digest from the registry (one HEAD per tag over HTTP/2) or from the
// GitHub Packages API (the stand-in, behind its own 50 ms link), and the Release view's open (digests, then the newest
// 50 tags inspected by digest with their labels, as the tree does) cold (empty disk cache) and warm (the cache a cold open left). Peers in the same run: a
// parallel curl loop (pages in turn, then `xargs -P 16 curl -I` per tag, each curl its own connection) and skopeo
// (list-tags alone at every size; its inspect loop at 100 tags only: it takes about 0.5 s a tag). Each figure is
// compared with its round-trip bound: the round trips that must follow one another plus the requests over those in
// flight (see `bound` below).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../../src/core/process/run';
import { putManifest, pushBlob, startRegistry, type TestRegistry } from '../../test/helpers/registry';
import { log, runCase, runs, sh } from '../lib/case';
import { cpuReference } from '../lib/report';
import { REPO_ROOT } from '../../test/helpers/paths';
import { BENCH_BUILD, BENCH_CLI } from '../lib/paths';
import { spawnDelayProxy, type RemoteDelayProxy } from '../lib/proxy-process';
import { fmtMs, summarize } from '../lib/stats';
import { byCodeUnit } from '../../src/core/registry/tag-ranges';

/** BENCH_SCALE_SIZES=100,5000 runs only those sizes (a quick look at one size; the results file says which ran). */
/** Preloaded into the CLI process: its peak resident size at exit (the bench cannot read it after the exit). */
const PEAK_RSS = path.join(REPO_ROOT, 'bench', 'lib', 'peak-rss.cjs');
const SIZES = (process.env.BENCH_SCALE_SIZES ?? '100,1000,5000')
  .split(',')
  .map(Number)
  .filter((n) => [100, 1000, 5000].includes(n));
const DELAY_MS = 25;
const RTT = 2 * DELAY_MS;
const STREAMS = 100;
/** HTTP/2 connections the client may open to one registry (the second when the first's streams are all taken). */
const CONNECTIONS = 2;
/** Requests in flight at most: every stream of every connection. */
const IN_FLIGHT = STREAMS * CONNECTIONS;
const PAGE = 100;
/** The newest tags the Release view inspects on expansion (src/extension/tree/images.ts, TAGS_PER_PAGE). */
const SHOWN = 50;
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(',');

/** The bench's tag names: 1.<i/100>.<i%100>. */
const tagName = (i: number) => `1.${Math.floor(i / 100)}.${i % 100}`;

/** N tags 1.<i/100>.<i%100>, each its own single-platform manifest (one a CI run), over one config and layer. */
async function populate(reg: TestRegistry, repo: string, n: number): Promise<void> {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const layer = Buffer.from('bench layer');
  const [configDigest, layerDigest] = [await pushBlob(reg, repo, config), await pushBlob(reg, repo, layer)];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const i = next++;
        const bytes = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: {
              mediaType: 'application/vnd.oci.image.config.v1+json',
              digest: configDigest,
              size: config.length,
            },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
            annotations: { 'org.opencontainers.image.version': tagName(i) },
          }),
        );
        await putManifest(reg, repo, tagName(i), bytes, 'application/vnd.oci.image.manifest.v1+json');
      }
    }),
  );
}

interface Front {
  port: number;
  githubPort: number;
  token: string;
  stats(): Promise<{ requests: number; streams: number; connections: number; github: number; violations: number }>;
  close(): Promise<void>;
}

async function startFront(reg: TestRegistry, repos: string[]): Promise<Front> {
  const child: ChildProcess = fork(path.join(BENCH_BUILD, 'lib', 'scale-front.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (m: { type: string } & T) => {
        if (m.type !== type) return;
        child.off('message', on);
        child.off('exit', exited);
        resolve(m);
      };
      const exited = (c: number | null) => reject(new Error(`the front exited (${c})`));
      child.on('message', on);
      child.once('exit', exited);
    });
  const ready = next<{ port: number; githubPort: string; token: string }>('ready');
  child.send({ registry: reg.host, ca: reg.ca, key: path.join(reg.dir, 'tls.key'), repos });
  const r = await ready;
  return {
    port: r.port,
    githubPort: Number(r.githubPort),
    token: r.token,
    stats: () => {
      const p = next<Awaited<ReturnType<Front['stats']>>>('stats');
      child.send({ type: 'stats' });
      return p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'close' });
      }),
  };
}

interface ChildResult {
  ms: number;
  tags: number;
  source: string;
  protocol?: string;
  requests: number;
  peakRssKiB: number;
  /** Resident memory before the first request (Node and the loaded code). */
  startRssKiB: number;
  /** The event loop's longest delay during the run (perf_hooks histogram max). */
  blockedMs: number;
  /** CPU time (user + system) of the run. */
  cpuMs: number;
}

/** Runs one of bench/lib's scripts in a fresh process with a JSON job; its answer is the last line it prints. */
async function runScript<T>(script: 'scale-child' | 'h2-minimal', job: object): Promise<T> {
  const out = await sh(
    `exec ${process.execPath} --enable-source-maps ${path.join(BENCH_BUILD, 'lib', `${script}.js`)} '${JSON.stringify(job)}'`,
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

const child = (job: object) => runScript<ChildResult>('scale-child', job);

/**
 * The round-trip bound of a subject: `chain` round trips that must follow one another (connection set-up, the first
 * tag page, the rest of the pages read at once over ranges, the last HEAD...) against set-up plus the requests over
 * those in flight (the issue's requests x RTT / in flight, with every request the listing needs after the first page:
 * one per further page of 100, one HEAD per tag); the larger of the two, as both are lower bounds. `setup` holds the
 * round trips before any of those requests can go: TCP and TLS, and the first tag page (no tag is known before it).
 * No ping: a registry that needs none is asked for the first page straight away (src/core/registry/transport.ts).
 */
function bound(chain: number, setup: number, requests: number, inFlight: number): number {
  return RTT * Math.max(chain, setup + Math.ceil(requests / inFlight));
}

interface Subject {
  name: string;
  runs: number;
  bound: number;
  boundText: string;
  prepare?: () => Promise<void>;
  run: () => Promise<{
    ms: number;
    wall: number;
    rss?: number;
    startRss?: number;
    blocked?: number;
    cpu?: number;
    requests?: string;
    check?: string;
  }>;
}

runCase('scale', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'ro-bench-scale-'));
  log('starting a TLS registry (distribution 2.8) and pushing 6,100 tags (untimed)...');
  const reg = await startRegistry({ tls: true, lean: true });
  const repos = SIZES.map((n) => `bench/t${n}`);
  let front: Front | undefined;
  let proxy: RemoteDelayProxy | undefined;
  let githubProxy: RemoteDelayProxy | undefined;
  const tables: string[] = [];
  const summary: string[] = [];
  let rtt = { median: NaN, min: NaN };
  let hostStart = NaN;
  try {
    for (const [i, n] of SIZES.entries()) await populate(reg, repos[i], n);
    log('front: snapshot of every tag (untimed)...');
    front = await startFront(reg, repos);
    proxy = await spawnDelayProxy({ host: '127.0.0.1', port: front.port }, DELAY_MS);
    githubProxy = await spawnDelayProxy({ host: '127.0.0.1', port: front.githubPort }, DELAY_MS);
    const host = `127.0.0.1:${proxy.port}`;
    const certDir = path.join(work, 'certs');
    mkdirSync(certDir);
    writeFileSync(path.join(certDir, 'ca.crt'), readFileSync(reg.ca!));
    // The shipped CLI's working folder: a release-operator.json that gives the registry's CA, as a user would.
    const cliDir = path.join(work, 'cli');
    mkdirSync(cliDir);
    writeFileSync(
      path.join(cliDir, 'release-operator.json'),
      JSON.stringify({ registry: { certificates: { [host]: reg.ca } } }),
    );
    const f = front;
    // The link itself: a round trip with nothing else on it (20 HEADs one at a time on one connection, by the minimal
    // client), against the ${RTT} ms the bound counts.
    rtt = await runScript<{ median: number; min: number }>('h2-minimal', {
      host,
      ca: reg.ca,
      repository: repos[0],
      cursors: [],
      streams: 1,
      connections: 1,
      accept: ACCEPT,
      rtt: { count: 20, tag: tagName(0) },
    });
    log(`link round trip, nothing else on it: median ${rtt.median.toFixed(1)} ms, least ${rtt.min.toFixed(1)} ms`);
    const counted = async (
      fn: () => Promise<{
        ms: number;
        wall: number;
        rss?: number;
        startRss?: number;
        blocked?: number;
        cpu?: number;
        check?: string;
      }>,
    ) => {
      const a = await f.stats();
      const r = await fn();
      const b = await f.stats();
      const reqs = b.requests - a.requests;
      const gh = b.github - a.github;
      const parts = [
        reqs
          ? `${reqs}${b.streams - a.streams ? ` (${b.connections - a.connections} conn., HTTP/2)` : ` (${b.connections - a.connections} conn.)`}`
          : '',
        gh ? `${gh} GitHub` : '',
      ].filter(Boolean);
      return { ...r, requests: parts.join(' + ') || '0' };
    };
    hostStart = cpuReference();
    for (const [i, n] of SIZES.entries()) {
      const repo = repos[i];
      const pages = Math.ceil(n / PAGE);
      const cacheDir = () => mkdtempSync(path.join(work, 'cache-'));
      const warmDir = cacheDir();
      const ours =
        (mode: 'tags' | 'open', dir: () => string, github = false) =>
        () =>
          counted(async () => {
            const t = performance.now();
            const r = await child({
              mode,
              registry: host,
              repository: repo,
              ca: reg.ca,
              cacheDir: dir(),
              shown: SHOWN,
              github: github ? { apiUrl: `http://127.0.0.1:${githubProxy!.port}`, token: f.token } : undefined,
            });
            if (r.tags !== n) throw new Error(`${mode}: ${r.tags} tags, not ${n}`);
            return {
              ms: r.ms,
              wall: performance.now() - t,
              rss: r.peakRssKiB,
              startRss: r.startRssKiB,
              blocked: r.blockedMs,
              cpu: r.cpuMs,
              check: `${r.source} ${r.protocol ?? ''}`,
            };
          });
      // Registry path: TCP + TLS (2), the first page (1), the other pages at once (1), the last HEADs (1). No ping:
      // the first page is the first request (its answer says whether the registry wants a token).
      const tagsChain = 2 + 1 + (pages > 1 ? 1 : 0) + 1;
      // After the first page: the other pages and a HEAD per tag.
      const tagsRequests = pages - 1 + n;
      // The minimal client is handed each page's cursor: the tag that ends the page before it, in the registry's order.
      const sorted = Array.from({ length: n }, (_, i) => tagName(i)).sort(byCodeUnit);
      const cursors = Array.from({ length: pages - 1 }, (_, k) => sorted[(k + 1) * PAGE - 1]);
      // Open: the newest SHOWN (50) inspected by digest after the last HEAD: their manifests (1), then their configs (1).
      const subjects: Subject[] = [
        {
          name: 'this project: tags with digests, registry over HTTP/2, cold',
          runs: runs(5),
          bound: bound(tagsChain, 3, tagsRequests, IN_FLIGHT),
          boundText: `set-up and the first page, then ${tagsRequests} requests, ${IN_FLIGHT} in flight; ${tagsChain} round trips in turn`,
          run: ours('tags', cacheDir),
        },
        {
          // The product as a user runs it: Node's start, loading the shipped code, the listing and the output.
          name: 'this project: `release-operator tags` as shipped (a fresh CLI process, start to exit)',
          runs: runs(5),
          bound: bound(tagsChain, 3, tagsRequests, IN_FLIGHT),
          boundText: `as above; the process's start is not in it`,
          run: () =>
            counted(async () => {
              const t = performance.now();
              const r = await runProcess(process.execPath, ['-r', PEAK_RSS, BENCH_CLI, 'tags', `${host}/${repo}`], {
                cwd: cliDir,
                // A cache of its own each run, so each is cold as the bound is: with an earlier run's cache the CLI
                // would ask about the tags that run listed with the first page, as the warm open does.
                env: { ...process.env, XDG_CACHE_HOME: cacheDir() },
                timeoutMs: 300_000,
              });
              const wall = performance.now() - t;
              if (r.exitCode !== 0) throw new Error(`release-operator tags failed: ${r.stderr.slice(-500)}`);
              const got = r.stdout
                .split('\n')
                .filter((l) => l.startsWith('sha256:'))
                .reduce((k, l) => k + l.split(',').length, 0);
              if (got !== n) throw new Error(`release-operator tags: ${got} tags, not ${n}`);
              const peak = /bench-peak-rss-kib (\d+)/.exec(r.stderr);
              return { ms: wall, wall, rss: peak ? Number(peak[1]) : undefined, check: 'cli' };
            }),
        },
        {
          // What the CLI costs before any request: Node's start, the CLI's entry, the answer, the exit. The CLI row's
          // time includes it, the round-trip bound does not (the summary compares that row with the bound plus this).
          name: "this project: `release-operator --version` (the CLI's own start and exit, no request)",
          runs: runs(5),
          bound: 0,
          boundText: 'none: no request',
          run: async () => {
            const t = performance.now();
            const r = await runProcess(process.execPath, [BENCH_CLI, '--version'], { cwd: cliDir, timeoutMs: 60_000 });
            const wall = performance.now() - t;
            if (r.exitCode !== 0 || !/\d+\.\d+\.\d+/.test(r.stdout))
              throw new Error(`release-operator --version failed: ${r.stderr.slice(-500)}`);
            return { ms: wall, wall, requests: '0', check: 'cli' };
          },
        },
        {
          name: `this project: open (digests, then the newest ${SHOWN} inspected), cold (empty disk cache)`,
          runs: runs(5),
          bound: bound(tagsChain + 2, 3, tagsRequests + 2 * SHOWN, IN_FLIGHT),
          boundText: `set-up and the first page, then ${tagsRequests + 2 * SHOWN} requests; ${tagsChain + 2} in turn`,
          run: ours('open', cacheDir),
        },
        {
          name: 'this project: open, warm (disk cache of a cold open; new process)',
          runs: runs(5),
          bound: bound(tagsChain, 3, tagsRequests, IN_FLIGHT),
          boundText: `set-up and the first page, then ${tagsRequests} requests; ${tagsChain} in turn`,
          prepare: async () =>
            void (await child({
              mode: 'open',
              registry: host,
              repository: repo,
              ca: reg.ca,
              cacheDir: warmDir,
              shown: SHOWN,
            })),
          run: ours('open', () => warmDir),
        },
        {
          // What the bound assumes and nothing more (bench/lib/h2-minimal.ts), each page's cursor given.
          name: 'minimal HTTP/2 client handed every page cursor (bench/lib/h2-minimal)',
          runs: runs(5),
          bound: bound(tagsChain, 3, tagsRequests, IN_FLIGHT),
          boundText: 'as the registry path',
          run: () =>
            counted(async () => {
              const t = performance.now();
              const job = {
                host,
                ca: reg.ca,
                repository: repo,
                cursors,
                streams: STREAMS,
                connections: CONNECTIONS,
                accept: ACCEPT,
              };
              const r = await runScript<{ ms: number; tags: number; cpuMs: number }>('h2-minimal', job);
              if (r.tags !== n) throw new Error(`minimal client: ${r.tags} digests, not ${n}`);
              return { ms: r.ms, wall: performance.now() - t, cpu: r.cpuMs, check: 'minimal' };
            }),
        },
        {
          // TCP (1), the first page (1), the rest 8 at a time, each on a connection of its own (+1 handshake).
          name: 'this project: tags with digests, GitHub Packages API',
          runs: runs(5),
          bound: RTT * (1 + 1 + (pages > 1 ? 1 + Math.ceil((pages - 1) / 8) : 0)),
          boundText: `${pages} pages of 100 versions, 8 in flight`,
          run: ours('tags', cacheDir, true),
        },
        {
          // Each curl is a new connection: TCP + TLS + the request = 3 round trips; pages in turn, HEADs 16 at a time.
          name: 'parallel curl loop (pages in turn, then xargs -P 16 curl -I)',
          runs: n >= 5000 ? 1 : runs(2),
          bound: RTT * Math.max(3 * pages + 3, 3 * (pages + Math.ceil(n / 16))),
          boundText: '3 round trips per request (a connection each), 16 in flight',
          run: () =>
            counted(async () => {
              const t = performance.now();
              const out = await sh(curlScript(host, repo, path.join(certDir, 'ca.crt')));
              const got = out.split('\n').filter((l) => /sha256:/.test(l)).length;
              if (got !== n) throw new Error(`curl loop: ${got} digests, not ${n}`);
              const wall = performance.now() - t;
              return { ms: wall, wall };
            }),
        },
        {
          name: 'skopeo list-tags (names only, no digests)',
          runs: runs(2),
          bound: RTT * (3 + pages),
          boundText: `${pages} pages in turn`,
          run: () =>
            counted(async () => {
              const t = performance.now();
              const out = await sh(
                `skopeo list-tags --cert-dir ${certDir} docker://${host}/${repo} | jq '.Tags | length'`,
              );
              if (Number(out.trim()) !== n) throw new Error(`skopeo list-tags: ${out.trim()} tags`);
              const wall = performance.now() - t;
              return { ms: wall, wall };
            }),
        },
        ...(n <= 100
          ? [
              {
                name: 'skopeo loop (list-tags, then inspect --raw per tag)',
                runs: 1,
                bound: RTT * (3 + pages + 4 * n),
                boundText: 'one tag at a time, 4 round trips each (connection, TLS, ping, manifest)',
                run: () =>
                  counted(async () => {
                    const t = performance.now();
                    await sh(skopeoScript(host, repo, certDir));
                    const wall = performance.now() - t;
                    return { ms: wall, wall };
                  }),
              } satisfies Subject,
            ]
          : []),
      ];
      for (const s of subjects) await s.prepare?.();
      const samples = new Map<string, Array<Awaited<ReturnType<Subject['run']>>>>(subjects.map((s) => [s.name, []]));
      // The host's speed in this size's rounds: the CPU reference (a shorter loop, as ms for 10^8) before each round.
      // These machines share their host, whose speed moves for minutes at a time: a size measured while it was slower
      // shows it here, against the reference taken when the case started.
      const hostRefs: number[] = [];
      for (let round = 0; round < Math.max(...subjects.map((s) => s.runs)); round++) {
        hostRefs.push(cpuReference(2e7));
        for (const s of subjects) {
          if (round >= s.runs) continue;
          const r = await s.run();
          samples.get(s.name)!.push(r);
          log(
            `${n} tags: ${s.name}: ${fmtMs(r.ms)} (${r.requests} requests${r.rss ? `, peak ${Math.round(r.rss / 1024)} MiB${r.startRss ? ` (${Math.round((r.rss - r.startRss) / 1024)} MiB over the start)` : ' (whole process)'}` : ''}${r.blocked ? `, longest block ${Math.round(r.blocked)} ms, CPU ${Math.round(r.cpu ?? 0)} ms` : ''})`,
          );
        }
      }
      const hostMs = summarize(hostRefs).median;
      const subject = subjects[0].name;
      const med = (name: string) => summarize(samples.get(name)!.map((r) => r.ms)).median;
      const lines = [
        `### ${n.toLocaleString('en')} tags, ${RTT} ms round trip, ${pages} tag page${pages > 1 ? 's' : ''} of ${PAGE}`,
        '',
        '| what | runs | median | min – max | round-trip bound | x bound | ratio to this project | requests (last run) | peak memory | longest event-loop block | CPU (median) | process wall (median) |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|',
      ];
      for (const s of subjects) {
        const rs = samples.get(s.name)!;
        const sm = summarize(rs.map((r) => r.ms));
        const rss = rs.filter((r) => r.rss).map((r) => r.rss!);
        const added = rs.filter((r) => r.rss).map((r) => r.rss! - (r.startRss ?? 0));
        const blocked = rs.filter((r) => r.blocked).map((r) => r.blocked!);
        const cpu = rs.filter((r) => r.cpu).map((r) => r.cpu!);
        lines.push(
          `| ${s.name} | ${sm.n} | ${fmtMs(sm.median)} | ${fmtMs(sm.min)} – ${fmtMs(sm.max)} | ${s.bound ? fmtMs(s.bound) : 'n/a'} (${s.boundText}) | ${s.bound ? (sm.median / s.bound).toFixed(2) : 'n/a'} | ${(sm.median / med(subject)).toFixed(2)} | ${rs.at(-1)!.requests} | ${rss.length ? `${Math.round(Math.max(...rss) / 1024)} MiB ${rs.some((r) => r.startRss) ? `(+${Math.round(Math.max(...added) / 1024)} MiB over the start)` : '(the whole process)'}` : 'n/a'} | ${blocked.length ? `${Math.round(Math.max(...blocked))} ms` : 'n/a'} | ${cpu.length ? fmtMs(summarize(cpu).median) : 'n/a'} | ${fmtMs(summarize(rs.map((r) => r.wall)).median)} |`,
        );
      }
      tables.push(lines.join('\n'));
      const row = (name: string) => {
        const rs = samples.get(name)!;
        const sm = summarize(rs.map((r) => r.ms)).median;
        const s = subjects.find((x) => x.name === name)!;
        return {
          ms: sm,
          x: sm / s.bound,
          rss: Math.max(...rs.map((r) => r.rss ?? 0)) / 1024,
          added: Math.max(...rs.map((r) => (r.rss ?? 0) - (r.startRss ?? 0))) / 1024,
          blocked: Math.max(...rs.map((r) => r.blocked ?? 0)),
          req: rs.at(-1)!.requests,
        };
      };
      const named = (start: string) => subjects.find((x) => x.name.startsWith(start))?.name;
      const cold = row(subjects[0].name);
      const cli = row(named('this project: `release-operator tags`')!);
      const start = row(named('this project: `release-operator --version`')!);
      const cliX = cli.ms / (subjects[0].bound + start.ms);
      const openCold = row(named('this project: open (')!);
      const openWarm = row(named('this project: open, warm')!);
      const api = row(named('this project: tags with digests, GitHub')!);
      const curl = row(named('parallel curl loop')!);
      const minimal = row(named('minimal HTTP/2 client')!);
      const xm = (r: { ms: number }) => (r.ms / minimal.ms).toFixed(2);
      const skopeoLoop = named('skopeo loop');
      const skopeo = skopeoLoop ? row(skopeoLoop) : undefined;
      const hostText = `${hostMs} ms (${(hostMs / hostStart).toFixed(2)}x)`;
      summary.push(
        `| ${n.toLocaleString('en')} | ${hostText} | ${fmtMs(minimal.ms)} (${minimal.x.toFixed(2)}x bound) | ${fmtMs(cold.ms)} (${cold.x.toFixed(2)}x bound, ${xm(cold)}x minimal) | ${fmtMs(cli.ms)} (${cliX.toFixed(2)}x the bound + its own start, ${fmtMs(start.ms)}; ${(cli.ms / (minimal.ms + start.ms)).toFixed(2)}x the minimal client + its start), peak ${Math.round(cli.rss)} MiB | ${fmtMs(openCold.ms)} (${openCold.x.toFixed(2)}x) | ${fmtMs(openWarm.ms)} (${openWarm.x.toFixed(2)}x, ${xm(openWarm)}x minimal) | ${fmtMs(api.ms)} (${api.x.toFixed(2)}x) | ${cold.req}; open warm ${openWarm.req}; API ${api.req} | ${Math.round(Math.max(cold.rss, openCold.rss, openWarm.rss, api.rss))} MiB (+${Math.round(Math.max(cold.added, openCold.added, openWarm.added, api.added))} MiB) | ${Math.round(Math.max(cold.blocked, openCold.blocked, openWarm.blocked, api.blocked))} ms | ${fmtMs(curl.ms)} (${(curl.ms / cold.ms).toFixed(1)}x ours) | ${skopeo ? `${fmtMs(skopeo.ms)} (${(skopeo.ms / cold.ms).toFixed(0)}x ours)` : 'not run (~0.5 s a tag)'} |`,
      );
    }
    const stats = await front.stats();
    if (stats.violations) throw new Error(`the GitHub stand-in saw ${stats.violations} requests GitHub would refuse`);
  } finally {
    await githubProxy?.close();
    await proxy?.close();
    await front?.close();
    await reg.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return [
    [
      `### Scale: tags with their digests behind a ${RTT} ms round trip (summary)`,
      '',
      `| tags | host: CPU reference in the rounds (x the ${hostStart} ms before the first size) | minimal HTTP/2 client handed every page cursor (what the link and server give) | registry over HTTP/2, cold | \`release-operator tags\`, a fresh process (start to exit, against the bound plus \`release-operator --version\` start to exit; peak memory) | open cold (digests + newest ${SHOWN} inspected) | open warm (disk cache) | GitHub Packages API | requests (last run) | peak memory (any of ours; over the process's start) | longest event-loop block (any of ours) | parallel curl loop | skopeo loop |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...summary,
      '',
      `- Round-trip bound: the larger of the round trips that must follow one another (TCP and TLS set-up, the first tag page, the other pages at once, the last HEADs; then, for the open, the newest ${SHOWN} manifests and their configs) and set-up (TCP, TLS and the first tag page, before which no tag is known) plus the requests after it x ${RTT} ms / requests in flight (${IN_FLIGHT}: ${STREAMS} HTTP/2 streams on each of ${CONNECTIONS} connections), counting only the requests the listing needs (a page per 100 tags, a HEAD per tag; the pages ranges ask for beyond those are ours to pay). No ping: since 2026-12-07 the first tag page is the first request (it says whether the registry wants a token), so the bound has none; at 1,000 and 5,000 tags the bound is the same as with one, at 100 tags it is 50 ms lower. Times are from the first request to the answer in a fresh process; "process wall" in the tables below adds Node's start and loading the code.`,
      `- Open warm: a new process with the disk cache a cold open left: manifests and configs by digest from disk, and the tags that open listed asked about (HEAD) from the start, alongside the first tag page, rather than once a page names them (the cache's note of the last listing, src/core/registry/listing-hint.ts); a tag counts only once a page of this listing names it. Its bound is still the cold one's (no tag known before the first page). The other rows of ours start with an empty cache each run (the CLI too: a cache folder of its own each run).`,
      `- Host: the CPU reference (a fixed loop, as ms for 10^8 additions; lower is faster) before each round of a size, median, against the one taken before the first size. These machines share their host, whose speed moves for minutes at a time; a size measured while it was slower (above about 1.1x) has every time of it inflated, ours and the peers' alike, and compares with no run where it held.`,
      `- The link: a round trip with nothing else on it, measured in this run (20 HEADs one at a time on one connection): median ${rtt.median.toFixed(1)} ms, least ${rtt.min.toFixed(1)} ms, against the ${RTT} ms the bound counts (the delay proxy's timers fire a little late).`,
      `- Minimal client: bench/lib/h2-minimal does the same work as the registry path with what the bound assumes and nothing more: both connections opened at once, the first page, then every other page at once (it is handed each page's cursor, which no real client knows) and a HEAD per tag as its name comes, ${STREAMS} streams a connection, nothing checked but the digest header, no token, retry or cache. What it takes over the bound is the link's, the server's and Node's (TLS, HTTP/2 framing, the delay proxy's timers, the front's answers, all on the same 2 cores) rather than a client's choices. "x minimal" compares ours with it in the same run; the cold open does 2 x ${SHOWN} requests more than it, so has no such figure.`,
      "- Peak memory: the fresh process's peak resident size (VmHWM), and in brackets how much of it came after the first request (Node and the loaded code hold the rest; the extension host holds them already). The engine's runs are bench/lib/scale-child, the engine bundled whole from src with an inline source map (65-71 MiB before the first request); `release-operator tags` is the shipped CLI (its code loaded lazily, 357 KiB for this command; 57 MiB at its first connection), whole process.",
      '- Longest event-loop block: the largest delay `perf_hooks.monitorEventLoopDelay` (5 ms resolution) saw in the run, the longest stretch the code kept the thread (the extension host, in the editor) from other work.',
      "- The registry is distribution 2.8 serving TLS (HTTP/2 by ALPN) behind bench/lib/scale-front, which pages tags as ghcr.io does and answers tag pages and tag -> digest from a snapshot it took before the runs (the registry itself spends ~1.3 ms of CPU per request on these 2 shared cores, and lists every tag for each page). Measured without the delay proxy, a tag page costs the front 0.3-0.4 ms at 5,000 tags: the time over the bound is not the server's. Peers go through the same front and link.",
      "- The delay proxy passes each chunk on after 25 ms with Nagle's algorithm off (TCP_NODELAY on both its sockets, as a link has no such hold). Before 2026-12-07 it held a small chunk until the one before was acknowledged, which the receiver's delayed ACK made up to 40 ms: a tag page's last frame (END_STREAM) came 47 ms after its data, and the ping took two round trips. Figures before that date carry that wait (peers too).",
    ].join('\n'),
    ...tables,
  ];
});

function curlScript(host: string, repo: string, ca: string): string {
  return `
url="https://${host}/v2/${repo}/tags/list?n=100"
while [ -n "$url" ]; do
  hdr=$(mktemp)
  curl -fsS --cacert ${ca} -D "$hdr" "$url" | jq -r '.tags[]'
  next=$(grep -i '^link:' "$hdr" | sed -E 's/.*<([^>]*)>.*/\\1/' | tr -d '\\r' || true)
  rm -f "$hdr"
  url=\${next:+https://${host}$next}
done | xargs -P 16 -I{} curl -fsS --cacert ${ca} -o /dev/null -I -H 'Accept: ${ACCEPT}' -w '{} %header{docker-content-digest}\\n' https://${host}/v2/${repo}/manifests/{}`;
}

function skopeoScript(host: string, repo: string, certDir: string): string {
  return `
tags=$(skopeo list-tags --cert-dir ${certDir} docker://${host}/${repo} | jq -r '.Tags[]')
for t in $tags; do skopeo inspect --raw --cert-dir ${certDir} "docker://${host}/${repo}:$t" > /dev/null; done`;
}
