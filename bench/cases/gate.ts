// Case 5, the release gate. Two parts:
//  - pre-push on two platforms (pipeline lint, glibc and smoke of amd64 and arm64 under QEMU), `release-operator
//    gate --stage pre-push` as CI runs it (a new process), against the hand-written steps it replaces (per
//    platform: docker run --help, docker run --version, docker run -d + a curl loop on /health every 0.5 s, rm),
//    one platform after the other and both at once. Same local images, same run.
//  - assemble: two per-platform pushes (each an index with its attestation) into one index and five tags, against
//    the same requests done by curl (GET both sources, PUT the index, HEAD it, PUT each tag), on loopback and
//    behind the 25 ms-each-way delay proxy. Every run gets a fresh repository with the same sources (untimed).
import { writeFileSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assemble } from '../../src/core/assemble';
import { defaultConfig } from '../../src/core/config/load';
import { runProcess } from '../../src/core/process/run';
import { contentCache, RegistryClient } from '../../src/core/registry';
import { FIXTURES, REPO_ROOT } from '../../test/helpers/paths';
import { pushImage, pushIndex, startRegistry, type TestRegistry } from '../../test/helpers/registry';
import { log, runCase, runs, sh } from '../lib/case';
import { BENCH_CLI } from '../lib/paths';
import { spawnDelayProxy, type RemoteDelayProxy } from '../lib/proxy-process';
import { renderTable } from '../lib/report';
import { measureInterleaved, summarize } from '../lib/stats';

const DOCKER = '/usr/bin/docker';
const LABEL = 'release-operator.bench=gate';
const BUSYBOX: Record<string, string> = {
  amd64: '/bin/busybox',
  arm64: '/var/cache/release-operator/foreign/busybox-static_arm64/bin/busybox',
};
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const IMAGE = (arch: string) => `ro-bench-gate:${arch}`;
const DELAY_MS = 25;

async function must(cmd: string, args: string[], env?: Record<string, string>, cwd?: string): Promise<string> {
  const r = await runProcess(cmd, args, { env, cwd, timeoutMs: 600_000 });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The repository to release: the smoke fixture, the reference workflow, a version command configured. */
async function workspace(dir: string): Promise<void> {
  await cp(path.join(FIXTURES, 'smoke'), dir, { recursive: true });
  for (const [arch, file] of Object.entries(BUSYBOX)) await copyFile(file, path.join(dir, `busybox-${arch}`));
  await mkdir(path.join(dir, '.github', 'workflows'), { recursive: true });
  await cp(
    path.join(REPO_ROOT, 'docs', 'workflows', 'release-single-runner.yml'),
    path.join(dir, '.github', 'workflows', 'release.yml'),
  );
  writeFileSync(
    path.join(dir, 'release-operator.json'),
    JSON.stringify({ smoke: { versionArgs: ['--version'], versionPattern: 'fixture' } }),
  );
  for (const p of PLATFORMS)
    await must(DOCKER, ['build', '-q', '--platform', p, '--label', LABEL, '-t', IMAGE(p.split('/')[1]), dir], {
      DOCKER_BUILDKIT: '1',
    });
}

/** The hand-written steps a pipeline runs per platform before pushing. */
const handWritten = (platforms: string[]) => `
for p in ${platforms.join(' ')}; do
  img=${IMAGE('')}\${p#linux/}
  ${DOCKER} run --rm --platform "$p" --label ${LABEL} "$img" --help > /dev/null
  ${DOCKER} run --rm --platform "$p" --label ${LABEL} "$img" --version | grep -q fixture
  cid=$(${DOCKER} run -d --platform "$p" --label ${LABEL} -p 127.0.0.1::8080 "$img")
  port=$(${DOCKER} port "$cid" 8080/tcp | head -n1 | sed 's/.*://')
  ok=
  for i in $(seq 240); do
    if curl -fsS "http://127.0.0.1:$port/health" 2>/dev/null | grep -q ok; then ok=1; break; fi
    sleep 0.5
  done
  ${DOCKER} logs "$cid" > /dev/null 2>&1
  ${DOCKER} rm -f "$cid" > /dev/null
  [ -n "$ok" ] || { echo "$p: /health never answered ok" >&2; exit 1; }
done`;

async function prePushPart(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ro-bench-gate-'));
  const record = await mkdtemp(path.join(os.tmpdir(), 'ro-bench-gate-record-'));
  try {
    log('building the amd64 and arm64 images (untimed)...');
    await workspace(dir);
    const gate = async () => {
      const r = await runProcess(
        process.execPath,
        [
          BENCH_CLI,
          'gate',
          '--stage',
          'pre-push',
          '--image',
          'bench/app',
          '--version',
          '1.2.3',
          '--docker',
          DOCKER,
          '--record',
          record,
          '--local',
          `linux/amd64=${IMAGE('amd64')}`,
          '--local',
          `linux/arm64=${IMAGE('arm64')}`,
        ],
        { cwd: dir, timeoutMs: 600_000 },
      );
      if (r.exitCode !== 0) throw new Error(`gate pre-push failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    };
    const THIS = 'this project: gate --stage pre-push (lint + glibc + smoke, both platforms side by side)';
    const SEQ = 'hand-written steps, amd64 then arm64 (smoke only)';
    const PAR = 'hand-written steps, amd64 and arm64 at once (two scripts, &)';
    const ONE = 'this project: gate --stage pre-push, amd64 only';
    const ONE_SH = 'hand-written steps, amd64 only';
    const samples = await measureInterleaved(
      [
        { name: THIS, runs: runs(5), run: gate },
        { name: SEQ, runs: runs(5), run: () => sh(handWritten(PLATFORMS)) },
        {
          name: PAR,
          runs: runs(5),
          run: () =>
            sh(
              `( ${handWritten(['linux/amd64'])} ) & a=$!; ( ${handWritten(['linux/arm64'])} ) & b=$!; wait $a && wait $b`,
            ),
        },
        {
          name: ONE,
          runs: runs(5),
          run: async () => {
            const r = await runProcess(
              process.execPath,
              [
                BENCH_CLI,
                'gate',
                '--stage',
                'pre-push',
                '--image',
                'bench/app',
                '--version',
                '1.2.3',
                '--platforms',
                'linux/amd64',
                '--docker',
                DOCKER,
                '--record',
                record,
                '--local',
                `linux/amd64=${IMAGE('amd64')}`,
              ],
              { cwd: dir, timeoutMs: 600_000 },
            );
            if (r.exitCode !== 0) throw new Error(`gate pre-push amd64 failed:\n${r.stdout}\n${r.stderr}`);
          },
        },
        { name: ONE_SH, runs: runs(5), run: () => sh(handWritten(['linux/amd64'])) },
      ],
      (name, ms) => log(`pre-push: ${name}: ${ms.toFixed(0)} ms`),
    );
    const med = (n: string) => summarize(samples.get(n)!).median;
    const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(0)}%`;
    return renderTable({
      title: 'Gate pre-push, amd64 + arm64 (QEMU), local images',
      subject: THIS,
      rows: [...samples].map(([name, s]) => ({ name, samples: s })),
      notes: [
        `Goal: at most 10% slower than the hand-written steps, faster where it runs platforms side by side. Measured: ${pct(med(THIS), med(SEQ))} against the steps one platform after the other, ${pct(med(THIS), med(PAR))} against two copies at once; amd64 alone ${pct(med(ONE), med(ONE_SH))}.`,
        'The stage does more than the steps: it also lints the Dockerfile and workflow and reads every ELF file the entrypoint needs (glibc) on both platforms, beside the smoke runs; it is one new Node process, as in CI.',
        'The hand-written steps poll /health every 0.5 s, so their time moves in 0.5 s steps; the stage probes from 50 ms with back-off.',
      ],
    });
  } finally {
    await runProcess(DOCKER, ['rmi', '-f', IMAGE('amd64'), IMAGE('arm64')]);
    await rm(dir, { recursive: true, force: true });
    await rm(record, { recursive: true, force: true });
  }
}

/** Two per-platform pushes as BuildKit makes them (an index of the image and its attestation), under candidate tags. */
async function sources(reg: TestRegistry, repo: string): Promise<void> {
  for (const arch of ['amd64', 'arm64']) {
    const labels = { 'org.opencontainers.image.version': '1.2.3' };
    const img = await pushImage(reg, repo, { platform: `linux/${arch}`, labels });
    await pushIndex(reg, repo, [img], { tag: `candidate-1-${arch}`, attestations: true });
  }
}

const ACCEPT = 'application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json';

/**
 * The same requests by curl, one process per request, as a script writes them: GET both sources, PUT the index
 * (its bytes made beforehand: composing JSON is not a round trip), HEAD it, PUT the five tags in order.
 */
const curlScript = (host: string, repo: string, indexFile: string, digest: string, tags: string[]) => `
for a in amd64 arm64; do curl -fsS -o /dev/null -H 'Accept: ${ACCEPT}' http://${host}/v2/${repo}/manifests/candidate-1-$a; done
curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary @${indexFile} http://${host}/v2/${repo}/manifests/${digest}
curl -fsS -o /dev/null -I -H 'Accept: ${ACCEPT}' http://${host}/v2/${repo}/manifests/${digest}
for t in ${tags.join(' ')}; do curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary @${indexFile} http://${host}/v2/${repo}/manifests/$t; done`;

async function assemblePart(reg: TestRegistry, label: string, host: string, proxy?: RemoteDelayProxy): Promise<string> {
  const config = defaultConfig();
  let n = 0;
  let repo = '';
  const fresh = async () => {
    repo = `bench/asm-${label.length}-${++n}`;
    await sources(reg, repo);
    contentCache.clear();
  };
  const req = () => ({
    image: `${host}/${repo}`,
    sources: ['amd64', 'arm64'].map((a) => `${host}/${repo}:candidate-1-${a}`),
    version: '1.2.3',
    commit: 'abc1234def',
    platforms: PLATFORMS,
    cleanCandidates: false,
  });
  // The index bytes and tags the curl script writes: the engine's own plan of the same sources.
  await fresh();
  const planned = await assemble({ ...req(), dryRun: true }, { config, registry: new RegistryClient() });
  const indexFile = path.join(os.tmpdir(), `ro-bench-index-${process.pid}.json`);
  writeFileSync(indexFile, planned.plan!.index.bytes);
  const tags = planned.plan!.tags.map((t) => t.tag);
  let requests = 0;
  const counted: typeof fetch = (...a) => (requests++, fetch(...a));
  const counts = new Map<string, string>();
  const stats = async () => (proxy ? (await proxy.stats()).requests : 0);
  let before = 0;
  const ENGINE = 'this project, engine in-process (assemble)';
  const CLI = 'this project, release-operator assemble (a new process)';
  const CURL = 'curl, one request per process (the same requests, in order)';
  const samples = await measureInterleaved(
    [
      {
        name: ENGINE,
        runs: runs(7),
        before: async () => {
          await fresh();
          requests = 0;
        },
        run: async () => {
          const r = await assemble(req(), { config, registry: new RegistryClient({ fetch: counted }) });
          if (r.report.verdict !== 'pass') throw new Error(`assemble: ${r.report.summary}`);
        },
        after: async () => void counts.set(ENGINE, String(requests)),
      },
      {
        name: CLI,
        runs: runs(7),
        before: async () => {
          await fresh();
          before = await stats();
        },
        run: async () => {
          const r = req();
          await must(
            process.execPath,
            [
              BENCH_CLI,
              'assemble',
              '--image',
              r.image,
              ...r.sources.flatMap((s) => ['--source', s]),
              '--version',
              r.version,
              '--commit',
              r.commit,
              '--keep-candidates',
            ],
            undefined,
            os.tmpdir(),
          );
        },
        after: async () => {
          if (proxy) counts.set(CLI, String((await stats()) - before));
        },
      },
      {
        name: CURL,
        runs: runs(7),
        before: async () => {
          await fresh();
          before = await stats();
        },
        run: () => sh(curlScript(host, repo, indexFile, planned.plan!.index.digest, tags)),
        after: async () => void counts.set(CURL, proxy ? String((await stats()) - before) : String(4 + tags.length)),
      },
    ],
    (name, ms) => log(`assemble ${label}: ${name}: ${ms.toFixed(0)} ms`),
  );
  const med = (x: string) => summarize(samples.get(x)!).median;
  return renderTable({
    title: `assemble, ${label}: 2 per-platform pushes (index + attestation each) -> one index, ${tags.length} tags`,
    subject: ENGINE,
    rows: [...samples].map(([name, s]) => ({ name, samples: s, extra: { 'HTTP requests': counts.get(name) ?? '' } })),
    notes: [
      `Goal: within 1.2x of the round trips needed (the curl script). Measured: the engine ${(med(ENGINE) / med(CURL)).toFixed(2)}x the curl script, the CLI process ${(med(CLI) / med(CURL)).toFixed(2)}x (Node start-up and loading the CLI included).`,
      'The engine also pings the registry, lists the tags (history: a moving tag a newer release holds is left alone), reads the moving tags again just before they move, and reads every manifest and tag back; it sends independent requests side by side and keeps its connections, where the script opens one per request.',
      'regctl and crane are not installable here (no Debian package; the npm "regctl" package downloads a binary at install time), so the peer is curl.',
    ],
  });
}

runCase('gate', async () => {
  const tables = [await prePushPart()];
  const reg = await startRegistry({ auth: 'none' });
  let proxy: RemoteDelayProxy | undefined;
  try {
    tables.push(await assemblePart(reg, 'loopback', reg.host));
    const [host, port] = reg.host.split(':');
    proxy = await spawnDelayProxy({ host, port: Number(port) }, DELAY_MS);
    tables.push(
      await assemblePart(reg, `through the delay proxy (${DELAY_MS} ms each way)`, `127.0.0.1:${proxy.port}`, proxy),
    );
  } finally {
    await proxy?.close();
    await reg.stop();
  }
  return tables;
});
