import path from 'node:path';
import { glibcVersionOf, maxVersion, type ElfInfo } from '../elf';
import { LIMITS } from '../limits';
import type { FsEntry, ImageFs } from '../image';
import type { ImageConfig } from '../registry';
import { slicer } from '../slices';
import { LibraryResolver, type LoadedObject } from './loader';
import type { GlibcTarget } from './policy';
import { ARCHES, archOfPlatform } from './platforms';
import type { BinaryResult, Finding, PlatformResult } from './types';
import { addMissing, baseVerdict, finish, finishPlatform, unreadable } from './verdict';

export interface ImageCheckInput {
  fs: ImageFs;
  platform: string;
  source: string;
  config?: ImageConfig;
  /** Folders whose ELF files are checked besides the entrypoint. */
  paths: readonly string[];
  /** Check every ELF file in the image instead. */
  all?: boolean;
  target?: GlibcTarget;
  /** Cancel: checked between binaries, so a check of thousands of binaries stops at once. */
  signal?: AbortSignal;
}

const MAX_CLOSURE = LIMITS.librariesPerBinary.default;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function envOf(config: ImageConfig | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of config?.config?.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

/**
 * The program the container starts: Entrypoint (else Cmd) argv[0], found through PATH; scripts lead to their
 * interpreter.
 */
function entrypointFiles(fs: ImageFs, config: ImageConfig | undefined, findings: Finding[]): string[] {
  const argv = config?.config?.Entrypoint?.length ? config.config.Entrypoint : (config?.config?.Cmd ?? []);
  if (!argv?.length) {
    findings.push({
      severity: 'note',
      code: 'no-entrypoint',
      message: 'The image has no entrypoint or command; only the configured paths are checked',
    });
    return [];
  }
  const env = envOf(config);
  const cwd = config?.config?.WorkingDir || '/';
  const out: string[] = [];
  let prog = argv[0];
  for (let hop = 0; hop < 4; hop++) {
    let found: string | undefined;
    if (prog.includes('/'))
      found = fs.stat(path.posix.resolve(cwd, prog))?.type === 'file' ? path.posix.resolve(cwd, prog) : undefined;
    else
      for (const d of (env.PATH ?? DEFAULT_PATH).split(':'))
        if (d && fs.stat(path.posix.join(d, prog))?.type === 'file') {
          found = path.posix.join(d, prog);
          break;
        }
    if (!found) {
      findings.push({
        severity: 'error',
        code: 'missing-entrypoint',
        message: `The entrypoint ${prog} is not in the image${prog.includes('/') ? '' : ` (searched PATH ${env.PATH ?? DEFAULT_PATH})`}`,
      });
      return out;
    }
    const r = fs.resolve(found)!;
    out.push(r.path);
    const shebang = r.entry?.shebang;
    if (!shebang) return out;
    // A script: the binary that really starts is its interpreter (#!/usr/bin/env NAME -> NAME on PATH).
    const parts = shebang.slice(2).trim().split(/\s+/);
    prog = path.posix.basename(parts[0] ?? '') === 'env' && parts[1] ? parts[1] : (parts[0] ?? '');
    if (!prog) return out;
  }
  return out;
}

function libcOfImage(fs: ImageFs, arch: string): { libc: 'glibc' | 'musl' | 'none'; musl?: string; glibc?: string } {
  const facts = ARCHES[arch];
  const muslName = fs.list('/lib').find((n) => /^ld-musl-.*\.so\.1$/.test(n));
  const musl =
    facts && fs.stat(facts.muslLoader)?.type === 'file' ? facts.muslLoader : muslName ? `/lib/${muslName}` : undefined;
  const glibc = facts && fs.stat(facts.glibcLoader)?.elf ? facts.glibcLoader : undefined;
  return { libc: glibc ? 'glibc' : musl ? 'musl' : 'none', musl, glibc };
}

/** Programs and shared objects; object files, kernel modules and core dumps are never loaded, so never checked. */
const loadable = (e: FsEntry) => Boolean(e.elfError || (e.elf && (e.elf.type === 'exec' || e.elf.type === 'dyn')));

/**
 * The verdict for one platform of an image: each checked binary against the libraries the image would
 * load for it (versions defined vs needed), plus loader, libc kind, architecture and GLIBC_PRIVATE checks.
 */
export async function checkImageFs(input: ImageCheckInput): Promise<PlatformResult> {
  const slice = slicer(input.signal);
  const { fs, platform, target } = input;
  const arch = archOfPlatform(platform);
  const findings: Finding[] = [];
  const env = envOf(input.config);
  const resolver = new LibraryResolver(
    fs,
    (env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d.startsWith('/')),
  );

  const files = new Map<string, FsEntry>();
  const add = (p: string) => {
    const r = fs.resolve(p);
    if (r?.entry?.type === 'file' && loadable(r.entry)) files.set(r.path, r.entry);
  };
  if (input.all) {
    for (const [p, e] of fs.entries) if (e.type === 'file' && loadable(e)) files.set(p, e);
  } else {
    for (const p of entrypointFiles(fs, input.config, findings)) add(p);
    for (const dir of input.paths) for (const [p] of fs.filesUnder(dir)) add(p);
  }

  const image = libcOfImage(fs, arch);
  const bits = ARCHES[arch]?.bits ?? 64;
  const like: ElfInfo | undefined = [...files.values()].find((e) => e.elf?.arch === arch)?.elf;
  const libc = like
    ? resolver.find('libc.so.6', { path: '/', elf: like }, { path: '/', elf: like })
    : findLibc(fs, arch, bits);
  const provided = libc ? maxVersion(libc.elf.versionDefinitions.map((d) => glibcVersionOf(d.name))) : undefined;
  if (!libc && image.libc !== 'musl')
    findings.push({
      severity: 'note',
      code: 'no-runtime',
      message: `No glibc (libc.so.6) for ${arch} in the image${target ? `; binaries are compared with ${target.source}` : ''}`,
    });

  const binaries: BinaryResult[] = [];
  for (const [p, e] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Between binaries the event loop runs (a signal, a cancel): thousands of binaries are seconds of work.
    await slice();
    if (!e.elf) {
      binaries.push(unreadable(p, e.elfError!));
      continue;
    }
    binaries.push(checkBinary(p, e.elf, arch, image, resolver, target));
  }
  return finishPlatform({
    platform,
    source: input.source,
    provided,
    libc: image.libc,
    target,
    ok: true,
    binaries,
    findings,
  });
}

/** Without a binary to start from, look for libc.so.6 in the default folders of the platform. */
function findLibc(fs: ImageFs, arch: string, bits: 32 | 64): LoadedObject | undefined {
  const t = ARCHES[arch]?.triplet;
  for (const d of [
    ...(t ? [`/lib/${t}`, `/usr/lib/${t}`] : []),
    bits === 64 ? '/lib64' : '/lib32',
    '/lib',
    '/usr/lib',
  ]) {
    const r = fs.resolve(`${d}/libc.so.6`);
    if (r?.entry?.elf && r.entry.elf.arch === arch) return { path: r.path, elf: r.entry.elf };
  }
  return undefined;
}

function checkBinary(
  p: string,
  elf: ElfInfo,
  arch: string,
  image: ReturnType<typeof libcOfImage>,
  resolver: LibraryResolver,
  target: GlibcTarget | undefined,
): BinaryResult {
  const self: LoadedObject = { path: p, elf };
  // Load the closure first (breadth first, as ld.so does), so `required` covers the libraries too.
  const closure: LoadedObject[] = [];
  const missingLibs: Array<{ name: string; by: string }> = [];
  const providers = new Map<string, Map<string, LoadedObject>>();
  const wrongArch = elf.arch !== arch;
  if (!wrongArch && (elf.interpreter || elf.needed.length)) {
    const queue = [self];
    const seen = new Set([p]);
    while (queue.length && closure.length < MAX_CLOSURE) {
      const obj = queue.shift()!;
      const mine = new Map<string, LoadedObject>();
      providers.set(obj.path, mine);
      for (const name of obj.elf.needed) {
        const lib = resolver.find(name, obj, self);
        if (!lib) {
          missingLibs.push({ name, by: obj.path });
          continue;
        }
        mine.set(name, lib);
        if (!seen.has(lib.path)) {
          seen.add(lib.path);
          closure.push(lib);
          queue.push(lib);
        }
      }
    }
  }
  const r = baseVerdict(p, elf, arch, target, closure);
  if (closure.length >= MAX_CLOSURE)
    r.findings.push({
      severity: 'error',
      code: 'unreadable',
      message: `${p} loads more than ${MAX_CLOSURE} libraries (a fixed limit); the ones past it were not checked`,
    });
  if (wrongArch || r.kind === 'static') return finish(r);
  for (const n of r.needs) n.resolved = providers.get(p)?.get(n.library)?.path;

  if (elf.interpreter) {
    const loader = resolver.fs.resolve(elf.interpreter);
    if (!loader?.entry?.elf) {
      const kind = r.libc;
      const other =
        kind === 'glibc' && image.libc === 'musl'
          ? `a glibc binary in a musl image (the image has ${image.musl})`
          : kind === 'musl' && image.libc === 'glibc'
            ? `a musl binary in a glibc image (the image has ${image.glibc})`
            : undefined;
      r.findings.push(
        other
          ? {
              severity: 'error',
              code: 'libc-mismatch',
              message: `${p} is ${other}; its loader ${elf.interpreter} is missing`,
            }
          : {
              severity: 'error',
              code: 'missing-loader',
              message: `${p} needs the loader ${elf.interpreter}, which is not in the image`,
            },
      );
    }
  }
  for (const m of missingLibs) {
    r.findings.push({
      severity: 'error',
      code: 'missing-library',
      message: `${m.by === p ? p : `${m.by} (loaded by ${p})`} needs ${m.name}, which the loader would not find in the image`,
    });
  }
  for (const obj of [self, ...closure]) {
    for (const need of obj.elf.versionNeeds) {
      const lib =
        providers.get(obj.path)?.get(need.file) ??
        [...(providers.get(obj.path)?.values() ?? [])].find((l) => l.elf.soname === need.file);
      if (!lib) continue; // already reported as a missing library (or not needed by name)
      const defined = new Set(lib.elf.versionDefinitions.map((d) => d.name));
      for (const v of need.versions) {
        if (!defined.has(v.name))
          addMissing(r, { library: need.file, version: v.name, neededBy: obj.path, weak: v.weak });
      }
    }
  }
  return finish(r);
}
