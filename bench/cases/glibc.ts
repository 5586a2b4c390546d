// Case 3, glibc check: a FROM-scratch image of 300 ELF files of this machine (programs from /usr/bin and the
// libraries they load, with the glibc they run on). This project: `release-operator glibc --all IMAGE` (a new
// process per run). By default it reads the engine's own layer folders when it may (root on the engine's host,
// as here): each ELF file only where the loader looks. Also timed: the way for a user who may not, `--local-read
// export` (a container of the image created, never started, `docker export` of it streamed from the pipe, each
// ELF file read as it passes, the container removed).
// Peers: `readelf -V` over the same files exported from the image, one process per file as a shell loop does it,
// and batched (xargs); also the export itself. For context, the engine's part alone: create + export + rm read
// and dropped (what this project waits for), and `docker save` read and dropped (the way this project read local
// images before, still its fallback when the engine will not create a container).
// The versions found are compared: every (file, library, version) a binary needs, from both.
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../../src/core/process/run';
import { BENCH_CLI } from '../lib/paths';
import { log, runCase, runs, sh } from '../lib/case';
import { renderTable } from '../lib/report';
import { measureInterleaved, summarize } from '../lib/stats';

const DOCKER = '/usr/bin/docker';
const LABEL = 'release-operator.bench=glibc';
const FILES = 300;
const SUBJECT = "this project: glibc --all IMAGE (as root: the engine's layer folders)";
const VIA_EXPORT = 'this project: glibc --all IMAGE --local-read export (docker create + export included)';
const EXPORT_ONLY = "docker create + export + rm, read and dropped (the engine's part of reading the image)";
const SAVE_ONLY = 'docker save IMAGE, read and dropped (the fallback; how this project read the image before)';
const LIBDIRS = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu'];

function isElf(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    const fd = openSync(file, 'r');
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    closeSync(fd);
    return b.toString('latin1') === '\x7fELF';
  } catch {
    return false;
  }
}

async function needed(file: string): Promise<string[]> {
  const r = await runProcess('readelf', ['-d', '-W', file]);
  return [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

/**
 * 300 files: the loader and libc, then programs of /usr/bin each with the libraries it needs (so the image is
 * complete, as a real one is), in name order until there are 300.
 */
async function pickFiles(): Promise<string[]> {
  const chosen = new Set<string>();
  const lib = (name: string) => LIBDIRS.map((d) => path.join(d, name)).find((f) => existsSync(f));
  const addWithLibs = async (file: string) => {
    const todo = [file];
    const add: string[] = [];
    while (todo.length) {
      const f = todo.pop()!;
      if (chosen.has(f) || add.includes(f)) continue;
      add.push(f);
      for (const n of await needed(f)) {
        const l = lib(n);
        if (l) todo.push(l);
      }
    }
    if (chosen.size + add.length > FILES) return;
    for (const f of add) chosen.add(f);
  };
  await addWithLibs('/lib64/ld-linux-x86-64.so.2');
  await addWithLibs(lib('libc.so.6')!);
  for (const name of (await readdir('/usr/bin')).sort()) {
    if (chosen.size >= FILES) break;
    const f = path.join('/usr/bin', name);
    if (isElf(f)) await addWithLibs(f);
  }
  // Fill up with libraries when the programs left a gap.
  for (const name of (await readdir('/usr/lib/x86_64-linux-gnu')).sort()) {
    if (chosen.size >= FILES) break;
    const f = path.join('/usr/lib/x86_64-linux-gnu', name);
    if (/\.so(\.\d+)*$/.test(name) && isElf(f)) await addWithLibs(f);
  }
  return [...chosen];
}

/** `(file, library, version)` triples from readelf -V's .gnu.version_r sections ("File: lib  Cnt" / "Name: V"). */
function parseReadelf(text: string): Set<string> {
  const out = new Set<string>();
  let file = '';
  let lib = '';
  let inNeeds = false;
  for (const line of text.split('\n')) {
    const f = /^File: (\S+)$/.exec(line);
    if (f) {
      file = '/' + path.normalize(f[1]);
      inNeeds = false;
      continue;
    }
    if (/^Version needs section/.test(line)) inNeeds = true;
    else if (/^Version (symbols|definition) section/.test(line)) inNeeds = false;
    if (!inNeeds) continue;
    const l = /File: (\S+)\s+Cnt:/.exec(line);
    if (l) lib = l[1];
    const v = /Name: (\S+)\s+Flags/.exec(line);
    if (v) out.add(`${file} ${lib} ${v[1]}`);
  }
  return out;
}

function parseProject(json: string): { set: Set<string>; binaries: number; provided: string } {
  const report = JSON.parse(json) as {
    platforms: Array<{
      provided: string | null;
      binaries: Array<{ path: string; needs: Array<{ library: string; versions: string[]; weak: string[] }> }>;
    }>;
  };
  const out = new Set<string>();
  const p = report.platforms[0];
  for (const b of p.binaries)
    for (const n of b.needs) for (const v of [...n.versions, ...n.weak]) out.add(`${b.path} ${n.library} ${v}`);
  return { set: out, binaries: p.binaries.length, provided: p.provided ?? '(none)' };
}

runCase('glibc', async () => {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ro-bench-glibc-'));
  const image = `ro-bench-glibc:${process.pid}`;
  const exported = path.join(work, 'exported');
  try {
    log('choosing files and building the image (untimed)...');
    const files = await pickFiles();
    const ctx = path.join(work, 'context');
    for (const f of files) {
      const dest = path.join(ctx, 'rootfs', f);
      await mkdir(path.dirname(dest), { recursive: true });
      await copyFile(f, dest);
    }
    // The loader's usual path is a symlink in Debian; keep the image's /lib64 a plain directory with the file.
    await writeFile(
      path.join(ctx, 'Dockerfile'),
      `FROM scratch\nCOPY rootfs/ /\nLABEL ${LABEL.replace('=', '="')}"\nENTRYPOINT ["/usr/bin/${path.basename(files.find((f) => f.startsWith('/usr/bin/')) ?? 'true')}"]\n`,
    );
    const b = await runProcess(DOCKER, ['build', '-q', '-t', image, ctx], {
      env: { DOCKER_BUILDKIT: '1' },
      timeoutMs: 600_000,
    });
    if (b.exitCode !== 0) throw new Error(`docker build failed: ${b.stderr}`);
    const size = Number((await runProcess(DOCKER, ['image', 'inspect', '--format', '{{.Size}}', image])).stdout.trim());
    const engine = `Docker ${(await runProcess(DOCKER, ['version', '--format', '{{.Server.Version}}'])).stdout.trim() || '(unknown version)'}`;
    const exportScript = `rm -rf ${exported} && mkdir -p ${exported} && cid=$(${DOCKER} create ${image}) && ${DOCKER} export "$cid" | tar -x -C ${exported} && ${DOCKER} rm "$cid" > /dev/null`;
    await sh(exportScript);
    // Only the image's own files: docker export adds /.dockerenv, /etc/hosts and the like.
    const roots = [...new Set(files.map((f) => `.${f.split('/').slice(0, 2).join('/')}`))].join(' ');
    const elfList = (await sh(`cd ${exported} && find ${roots} -type f | sort`))
      .split('\n')
      .filter(Boolean)
      .map((f) => path.join(exported, f));
    log(`${files.length} files chosen, ${elfList.length} exported`);

    let projectOut = '';
    let exportOut = '';
    let readelfOut = '';
    const readWays = new Set<string>();
    const cli = (read: 'default' | 'export') => async () => {
      const r = await runProcess(
        process.execPath,
        [
          BENCH_CLI,
          'glibc',
          '--all',
          image,
          '--docker',
          DOCKER,
          '--json',
          ...(read === 'export' ? ['--local-read', 'export'] : []),
          '--verbose',
        ],
        { cwd: work, timeoutMs: 600_000 },
      );
      if (r.exitCode !== 0 && r.exitCode !== 1)
        throw new Error(`release-operator glibc failed (exit ${r.exitCode}): ${r.stderr}`);
      if (read === 'export') exportOut = r.stdout;
      else projectOut = r.stdout;
      // How the image was read, as the CLI says it (--verbose).
      readWays.add(`${read}: ${/ read ((?:from|through) [^\n]*)/.exec(r.stderr)?.[1] ?? '(not said)'}`);
    };
    const folder = async () => {
      const r = await runProcess(
        process.execPath,
        [BENCH_CLI, 'glibc', '--all', exported, '--max-glibc', '2.36', '--json'],
        { cwd: work, timeoutMs: 600_000 },
      );
      if (r.exitCode !== 0 && r.exitCode !== 1)
        throw new Error(`release-operator glibc on a folder failed (exit ${r.exitCode}): ${r.stderr}`);
    };
    /** Time to the first byte and to the end of a docker command's stdout, read and dropped. */
    const drain = async (args: string[], firstBytes: number[]) => {
      const started = performance.now();
      let first: number | undefined;
      const r = await runProcess(DOCKER, args, {
        timeoutMs: 600_000,
        consumeStdout: async (stdout) => {
          for await (const _ of stdout) first ??= performance.now() - started;
        },
      });
      if (r.exitCode !== 0) throw new Error(`docker ${args[0]} failed: ${r.stderr}`);
      firstBytes.push(first ?? 0);
    };
    const saveFirstBytes: number[] = [];
    const exportFirstBytes: number[] = [];
    const saveOnly = () => drain(['save', image], saveFirstBytes);
    const exportOnly = async () => {
      const c = await runProcess(DOCKER, ['create', '--label', LABEL, image, 'never-started']);
      if (c.exitCode !== 0) throw new Error(`docker create failed: ${c.stderr}`);
      const cid = c.stdout.trim();
      try {
        await drain(['export', cid], exportFirstBytes);
      } finally {
        await runProcess(DOCKER, ['rm', '-f', cid]);
      }
    };
    const loop = `cd ${exported} && find ${roots} -type f | sort | while read -r f; do echo "File: $f"; readelf -V -W "$f"; done`;
    const batched = `cd ${exported} && find ${roots} -type f -print0 | sort -z | xargs -0 readelf -V -W`;
    const samples = await measureInterleaved(
      [
        { name: SUBJECT, runs: runs(7), run: cli('default') },
        { name: VIA_EXPORT, runs: runs(5), run: cli('export') },
        { name: 'this project: glibc --all FOLDER (the exported files)', runs: runs(5), run: folder },
        {
          name: 'readelf -V, one process per file (shell loop)',
          runs: runs(5),
          run: async () => void (readelfOut = await sh(loop)),
        },
        { name: 'readelf -V, batched (xargs)', runs: runs(5), run: () => sh(batched) },
        {
          name: "docker create + export + tar -x (the peers' input, not in their rows)",
          runs: runs(5),
          run: () => sh(exportScript),
        },
        { name: EXPORT_ONLY, runs: runs(5), run: exportOnly },
        { name: SAVE_ONLY, runs: runs(3), run: saveOnly },
      ],
      (name, ms) => log(`${name}: ${ms.toFixed(0)} ms`),
    );
    const mine = parseProject(projectOut);
    const viaExport = parseProject(exportOut);
    const sameBothWays = mine.set.size === viaExport.set.size && [...mine.set].every((x) => viaExport.set.has(x));
    const theirs = parseReadelf(readelfOut);
    const onlyMine = [...mine.set].filter((x) => !theirs.has(x));
    const onlyTheirs = [...theirs].filter((x) => !mine.set.has(x));
    const med = (n: string) => summarize(samples.get(n)!).median;
    const subject = SUBJECT;
    const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const LOOP = 'readelf -V, one process per file (shell loop)';
    const loopPlusExport = med(LOOP) + med("docker create + export + tar -x (the peers' input, not in their rows)");
    return [
      renderTable({
        title: `glibc check: an image of ${elfList.length} ELF files from this machine, ${(size / 2 ** 20).toFixed(0)} MiB (runtime glibc ${mine.provided})`,
        subject,
        rows: [...samples].map(([name, s]) => ({ name, samples: s })),
        notes: [
          `Goal: faster than the readelf loop. Measured: the loop takes ${(med(LOOP) / med(subject)).toFixed(2)}x as long as this project (${(loopPlusExport / med(subject)).toFixed(2)}x with the export it needs); through docker export this project takes ${(med(VIA_EXPORT) / med(LOOP)).toFixed(2)}x the loop alone, ${(med(VIA_EXPORT) / loopPlusExport).toFixed(2)}x the loop with its export.`,
          `Same versions found: ${onlyMine.length === 0 && onlyTheirs.length === 0 ? 'yes' : 'NO'}: ${mine.set.size} (file, library, version) needs from this project over ${mine.binaries} ELF files, ${theirs.size} from readelf's version-needs sections; only this project: ${onlyMine.length}${onlyMine.length ? ` (e.g. ${onlyMine.slice(0, 3).join('; ')})` : ''}, only readelf: ${onlyTheirs.length}${onlyTheirs.length ? ` (e.g. ${onlyTheirs.slice(0, 3).join('; ')})` : ''}. Both ways of reading the image found the same: ${sameBothWays ? 'yes' : 'NO'}.`,
          `How the CLI read the image (its --verbose line): ${[...readWays].sort().join('; ')}.`,
          `Reading the engine's layer folders (the default when this process may read the engine's data root, here as root): no container, no archive; the layers come from the engine's layer records (checked against the image), whiteouts from the engine's tar-split record of each layer, and each ELF file is read only where the loader looks (header, program headers, dynamic and version tables: a few KiB of a 100 MiB library).`,
          `Through docker export (a user who may not read the engine's storage): on this ${engine} engine, create + export + rm alone, read and dropped, take ${secs(med(EXPORT_ONLY))} (the export's first byte after ${secs(summarize(exportFirstBytes).median)}); the check that way takes ${secs(med(VIA_EXPORT) - med(EXPORT_ONLY))} more than that. On the exported folder this project takes ${secs(med('this project: glibc --all FOLDER (the exported files)'))}.`,
          "This project does more than list versions: it resolves each binary's libraries the way the loader would in the image and compares against the versions those libraries define.",
        ],
      }),
    ];
  } finally {
    await runProcess(DOCKER, ['rmi', '-f', image]);
    await rm(work, { recursive: true, force: true });
  }
});
