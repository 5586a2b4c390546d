// Case 3, glibc check: a FROM-scratch image of 300 ELF files of this machine (programs from /usr/bin and the
// libraries they load, with the glibc they run on). This project: `release-operator glibc --all IMAGE` (a new
// process per run; it creates a container of the image without starting it and streams `docker export` of it
// from the pipe, the merged filesystem as one tar, each ELF file read as it passes; the container is removed).
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
const SUBJECT = 'this project: glibc --all IMAGE (docker create + export included)';
const EXPORT_ONLY = 'docker create + export + rm, read and dropped (the engine\'s part of reading the image)';
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
  const report = JSON.parse(json) as { platforms: Array<{ provided: string | null; binaries: Array<{ path: string; needs: Array<{ library: string; versions: string[]; weak: string[] }> }> }> };
  const out = new Set<string>();
  const p = report.platforms[0];
  for (const b of p.binaries) for (const n of b.needs) for (const v of [...n.versions, ...n.weak]) out.add(`${b.path} ${n.library} ${v}`);
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
    await writeFile(path.join(ctx, 'Dockerfile'), `FROM scratch\nCOPY rootfs/ /\nLABEL ${LABEL.replace('=', '="')}"\nENTRYPOINT ["/usr/bin/${path.basename(files.find((f) => f.startsWith('/usr/bin/')) ?? 'true')}"]\n`);
    const b = await runProcess(DOCKER, ['build', '-q', '-t', image, ctx], { env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 600_000 });
    if (b.exitCode !== 0) throw new Error(`docker build failed: ${b.stderr}`);
    const size = Number((await runProcess(DOCKER, ['image', 'inspect', '--format', '{{.Size}}', image])).stdout.trim());
    const engine = `Docker ${(await runProcess(DOCKER, ['version', '--format', '{{.Server.Version}}'])).stdout.trim() || '(unknown version)'}`;
    const exportScript = `rm -rf ${exported} && mkdir -p ${exported} && cid=$(${DOCKER} create ${image}) && ${DOCKER} export "$cid" | tar -x -C ${exported} && ${DOCKER} rm "$cid" > /dev/null`;
    await sh(exportScript);
    // Only the image's own files: docker export adds /.dockerenv, /etc/hosts and the like.
    const roots = [...new Set(files.map((f) => `.${f.split('/').slice(0, 2).join('/')}`))].join(' ');
    const elfList = (await sh(`cd ${exported} && find ${roots} -type f | sort`)).split('\n').filter(Boolean).map((f) => path.join(exported, f));
    log(`${files.length} files chosen, ${elfList.length} exported`);

    let projectOut = '';
    let readelfOut = '';
    const cli = async () => {
      const r = await runProcess(process.execPath, [BENCH_CLI, 'glibc', '--all', image, '--docker', DOCKER, '--json'], { cwd: work, timeoutMs: 600_000 });
      if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`release-operator glibc failed (exit ${r.exitCode}): ${r.stderr}`);
      projectOut = r.stdout;
    };
    const folder = async () => {
      const r = await runProcess(process.execPath, [BENCH_CLI, 'glibc', '--all', exported, '--max-glibc', '2.36', '--json'], { cwd: work, timeoutMs: 600_000 });
      if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`release-operator glibc on a folder failed (exit ${r.exitCode}): ${r.stderr}`);
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
        { name: SUBJECT, runs: runs(7), run: cli },
        { name: 'this project: glibc --all FOLDER (the exported files)', runs: runs(5), run: folder },
        { name: 'readelf -V, one process per file (shell loop)', runs: runs(5), run: async () => void (readelfOut = await sh(loop)) },
        { name: 'readelf -V, batched (xargs)', runs: runs(5), run: () => sh(batched) },
        { name: 'docker create + export + tar -x (the peers\' input, not in their rows)', runs: runs(5), run: () => sh(exportScript) },
        { name: EXPORT_ONLY, runs: runs(5), run: exportOnly },
        { name: SAVE_ONLY, runs: runs(3), run: saveOnly },
      ],
      (name, ms) => log(`${name}: ${ms.toFixed(0)} ms`),
    );
    const mine = parseProject(projectOut);
    const theirs = parseReadelf(readelfOut);
    const onlyMine = [...mine.set].filter((x) => !theirs.has(x));
    const onlyTheirs = [...theirs].filter((x) => !mine.set.has(x));
    const med = (n: string) => summarize(samples.get(n)!).median;
    const subject = SUBJECT;
    const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const loopPlusExport = med('readelf -V, one process per file (shell loop)') + med('docker create + export + tar -x (the peers\' input, not in their rows)');
    return [
      renderTable({
        title: `glibc check: an image of ${elfList.length} ELF files from this machine, ${(size / 2 ** 20).toFixed(0)} MiB (runtime glibc ${mine.provided})`,
        subject,
        rows: [...samples].map(([name, s]) => ({ name, samples: s })),
        notes: [
          `Goal: faster than the readelf loop. Measured: the loop takes ${(med('readelf -V, one process per file (shell loop)') / med(subject)).toFixed(2)}x as long as this project without the export, ${(loopPlusExport / med(subject)).toFixed(2)}x with it.`,
          `Same versions found: ${onlyMine.length === 0 && onlyTheirs.length === 0 ? 'yes' : 'NO'}: ${mine.set.size} (file, library, version) needs from this project over ${mine.binaries} ELF files, ${theirs.size} from readelf's version-needs sections; only this project: ${onlyMine.length}${onlyMine.length ? ` (e.g. ${onlyMine.slice(0, 3).join('; ')})` : ''}, only readelf: ${onlyTheirs.length}${onlyTheirs.length ? ` (e.g. ${onlyTheirs.slice(0, 3).join('; ')})` : ''}.`,
          `Reading the image: a container of it is created (never started) and \`docker export\` of it is streamed from the pipe: the merged filesystem as one tar (the engine has applied the whiteouts), each ELF file parsed as it passes, nothing written to disk; then the container is removed. On this ${engine} engine, create + export + rm alone, read and dropped, take ${secs(med(EXPORT_ONLY))} (the export's first byte after ${secs(summarize(exportFirstBytes).median)}); the whole check takes ${secs(med(subject) - med(EXPORT_ONLY))} more than that, and ${secs(med('this project: glibc --all FOLDER (the exported files)'))} on the exported folder.`,
          `docker save alone, read and dropped, takes ${secs(med(SAVE_ONLY))} (first byte after ${secs(summarize(saveFirstBytes).median)}${summarize(saveFirstBytes).median > med(SAVE_ONLY) / 2 ? ': this engine puts most of the archive together before it sends any of it' : ''}): the way this project read local images before, and still does when the engine will not create a container of the image.`,
          'This project does more than list versions: it resolves each binary\'s libraries the way the loader would in the image and compares against the versions those libraries define.',
        ],
      }),
    ];
  } finally {
    await runProcess(DOCKER, ['rmi', '-f', image]);
    await rm(work, { recursive: true, force: true });
  }
});
