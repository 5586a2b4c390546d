// Case 2, smoke gate: the healthy fixture of the smoke tests (FROM scratch + busybox, test/fixtures/smoke) as one
// amd64+arm64 reference in a registry. This project: `release-operator smoke REF` (dist/cli.js, a new process per
// run, as CI runs it). Peer: the steps a pipeline script does by hand (pull, run --help, run -d, curl /health in
// a loop, logs, rm), platforms one after the other. Before every run the local tag is removed, so every subject
// pulls the platform it tests (layers stay cached by the daemon).
import { readFileSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../../src/core/process/run';
import { FIXTURES } from '../../test/helpers/paths';
import { BENCH_CLI } from '../lib/paths';
import { startRegistry } from '../../test/helpers/registry';
import { log, runCase, runs, sh } from '../lib/case';
import { renderTable } from '../lib/report';
import { measureInterleaved, summarize } from '../lib/stats';

/** The 20.10 client: it builds with BuildKit (--platform) without buildx; the Docker 28 client on PATH cannot. */
const DOCKER = '/usr/bin/docker';
const BUSYBOX: Record<string, string> = {
  amd64: '/bin/busybox',
  arm64: '/var/cache/release-operator/foreign/busybox-static_arm64/bin/busybox',
};
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const LABEL = 'release-operator.bench=smoke';

async function must(cmd: string, args: string[], env?: Record<string, string>): Promise<string> {
  const r = await runProcess(cmd, args, {
    env,
    timeoutMs: 600_000,
    missingHint: 'Set up the test bed: bash test/testbed/setup.sh',
  });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Builds the fixture for both platforms, pushes them and joins them under one manifest list; returns its reference. */
async function publishFixture(host: string, dir: string): Promise<string> {
  await cp(path.join(FIXTURES, 'smoke'), dir, { recursive: true });
  for (const [arch, file] of Object.entries(BUSYBOX)) await copyFile(file, path.join(dir, `busybox-${arch}`));
  const ref = `${host}/bench/smoke:1.0`;
  const perArch = [];
  for (const p of PLATFORMS) {
    const tag = `${ref}-${p.split('/')[1]}`;
    await must(DOCKER, ['build', '-q', '--platform', p, '--label', LABEL, '-t', tag, dir], { DOCKER_BUILDKIT: '1' });
    await must(DOCKER, ['push', tag]);
    await must(DOCKER, ['rmi', tag]);
    perArch.push(tag);
  }
  // The Docker 28 client on PATH makes manifest lists (the 20.10 one needs experimental mode for it).
  await must('docker', ['manifest', 'create', '--insecure', ref, ...perArch]);
  await must('docker', ['manifest', 'push', '--insecure', '--purge', ref]);
  return ref;
}

const CONCURRENT = 'docker run --rm --network none IMAGE --help,';
const concurrentRuns = (ref: string, n: number) =>
  `pids=(); for i in $(seq ${n}); do ${DOCKER} run --rm --network none --platform linux/amd64 --label ${LABEL} ${ref} --help > /dev/null & pids+=($!); done; for p in "\${pids[@]}"; do wait "$p"; done`;

/** The peer: what a release pipeline's smoke step does by hand, one platform after the other. */
const shellScript = (ref: string, platforms: string[]) => `
for p in ${platforms.join(' ')}; do
  ${DOCKER} pull -q --platform "$p" ${ref} > /dev/null
  ${DOCKER} run --rm --platform "$p" --label ${LABEL} ${ref} --help > /dev/null
  cid=$(${DOCKER} run -d --platform "$p" --label ${LABEL} -p 127.0.0.1::8080 ${ref})
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

/** Busy CPU time of the whole machine so far, in ms (all cores, every process: the engine, QEMU, the CLI...). */
function busyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0);
  return (busy * 1000) / 100;
}

/** Wraps a run so that the machine's busy CPU time during it is kept (ms of CPU per run). */
function withCpu(cpu: Map<string, number[]>, name: string, run: () => Promise<unknown>): () => Promise<void> {
  return async () => {
    const before = busyMs();
    await run();
    const list = cpu.get(name) ?? [];
    list.push(busyMs() - before);
    cpu.set(name, list);
  };
}

const PARALLEL_SCRIPT = 'shell script, amd64 and arm64 at once (two scripts, &)';

runCase('smoke', async () => {
  const reg = await startRegistry({ auth: 'none' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ro-bench-smoke-'));
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'ro-bench-smoke-cwd-'));
  await mkdir(cwd, { recursive: true });
  let ref: string | undefined;
  try {
    log('building and pushing the amd64+arm64 fixture (untimed)...');
    ref = await publishFixture(reg.host, dir);
    const untag = async () => void (await runProcess(DOCKER, ['rmi', ref!]));
    const pullAmd64 = async () => void (await runProcess(DOCKER, ['pull', '-q', '--platform', 'linux/amd64', ref!]));
    // The last report per platform set: its step durations say where this project's time goes.
    const reports = new Map<string, SmokeJson>();
    const cli = (platforms: string[]) => async () => {
      const r = await runProcess(
        process.execPath,
        [BENCH_CLI, 'smoke', ref!, '--platform', platforms.join(','), '--docker', DOCKER, '--json'],
        { cwd, timeoutMs: 600_000 },
      );
      if (r.exitCode !== 0)
        throw new Error(`release-operator smoke failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
      reports.set(platforms.join(','), JSON.parse(r.stdout) as SmokeJson);
    };
    const cpu = new Map<string, number[]>();
    const subject = (name: string, run: () => Promise<unknown>, before: () => Promise<void> = untag) => ({
      name,
      runs: runs(5),
      before,
      run: withCpu(cpu, name, run),
    });
    const parallelScripts = () =>
      sh(
        `( ${shellScript(ref!, ['linux/amd64'])} ) & a=$!; ( ${shellScript(ref!, ['linux/arm64'])} ) & b=$!; wait $a && wait $b`,
      );
    const subjects = [
      subject('this project, amd64 + arm64', cli(PLATFORMS)),
      subject('shell script, amd64 then arm64', () => sh(shellScript(ref!, PLATFORMS))),
      subject(PARALLEL_SCRIPT, parallelScripts),
      subject('this project, amd64 only', cli(['linux/amd64'])),
      subject('shell script, amd64 only', () => sh(shellScript(ref!, ['linux/amd64']))),
      subject('this project, arm64 only (QEMU)', cli(['linux/arm64'])),
      subject('shell script, arm64 only (QEMU)', () => sh(shellScript(ref!, ['linux/arm64']))),
      // What starting containers costs this Docker host: two at once (one platform's help and service) and four
      // (both platforms'), the same amd64 image, no network, so only the engine's own work is timed.
      subject(`${CONCURRENT} 2 at once`, () => sh(concurrentRuns(ref!, 2)), pullAmd64),
      subject(`${CONCURRENT} 4 at once`, () => sh(concurrentRuns(ref!, 4)), pullAmd64),
    ];
    const samples = await measureInterleaved(subjects, (name, ms) => log(`${name}: ${ms.toFixed(0)} ms`));
    const med = (n: string) => summarize(samples.get(n)!).median;
    const spread = (n: string) =>
      `${(summarize(samples.get(n)!).min / 1000).toFixed(2)} – ${(summarize(samples.get(n)!).max / 1000).toFixed(2)} s`;
    /** Median busy CPU of the whole machine per run, and what that is in cores over the run's median time. */
    const cpuOf = (n: string) => {
      const c = summarize(cpu.get(n) ?? [0]).median;
      return `${(c / 1000).toFixed(2)} s (${(c / med(n)).toFixed(1)} of ${os.cpus().length})`;
    };
    const scriptSlower = Math.max(med('shell script, amd64 only'), med('shell script, arm64 only (QEMU)'));
    const both = med('this project, amd64 + arm64');
    const slower = Math.max(med('this project, amd64 only'), med('this project, arm64 only (QEMU)'));
    const table = (title: string, names: string[], notes: string[]) =>
      renderTable({
        title,
        subject: names[0],
        rows: names.map((name) => ({
          name,
          samples: samples.get(name)!,
          extra: { 'machine CPU per run (cores busy)': cpuOf(name) },
        })),
        notes,
      });
    const platformSteps = (p: SmokeJson['platforms'][number]) =>
      `${p.steps
        .filter((st) => !st.skipped)
        .map((st) => `${st.name} ${st.durationMs} ms`)
        .join(', ')} = ${p.durationMs} ms for ${p.platform} with its cleanup`;
    const steps = (platforms: string) => {
      const report = reports.get(platforms);
      if (!report?.platforms?.length) return '(no report)';
      return `${report.platforms.map(platformSteps).join('; ')}; ${report.durationMs} ms for the whole engine run (adds docker version, beside the first image inspect)`;
    };
    const onePlatform = (arch: string, platform: string, project: string, script: string) =>
      table(
        `Smoke gate, ${arch} alone`,
        [project, script],
        [
          `Goal: within 10% of the shell script. Measured: this project ${pct(med(project), med(script))} against the script.`,
          `The script polls /health every 0.5 s (as such scripts do), so its time moves in steps of 0.5 s (min – max: ${spread(script)}): a median of ${samples.get(script)!.length} runs can land on either step, and the comparison with it moves by as much between bench runs.`,
          `This project's steps in its last run (help and version run beside start and health): ${steps(platform)}; the rest of the process's time is Node start-up, loading the CLI and the config.`,
        ],
      );
    return [
      onePlatform('amd64', 'linux/amd64', 'this project, amd64 only', 'shell script, amd64 only'),
      onePlatform('arm64 (QEMU)', 'linux/arm64', 'this project, arm64 only (QEMU)', 'shell script, arm64 only (QEMU)'),
      table(
        'Smoke gate, amd64 + arm64',
        [
          'this project, amd64 + arm64',
          'shell script, amd64 then arm64',
          PARALLEL_SCRIPT,
          `${CONCURRENT} 2 at once`,
          `${CONCURRENT} 4 at once`,
        ],
        [
          `Goal: both platforms no slower than the slower platform alone + 10%. Measured: ${pct(both, slower)} against this project's slower platform alone (${(slower / 1000).toFixed(2)} s), ${pct(both, scriptSlower)} against the script's slower platform alone (${(scriptSlower / 1000).toFixed(2)} s); the platforms run in parallel, each from its index entry by digest.`,
          `Two copies of the script at once take ${pct(med(PARALLEL_SCRIPT), scriptSlower)} against the script's slower platform alone: the script mostly waits (its steps run one after the other and its /health loop sleeps 0.5 s; about ${(summarize(cpu.get('shell script, arm64 only (QEMU)') ?? [0]).median / med('shell script, arm64 only (QEMU)')).toFixed(1)} cores busy for arm64), so a second copy fills idle time. This project runs a platform's help beside its service and polls from 50 ms, so one platform alone already keeps about ${(summarize(cpu.get('this project, arm64 only (QEMU)') ?? [0]).median / med('this project, arm64 only (QEMU)')).toFixed(1)} of the ${os.cpus().length} cores busy (machine CPU column: the engine's container starts, QEMU, the CLI) and finishes sooner than the script; a second platform has to share them.`,
          `This project's steps in its last run: ${steps(PLATFORMS.join(','))}.`,
          `The script, one platform after the other, takes ${pct(med('shell script, amd64 then arm64'), both)} against this project.`,
          `Both platforms start four containers (help and service each); this Docker host starts two at once in ${(med(`${CONCURRENT} 2 at once`) / 1000).toFixed(2)} s and four at once in ${(med(`${CONCURRENT} 4 at once`) / 1000).toFixed(2)} s (${pct(med(`${CONCURRENT} 4 at once`), med(`${CONCURRENT} 2 at once`))}; the last two rows): on ${os.cpus().length} cores, container starts are the engine's CPU-bound work, and they bound the run with both platforms.`,
          "Like the script, this project asks the registry where the tag points on every run; it then runs each platform's index entry by digest (pulled when Docker lacks it), checks that the image is the platform asked for, and picks the service's host port itself. Its containers are named, labelled and removed on failure and cancel too. A new CLI process per run, as CI runs it.",
        ],
      ),
    ];
  } finally {
    await runProcess('docker', ['ps', '-aq', '--filter', `label=${LABEL}`]).then(async (r) => {
      const ids = r.stdout.split('\n').filter(Boolean);
      if (ids.length) await runProcess(DOCKER, ['rm', '-f', ...ids]);
    });
    if (ref) await runProcess(DOCKER, ['rmi', ref]);
    // Pulls of one platform over the other leave the first untagged; every image of the fixture has the label.
    const images = (await runProcess(DOCKER, ['images', '-q', '--filter', `label=${LABEL}`])).stdout
      .split('\n')
      .filter(Boolean);
    if (images.length) await runProcess(DOCKER, ['rmi', '-f', ...new Set(images)]);
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(cwd, { recursive: true, force: true });
  }
});

interface SmokeJson {
  durationMs: number;
  platforms: Array<{
    platform: string;
    durationMs: number;
    steps: Array<{ name: string; durationMs: number; skipped?: boolean }>;
  }>;
}

function pct(a: number, b: number): string {
  return `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(0)}%`;
}
