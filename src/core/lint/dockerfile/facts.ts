import { distroOf, shortName as shortNameOf } from '../distro';
import { baseImage, type DockerInstruction, type DockerStage, type DockerfileModel } from './model';

/**
 * What a build stage does, read from its instructions and those of the stages it is built FROM: which
 * toolchains compile there and how they link. The glibc rules ask this before claiming anything: a musl
 * target, `CGO_ENABLED=0` or a stage that only bundles JavaScript produce files no glibc version can break.
 */
export interface StageFacts {
  /** The first RUN that compiles with each toolchain (for evidence). */
  rust?: DockerInstruction;
  go?: DockerInstruction;
  c?: DockerInstruction;
  js?: DockerInstruction;
  python?: DockerInstruction;
  /** Rust for a *-linux-musl target, musl-tools, zigbuild to musl, or +crt-static. */
  rustStatic?: DockerInstruction;
  /** CGO_ENABLED=0 (ENV, ARG default or in the RUN), or an external linker told -static. */
  goStatic?: DockerInstruction;
}

const RUST_BUILD = /\b(cargo\s+(\+\S+\s+)?(build|install|zigbuild|auditable\s+build|chef\s+cook)|cross\s+build)\b/;
const RUST_STATIC =
  /\b[\w-]+-unknown-linux-musl(eabi(hf)?)?\b|\b[\w-]+-linux-musl(eabi(hf)?)?\b|\bmusl-tools\b|\bmusl-gcc\b|\+crt-static/;
const GO_BUILD = /\bgo\s+(build|install)\b|\bgo\s+run\s+build\.go\b|\bgoreleaser(-xx)?\b/;
const GO_STATIC = /\bCGO_ENABLED\s*=\s*["']?0\b|-extldflags[= ]+["']?[^"'\n]*-static/;
const C_BUILD = /\b(gcc|g\+\+|clang|cmake|ninja|meson|make|\.\/configure|autogen\.sh)\b/;
const JS_BUILD =
  /\b(npm|yarn|pnpm|bun)\b[^\n&;|]*\b(build|generate|export|compile)\b|\bng\s+build\b|\bvite\s+build\b|\bwebpack\b|\bnext\s+build\b|\bhugo\b|\bmkdocs\s+build\b/;
/** Package installs name compilers without running them (`apt-get install gcc make`). */
const INSTALL =
  /\b(apt-get|apt|apk|dnf|yum|microdnf|zypper)\b[^\n]*\b(install|add)\b|\b(pip3?|npm|yarn|pnpm)\s+(install|add|i)\b/;
/** One shell line's commands, split at && || ; and newlines. */
const commands = (run: string) => run.split(/&&|\|\||;|\n/);
const PYTHON = /\b(pip3?|uv\s+pip|poetry|pipenv)\s+(install|sync|requirements)\b|\buv\s+sync\b/;

/** The stage and the stages it is built FROM, oldest first. */
export function chainOf(stage: DockerStage): DockerStage[] {
  const out: DockerStage[] = [];
  for (let s: DockerStage | undefined = stage; s; s = s.parent) out.unshift(s);
  return out;
}

function stageFacts(stage: DockerStage): StageFacts {
  const f: StageFacts = {};
  for (const s of chainOf(stage))
    for (const i of s.instructions) {
      if ((i.keyword === 'ENV' || i.keyword === 'ARG') && /\bCGO_ENABLED\s*=?\s*["']?0\b/.test(i.args))
        f.goStatic ??= i;
      if (i.keyword !== 'RUN') continue;
      const run = i.args;
      if (RUST_BUILD.test(run)) f.rust ??= i;
      if (RUST_STATIC.test(run)) f.rustStatic ??= i;
      if (GO_BUILD.test(run)) f.go ??= i;
      if (GO_STATIC.test(run)) f.goStatic ??= i;
      if (commands(run).some((c) => C_BUILD.test(c) && !INSTALL.test(c))) f.c ??= i;
      if (JS_BUILD.test(run)) f.js ??= i;
      if (PYTHON.test(run)) f.python ??= i;
    }
  // `RUN rustup target add x86_64-unknown-linux-musl` in one RUN and `cargo build --target $T` in the next.
  return f;
}

/** What a `COPY --from` carries, as far as the C library is concerned. */
export type ArtifactKind =
  /** Compiled and dynamically linked against the builder's glibc: proven for Rust and C, likely for cgo Go. */
  | 'glibc-binary'
  /** Statically linked (musl target, CGO_ENABLED=0, -static): runs on any libc. */
  | 'static-binary'
  /** Built on a musl or libc-less base: nothing glibc-linked. */
  | 'no-glibc'
  /** Web assets, scripts, configuration: no ELF file at all. */
  | 'assets'
  /** Something else: a download, a package, a tree we cannot see into. */
  | 'unknown';

export interface Artifact {
  kind: ArtifactKind;
  confidence: 'proven' | 'likely' | 'possible';
  /** Which toolchain, in words, for the message. */
  what: string;
  /** The RUN that builds it, for evidence. */
  built?: DockerInstruction;
}

const ASSET_DIR =
  /(^|\/)(dist|public|static|assets|html|www|webroot|site|docs?|frontend|ui|templates|locales|i18n|migrations|config|conf|etc|certs|web-vault|\.next\/static)(\/|$)/;
const TEXT_FILE =
  /\.(html?|m?js|cjs|css|map|json|svg|png|jpe?g|gif|ico|webp|woff2?|ttf|eot|txt|md|toml|ya?ml|conf|cfg|ini|sh|bash|py|rb|xml|sql|pem|crt|lock|env|tmpl|template)$/i;

function copySources(copy: DockerInstruction): string[] {
  return copy.argv.slice(0, -1).filter((a) => !a.startsWith('--'));
}

/** What a `COPY --from=<source>` takes out of `source` (or out of the stages it is built FROM). */
export function artifactOf(source: DockerStage, copy: DockerInstruction): Artifact {
  const base = baseImage(source);
  const distro = distroOf(base.name, base.tag);
  if (distro && distro.libc !== 'glibc') return { kind: 'no-glibc', confidence: 'proven', what: 'files' };
  const f = stageFacts(source);
  const sources = copySources(copy);
  const native = f.rust ?? f.go ?? f.c;
  const looksStatic = (p: string) => TEXT_FILE.test(p) || ASSET_DIR.test(p);
  // Files whose names say what they are: web bundles, scripts, configuration, lock files.
  if (sources.length && sources.every((p) => TEXT_FILE.test(p)))
    return { kind: 'assets', confidence: 'proven', what: 'files' };
  if (!native && f.js && sources.every((p) => !/node_modules/.test(p)))
    return { kind: 'assets', confidence: 'proven', what: 'a JavaScript build', built: f.js };
  if (native && sources.length && sources.every(looksStatic))
    return { kind: 'assets', confidence: 'likely', what: 'files' };
  if (f.rust) {
    if (f.rustStatic)
      return { kind: 'static-binary', confidence: 'proven', what: 'a static Rust binary (musl target)', built: f.rust };
    return { kind: 'glibc-binary', confidence: 'proven', what: 'the Rust binary', built: f.rust };
  }
  // CGO_ENABLED=0 set on a Go toolchain image builds static binaries whatever the build script is called.
  if (!f.go && f.goStatic && /(^|\/)golang$/.test(shortNameOf(base.name)))
    return {
      kind: 'static-binary',
      confidence: 'likely',
      what: 'a static Go binary (CGO_ENABLED=0)',
      built: f.goStatic,
    };
  if (f.go) {
    if (f.goStatic)
      return { kind: 'static-binary', confidence: 'proven', what: 'a static Go binary (CGO_ENABLED=0)', built: f.go };
    // cgo is on by default where gcc is: anything importing net or os/user then links libc dynamically.
    return {
      kind: 'glibc-binary',
      confidence: 'likely',
      what: 'the Go binary (cgo on, the default, links libc)',
      built: f.go,
    };
  }
  if (f.c) return { kind: 'glibc-binary', confidence: 'proven', what: 'the C/C++ binary', built: f.c };
  if (f.js && sources.some((p) => /node_modules/.test(p)))
    return { kind: 'unknown', confidence: 'possible', what: 'node_modules (native add-ons link libc)', built: f.js };
  if (f.python)
    return {
      kind: 'unknown',
      confidence: 'possible',
      what: 'Python packages (native extensions link libc)',
      built: f.python,
    };
  if (sources.length && sources.every(looksStatic)) return { kind: 'assets', confidence: 'likely', what: 'files' };
  return { kind: 'unknown', confidence: 'possible', what: 'files' };
}

/** Which build platform a stage runs on: the target's (emulated when foreign), the builder's, or a fixed one. */
export function stagePlatform(stage: DockerStage): { kind: 'target' | 'build' | 'fixed'; platform?: string } {
  for (const s of [...chainOf(stage)].reverse()) {
    const p = s.platform;
    if (!p) continue;
    if (/BUILDPLATFORM/.test(p)) return { kind: 'build' };
    if (/TARGETPLATFORM/.test(p)) return { kind: 'target' };
    if (!/\$/.test(p)) return { kind: 'fixed', platform: p };
    return { kind: 'target' };
  }
  return { kind: 'target' };
}

/** The stage `docker build --target NAME` (or, without a name, the last stage) produces. */
export function targetStage(model: DockerfileModel, target?: string): DockerStage | undefined {
  if (target) return model.stages.find((s) => s.name?.toLowerCase() === target.toLowerCase());
  return model.stages.at(-1);
}

/** Stages BuildKit builds for `target`: itself, what it is FROM, and what it copies or mounts from, transitively. */
export function neededStages(model: DockerfileModel, target: DockerStage): DockerStage[] {
  const byRef = (ref: string) =>
    model.stages.find((s) => s.name?.toLowerCase() === ref.toLowerCase() || String(s.index) === ref);
  const seen = new Set<DockerStage>();
  const stack = [target];
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    if (s.parent) stack.push(s.parent);
    for (const i of s.instructions) {
      const refs = [i.flags.from, ...[...i.args.matchAll(/--mount=[^\s]*\bfrom=([^,\s]+)/g)].map((m) => m[1])];
      for (const r of refs) {
        const dep = r ? byRef(r) : undefined;
        if (dep && dep !== s) stack.push(dep);
      }
    }
  }
  return model.stages.filter((s) => seen.has(s));
}
