import { UBUNTU, compareVersions } from '../distro';
import type { RawFinding, Region } from '../types';
import { actionName, regionIn, shellCommands, stepLabel, words } from '../workflow/analysis';
import { withMatrix, type WorkflowJob, type WorkflowModel, type WorkflowStep } from '../workflow/model';
import type { WorkflowRule } from './rule';

/** Without a configured policy, binaries are held to Debian 12 (bookworm): the base of many images and servers. */
const DEFAULT_BAR = { glibc: '2.36', source: 'Debian 12 bookworm (glibc 2.36; no glibc policy configured)' };
const UBUNTU_LATEST = '24.04';

/** The glibc of a GitHub-hosted Ubuntu runner label (ubuntu-24.04, ubuntu-latest, ubuntu-22.04-arm); else undefined. */
function runnerGlibc(label: string | undefined): { label: string; glibc: string } | undefined {
  if (!label || /\$\{\{/.test(label)) return undefined;
  const labels = label.split(/\s+/);
  if (labels.includes('self-hosted')) return undefined;
  for (const l of labels) {
    const m = /^ubuntu-(latest|\d\d\.\d\d)(-arm)?$/i.exec(l);
    if (!m) continue;
    const version = m[1].toLowerCase() === 'latest' ? UBUNTU_LATEST : m[1];
    const known = UBUNTU[version];
    if (known) return { label: l, glibc: known.glibc };
  }
  return undefined;
}

/** Targets whose binaries do not take the runner's glibc: musl, other systems, zig's pinned glibc (x.2.17). */
const NOT_RUNNER_GLIBC = /musl|apple|darwin|windows|android|wasm|freebsd|netbsd|ios|\.2\.\d+$/i;

interface Hit {
  what: string;
  region: Region;
  step: WorkflowStep;
}

/** `VAR=value cmd args`: the assignments and the command's words. */
function split(command: string): { env: Record<string, string>; ws: string[] } {
  const ws = words(command);
  const env: Record<string, string> = {};
  while (ws.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(ws[0])) {
    const [k, ...v] = ws.shift()!.split('=');
    env[k] = v.join('=');
  }
  if (ws[0] === 'env') ws.shift();
  return { env, ws };
}

const flag = (ws: string[], name: string) => {
  const i = ws.findIndex((w) => w === name || w.startsWith(`${name}=`));
  return i < 0 ? undefined : ws[i].includes('=') ? ws[i].split('=').slice(1).join('=') : (ws[i + 1] ?? '');
};

/** A step that compiles native code on the runner itself, linked against the runner's glibc. */
function nativeBuild(model: WorkflowModel, step: WorkflowStep, combo: Record<string, string>): Hit | undefined {
  const name = actionName(step.uses?.value);
  if (name === 'taiki-e/upload-rust-binary-action') {
    const target = withMatrix(step.with.target?.value ?? '', combo);
    const tool = step.with['build-tool']?.value ?? '';
    if (NOT_RUNNER_GLIBC.test(target) || /cross|zigbuild/.test(tool)) return undefined;
    return { what: `${name} builds with cargo on the runner`, region: step.uses!.region, step };
  }
  if (!step.run) return undefined;
  const envAll = { ...model.env, ...step.job.env, ...step.env };
  for (const command of shellCommands(withMatrix(step.run.value, combo))) {
    const { env, ws } = split(command);
    const e = { ...envAll, ...env };
    const [tool, sub] = ws;
    const at = (re: RegExp) => regionIn(model, step.run!, re);
    if (tool === 'cargo' && /^(build|b|install|auditable|rustc)$/.test(sub ?? '')) {
      const target = flag(ws, '--target') ?? e.CARGO_BUILD_TARGET ?? '';
      if (NOT_RUNNER_GLIBC.test(target) || /crt-static/.test(e.RUSTFLAGS ?? '')) continue;
      if (sub === 'install' && !ws.includes('--path')) continue; // installing a tool, not building the project
      return { what: command, region: at(/cargo\s+(build|b|install|auditable|rustc)\b[^\n]*/), step };
    }
    if (tool === 'go' && sub === 'build' && e.CGO_ENABLED === '1')
      return { what: command, region: at(/go\s+build\b[^\n]*/), step };
    if (/^(gcc|g\+\+|cc|c\+\+|clang|clang\+\+)$/.test(tool ?? '') && ws.includes('-o') && !ws.includes('-static'))
      return { what: command, region: at(new RegExp(`${tool.replace(/\+/g, '\\+')}\\b[^\\n]*`)), step };
    if (tool === 'cmake' && sub === '--build') return { what: command, region: at(/cmake\s+--build[^\n]*/), step };
    const npx = tool === 'npx' || tool === 'yarn' || tool === 'pnpm' ? ws.slice(1) : ws;
    if (
      npx[0] === 'napi' &&
      npx[1] === 'build' &&
      !npx.some((w) => /^(--zig|-x|--cross-compile|--use-napi-cross)$/.test(w))
    ) {
      const target = flag(npx, '--target') ?? flag(npx, '-t') ?? '';
      if (!NOT_RUNNER_GLIBC.test(target)) return { what: command, region: at(/napi\s+build[^\n]*/), step };
    }
    if ((npx[0] === 'node-gyp' && /^(rebuild|build)$/.test(npx[1] ?? '')) || npx[0] === 'prebuildify')
      return { what: command, region: at(/(node-gyp|prebuildify)\b[^\n]*/), step };
  }
  return undefined;
}

const UPLOAD_ACTIONS =
  /^(softprops\/action-gh-release|svenstaro\/upload-release-action|actions\/upload-release-asset|ncipollo\/release-action|shogo82148\/actions-upload-release-asset|abutler\/upload-release-assets|xresloader\/upload-to-github-release|taiki-e\/upload-rust-binary-action|meedamian\/github-release)$/;

/** A step that attaches files to a GitHub Release. */
function releaseUpload(model: WorkflowModel, step: WorkflowStep): Hit | undefined {
  const name = actionName(step.uses?.value);
  if (UPLOAD_ACTIONS.test(name)) {
    // These two only upload when given files.
    if (name === 'softprops/action-gh-release' && !step.with.files) return undefined;
    if (name === 'ncipollo/release-action' && !step.with.artifacts) return undefined;
    return { what: name, region: step.uses!.region, step };
  }
  if (!step.run) return undefined;
  for (const command of shellCommands(step.run.value)) {
    const ws = words(command);
    if (ws[0] !== 'gh' || ws[1] !== 'release') continue;
    if (ws[2] === 'upload')
      return { what: 'gh release upload', region: regionIn(model, step.run, /gh\s+release\s+upload[^\n]*/), step };
    if (ws[2] === 'create') {
      // Files follow the tag: positional words after `create`, flags and their values aside.
      const positional: string[] = [];
      for (let i = 3; i < ws.length; i++) {
        if (/^-(t|n|F|R|p|d)$|^--(title|notes|notes-file|target|repo|discussion-category|notes-start-tag)$/.test(ws[i]))
          i++;
        else if (!ws[i].startsWith('-')) positional.push(ws[i]);
      }
      if (positional.length >= 2)
        return {
          what: 'gh release create with files',
          region: regionIn(model, step.run, /gh\s+release\s+create[^\n]*/),
          step,
        };
    }
  }
  return undefined;
}

const isArtifactUpload = (s: WorkflowStep) => actionName(s.uses?.value) === 'actions/upload-artifact';
const isArtifactDownload = (s: WorkflowStep) => actionName(s.uses?.value) === 'actions/download-artifact';

export const nativeAssetsOnNewRunner: WorkflowRule = {
  id: 'RO-W009',
  kind: 'workflow',
  defaultSeverity: 'warning',
  examines: 'jobs that build native binaries for Release assets',
  title: 'Native binaries for Release assets built on a newer Ubuntu runner than the glibc policy, outside a container',
  explanation:
    "A program compiled and linked on the runner itself takes the runner's glibc: on ubuntu-24.04 (ubuntu-latest) that is 2.39, and the binary " +
    'needs GLIBC_2.34 and usually newer symbols (__libc_start_main, strlcpy, the C23 strtol), so it dies at start with "version `GLIBC_2.39\' not ' +
    'found" on Debian 12 (2.36), Ubuntu 22.04 (2.35) and RHEL 8 or 9 (2.28, 2.34). Build in a toolchain image whose glibc meets the policy ' +
    '(`container: quay.io/pypa/manylinux_2_28_x86_64` on the job, cross, `cargo zigbuild --target x86_64-unknown-linux-gnu.2.28`), or for a ' +
    'static target (musl, CGO_ENABLED=0), and check the artifacts before upload with `release-operator glibc dist/*.tar.gz --policy el8`. ' +
    'The bar is the lowest glibc the configuration names (glibc.policy, glibc.maxGlibc, glibc.assets); without one, Debian 12 (2.36). ' +
    'Jobs in a container, musl and zig-pinned targets, cross, static Go (without CGO_ENABLED=1), and builds that are never uploaded to a ' +
    'Release (in the same job, or through an artifact a later job attaches) are not reported.',
  check({ model, facts, options, examine }) {
    const bar = options.releaseGlibc ?? DEFAULT_BAR;
    const out: RawFinding[] = [];
    const uploads = model.jobs.flatMap((j) => j.steps.flatMap((s) => releaseUpload(model, s) ?? []));
    if (!uploads.length) return out;
    const ups = new Map<WorkflowJob, Set<WorkflowJob>>();
    const upstream = (j: WorkflowJob) => ups.get(j) ?? ups.set(j, facts.graph.upstreamSet(j)).get(j)!;
    for (const job of model.jobs) {
      if (job.container || !job.runsOn) continue;
      let build: Hit | undefined;
      let judged = false;
      const runners = new Map<string, string>();
      job.matrix.forEach((combo) => {
        const runner = runnerGlibc(withMatrix(job.runsOn!, combo));
        if (!runner) return;
        for (const step of job.steps) {
          const hit = nativeBuild(model, step, combo);
          if (!hit) continue;
          judged = true;
          if (compareVersions(runner.glibc, bar.glibc) > 0) {
            build ??= hit;
            runners.set(runner.label, runner.glibc);
          }
          break;
        }
      });
      if (!judged) continue;
      const first = build ?? job.steps.map((s) => nativeBuild(model, s, job.matrix[0] ?? {})).find(Boolean);
      const upload = first && uploadOf(job, first, uploads, upstream);
      if (!upload) continue;
      examine('jobs that build native binaries for Release assets');
      if (!build) continue;
      const [label, glibc] = [...runners][0];
      const labels = [...runners.keys()].join(', ');
      out.push({
        message:
          `Job "${job.id}" builds native binaries on ${labels} (glibc ${glibc}) outside a container ("${build.what.slice(0, 80)}"), ` +
          `and ${upload.via} uploads them as Release assets: they need glibc ${glibc}'s symbols and will not start where the ` +
          `policy says they must run (${bar.source}). Build in a toolchain image whose glibc meets it.`,
        region: build.region,
        evidence: [
          { message: `runs on ${label}: glibc ${glibc}, no container:`, region: job.runsOnRegion ?? job.idRegion },
          { message: `builds native code: ${build.what.slice(0, 120)}`, region: build.region },
          ...(upload.artifact
            ? [{ message: 'hands the binaries on as an artifact', region: upload.artifact.region }]
            : []),
          { message: `uploads Release assets (${upload.hit.what})`, region: upload.hit.region },
        ],
        suppressLine: build.step.region.line,
      });
    }
    return out;
  },
};

/**
 * How a build reaches a Release: an upload step later in the same job, or an artifact the job uploads after the
 * build that a job needing it (directly or not) downloads before its upload step.
 */
function uploadOf(
  job: WorkflowJob,
  build: Hit,
  uploads: Hit[],
  upstream: (j: WorkflowJob) => Set<WorkflowJob>,
): { hit: Hit; via: string; artifact?: WorkflowStep } | undefined {
  const same = uploads.find((u) => u.step.job === job && u.step.index >= build.step.index);
  if (same) return { hit: same, via: `"${stepLabel(same.step)}"` };
  const artifact = job.steps.find((s) => s.index > build.step.index && isArtifactUpload(s));
  if (!artifact) return undefined;
  for (const u of uploads) {
    const j = u.step.job;
    if (j === job || !upstream(j).has(job)) continue;
    if (j.steps.some((s) => s.index < u.step.index && isArtifactDownload(s)))
      return { hit: u, via: `job "${j.id}" ("${stepLabel(u.step)}", from the artifact)`, artifact };
  }
  return undefined;
}
