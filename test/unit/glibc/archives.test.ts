import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { walkArchive } from '../../../src/core/archive';
import type { ReleaseOperatorError } from '../../../src/core/errors';
import { checkArchive, checkGlibc, examinedCount } from '../../../src/core/glibc';
import { runProcess } from '../../../src/core/process/run';
import { compress, tarOf, zipOf, type TarEntry } from '../../helpers/archives';
import { FOREIGN, TRIXIE, fixtureFile, readelfVersions } from '../../helpers/elf-fixtures';
import { ARTIFACTS } from '../../helpers/paths';

const deps = { runner: runProcess, dockerPath: 'docker' };
const DIR = path.join(ARTIFACTS, 'glibc', `archives-${process.pid}`);
const TRIXIE_WC = () => fixtureFile(`${TRIXIE}/coreutils_amd64/usr/bin/wc`);
const TRIXIE_SO = () => fixtureFile(`${TRIXIE}/coreutils_amd64/usr/libexec/coreutils/libstdbuf.so`);
const ARM64_LS = () => fixtureFile(`${FOREIGN}/coreutils_arm64/bin/ls`);

function write(name: string, bytes: Buffer | string): string {
  const p = path.join(DIR, name);
  writeFileSync(p, bytes);
  return p;
}

const release = (): TarEntry[] => [
  { name: 'tool-1.0/', type: 'directory' },
  { name: 'tool-1.0/bin/tool', file: TRIXIE_WC(), mode: 0o755 },
  { name: 'tool-1.0/README.md', data: '# tool\n' },
  { name: 'tool-1.0/bin/tool-link', type: 'symlink', linkname: 'tool' },
];

describe('glibc: release archives, streamed member by member', function () {
  // Real compressors and real binaries on a shared 2-core machine: seconds, not milliseconds, under load.
  this.timeout(120_000);
  before(() => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
  });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it('a tar.gz with a trixie binary fails el8 and bookworm and passes trixie; members are named ARCHIVE!path', async () => {
    const file = write('tool-1.0-x86_64-linux.tar.gz', compress(await tarOf(release()), 'gzip'));
    for (const policy of ['el8', 'bookworm']) {
      const r = await checkGlibc({ target: file, policy }, deps);
      assert.equal(r.ok, false, policy);
      const bin = r.platforms[0].binaries[0];
      assert.equal(bin.path, `${file}!tool-1.0/bin/tool`);
      assert.equal(r.platforms[0].platform, 'linux/amd64');
      assert.equal(bin.required, '2.38');
      assert.ok(bin.missing.some((m) => m.version === 'GLIBC_2.38'));
    }
    const ok = await checkGlibc({ target: file, policy: 'trixie' }, deps);
    assert.equal(ok.ok, true);
    assert.equal(examinedCount(ok), 1);
    assert.deepEqual(
      { kind: ok.archive?.kind, entries: ok.archive?.entries, elf: ok.archive?.elfFiles },
      { kind: 'tar.gz', entries: 4, elf: 1 },
    );
  });

  it('reads plain tar, tar.xz, tar.zst, zip and one gzip/xz/zstd-compressed binary alike', async () => {
    const tar = await tarOf(release());
    const files = {
      tar: write('a.tar', tar),
      'tar.xz': write('a.tar.xz', compress(tar, 'xz')),
      'tar.zst': write('a.tar.zst', compress(tar, 'zstd')),
      zip: write('a.zip', zipOf(release().filter((e) => e.type === undefined))),
      gz: write('tool-linux-amd64.gz', compress(readFileSync(TRIXIE_WC()), 'gzip')),
      xz: write('tool-linux-amd64.xz', compress(readFileSync(TRIXIE_WC()), 'xz')),
      zst: write('tool-linux-amd64.zst', compress(readFileSync(TRIXIE_WC()), 'zstd')),
    };
    for (const [kind, file] of Object.entries(files)) {
      const r = await checkArchive(file, { target: { glibc: '2.36', source: 'policy bookworm (glibc 2.36)' } });
      assert.equal(r.archive.kind, kind);
      assert.equal(r.archive.elfFiles, 1, kind);
      const bin = r.platforms[0].binaries[0];
      assert.equal(bin.required, '2.38', kind);
      assert.equal(bin.ok, false, kind);
    }
    // One compressed file is a member named after the archive.
    const one = await checkArchive(files.gz);
    assert.equal(one.platforms[0].binaries[0].path, 'tool-linux-amd64.gz!tool-linux-amd64');
  });

  it('the ELF tables read from a stream equal readelf, in memory and when spilled to a temporary file', async () => {
    const big = fixtureFile(`${TRIXIE}/bash_amd64/usr/bin/bash`);
    const file = write('bash.tar.zst', compress(await tarOf([{ name: 'bin/bash', file: big }]), 'zstd'));
    const oracle = readelfVersions(big)
      .needs.flatMap((n) => n.versions.map((v) => `${n.file}:${v.name}`))
      .sort();
    for (const memoryBytes of [undefined, 64 * 1024]) {
      const r = await checkArchive(file, { memoryBytes });
      const needs = r.platforms[0].binaries[0].needs.flatMap((n) => n.versions.map((v) => `${n.library}:${v}`)).sort();
      assert.deepEqual(needs, oracle, `memoryBytes ${memoryBytes}`);
    }
  });

  it('a wheel is read; its manylinux tag is the target when none is given, and a binary beyond it is an error', async () => {
    const entries = (so: string): TarEntry[] => [
      { name: 'fastthing/__init__.py', data: 'from ._native import *\n' },
      { name: 'fastthing/_native.cpython-312-x86_64-linux-gnu.so', file: so },
      { name: 'fastthing-1.0.dist-info/WHEEL', data: 'Wheel-Version: 1.0\nTag: cp312-cp312-manylinux_2_28_x86_64\n' },
    ];
    const tag = 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64';
    const lying = write(`fastthing-1.0-${tag}.whl`, zipOf(entries(TRIXIE_SO())));
    const r = await checkGlibc({ target: lying }, deps);
    assert.equal(r.archive?.kind, 'zip');
    assert.equal(r.archive?.wheel?.os, 'linux-glibc');
    assert.equal(r.platforms[0].target?.glibc, '2.17');
    assert.match(r.platforms[0].target?.source ?? '', /wheel tag .*manylinux_2_17_x86_64/);
    assert.equal(r.ok, false);
    // With a policy that the binary meets, the wheel still breaks its own promise.
    const withPolicy = await checkGlibc({ target: lying, policy: 'trixie' }, deps);
    const bin = withPolicy.platforms[0].binaries[0];
    assert.ok(bin.findings.some((f) => f.code === 'exceeds-tag'));
    assert.equal(withPolicy.ok, false);
    // A wheel whose library needs no more than its tag passes on its own.
    const honest = write(
      `fastthing-1.0-${tag}.whl`.replace('fastthing', 'okthing'),
      zipOf(entries('/usr/lib/x86_64-linux-gnu/libz.so.1')),
    );
    const good = await checkGlibc({ target: honest }, deps);
    assert.equal(good.ok, true);
    assert.equal(examinedCount(good), 1);
  });

  it('an npm package tarball with a prebuilt addon is read: the .node file is the binary', async () => {
    const tgz = compress(
      await tarOf([
        { name: 'package/package.json', data: '{"name":"fast-addon","version":"1.0.0"}' },
        { name: 'package/index.js', data: "module.exports = require('./prebuilds/linux-x64/fast.node');\n" },
        { name: 'package/prebuilds/linux-x64/fast.node', file: TRIXIE_SO() },
        { name: 'package/prebuilds/linux-arm64/fast.node', file: ARM64_LS() },
      ]),
      'gzip',
    );
    const file = write('fast-addon-1.0.0.tgz', tgz);
    const r = await checkGlibc({ target: file, policy: 'bookworm' }, deps);
    assert.deepEqual(r.platforms.map((p) => p.platform).sort(), ['linux/amd64', 'linux/arm64']);
    const amd = r.platforms.find((p) => p.platform === 'linux/amd64')!;
    assert.equal(amd.binaries[0].path, `${file}!package/prebuilds/linux-x64/fast.node`);
    assert.equal(amd.ok, false);
    assert.equal(r.platforms.find((p) => p.platform === 'linux/arm64')!.ok, true);
  });

  it('an archive without ELF files is nothing checked; a file that is neither ELF, folder, archive nor image is a usage error', async () => {
    const docs = write('docs.tar.gz', compress(await tarOf([{ name: 'README.md', data: 'hello' }]), 'gzip'));
    const r = await checkGlibc({ target: docs, policy: 'el8' }, deps);
    assert.equal(examinedCount(r), 0);
    const text = write('SHA256SUMS', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  tool.tar.gz\n');
    await assert.rejects(checkGlibc({ target: text, policy: 'el8' }, deps), (e: ReleaseOperatorError) => {
      assert.equal(e.kind, 'usage');
      assert.match(e.message, /neither an ELF file nor an archive/);
      assert.match(e.hint ?? '', /\.tar\.gz/);
      return true;
    });
    const bz = write('x.tar.bz2', Buffer.from('BZh91AY&SY'));
    await assert.rejects(
      checkGlibc({ target: bz }, deps),
      (e: ReleaseOperatorError) => e.kind === 'usage' && /bzip2/.test(e.message),
    );
    const gzText = write(
      'notes.txt.gz',
      compress(Buffer.from('plain text, not a tar and not a binary '.repeat(30)), 'gzip'),
    );
    await assert.rejects(
      checkGlibc({ target: gzText }, deps),
      (e: ReleaseOperatorError) => e.kind === 'usage' && /neither a tar archive nor an ELF file/.test(e.message),
    );
  });

  /** The CLI as a new user runs it: its exit code and what it printed. */
  async function cli(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [...args, '--cwd', DIR],
      { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { PATH: process.env.PATH } },
      new AbortController().signal,
    );
    return { code, stdout, stderr };
  }

  it('CLI: a folder with no ELF file is nothing checked (exit 1), never a pass', async () => {
    const folder = path.join(DIR, 'no-elf');
    mkdirSync(path.join(folder, 'docs'), { recursive: true });
    writeFileSync(path.join(folder, 'README.md'), '# tool\n');
    writeFileSync(path.join(folder, 'docs', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const r = await cli('glibc', folder, '--policy', 'el8');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /nothing checked/i);
    assert.doesNotMatch(r.stdout, /\bOK\b/, 'no line of it reads as a pass');
    const json = await cli('glibc', folder, '--policy', 'el8', '--json');
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { verdict: string }).verdict, 'nothing-checked');
  });

  it('CLI: a file that is neither ELF, folder, archive nor image is a usage error (exit 2) saying what was expected', async () => {
    const notes = write('NOTES.txt', 'release notes, not a binary\n');
    const r = await cli('glibc', notes, '--policy', 'el8');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /neither an ELF file nor an archive/);
    assert.match(r.stderr, /\.tar\.gz/, 'the hint names what it takes');
    assert.doesNotMatch(r.stdout + r.stderr, /DRIFT|\n\s+at /, 'no drift verdict, no stack trace');
  });

  it('a truncated or corrupted archive is a check error naming it; the xz decoder is free again afterwards', async () => {
    const xz = compress(await tarOf(release()), 'xz');
    const cut = write('cut.tar.xz', xz.subarray(0, Math.floor(xz.length / 2)));
    await assert.rejects(
      checkArchive(cut),
      (e: ReleaseOperatorError) => e.kind === 'check' && /cut\.tar\.xz/.test(e.message),
    );
    // xz-decompress decodes one stream at a time: the broken one must have let go of it.
    const whole = write('whole.tar.xz', xz);
    assert.equal((await checkArchive(whole)).archive.elfFiles, 1);
    const gz = compress(await tarOf(release()), 'gzip');
    const bad = Buffer.from(gz);
    bad.fill(0x55, 40, 400);
    await assert.rejects(
      checkArchive(write('bad.tar.gz', bad)),
      (e: ReleaseOperatorError) => e.kind === 'check' && /bad\.tar\.gz/.test(e.message),
    );
  });

  it('a gzip that breaks at its start while the file is still being read: a check error, and nothing else thrown', async () => {
    // 4 MiB, so the file's stream still has reads pending when the decoder fails at byte 40. The stream used to be
    // torn down without an error listener: an uncaught 'Premature close' (mocha fails the test that is running).
    const noise = Buffer.alloc(4 << 20);
    for (let i = 0, x = 1; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24; // no entropy needed
    const big = compress(noise, 'gzip');
    big.fill(0x55, 40, 400);
    const file = write('early-break.tar.gz', big);
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        checkArchive(file),
        (e: ReleaseOperatorError) => e.kind === 'check' && /early-break\.tar\.gz/.test(e.message),
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  });

  it('member paths are names only: ../ and absolute paths are clamped inside the archive', async () => {
    const file = write(
      'evil.tar',
      await tarOf([
        { name: '../../etc/tool', file: TRIXIE_WC() },
        { name: '/abs/tool', file: TRIXIE_WC() },
      ]),
    );
    const seen: string[] = [];
    await walkArchive(file, { visit: async (m) => void seen.push(m.path) });
    assert.deepEqual(seen, ['etc/tool', 'abs/tool']);
  });
});
