import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkImageFs, type PlatformResult } from '../../../src/core/glibc';
import { ImageFs, applyLayer } from '../../../src/core/image';
import type { ImageConfig } from '../../../src/core/registry';
import { CACHE, FOREIGN, TRIXIE, fixtureFile } from '../../helpers/elf-fixtures';
import { bookwormRuntime, layerStream, tarOf, type LayerEntry } from '../../helpers/image-layers';
import { ARTIFACTS } from '../../helpers/paths';

const TRIXIE_WC = `${TRIXIE}/coreutils_amd64/usr/bin/wc`; // needs GLIBC_2.38
const TRIXIE_LIB = `${TRIXIE}/libc6_amd64/usr/lib/x86_64-linux-gnu`;

async function imageOf(...layers: LayerEntry[][]): Promise<ImageFs> {
  const fs = new ImageFs();
  for (const [i, l] of layers.entries()) await applyLayer(fs, layerStream(await tarOf(l)), i, `layer ${i}`);
  return fs;
}

function check(
  fs: ImageFs,
  opts: { config?: ImageConfig; paths?: string[]; all?: boolean; platform?: string } = {},
): Promise<PlatformResult> {
  return checkImageFs({
    fs,
    platform: opts.platform ?? 'linux/amd64',
    source: 'test',
    config: opts.config,
    paths: opts.paths ?? ['/usr/local/bin', '/app'],
    all: opts.all,
  });
}
const codes = (r: PlatformResult) =>
  r.binaries.flatMap((b) => b.findings.map((f) => `${b.path} ${f.severity} ${f.code}`));

describe('glibc check over an image filesystem (real ELF files in real tar layers)', () => {
  before(() =>
    [
      TRIXIE_WC,
      `${TRIXIE_LIB}/libc.so.6`,
      `${CACHE}/musl/root/lib/ld-musl-x86_64.so.1`,
      `${FOREIGN}/coreutils_arm64/bin/ls`,
    ].forEach(fixtureFile),
  );

  it('a trixie binary in a bookworm runtime drifts: needs GLIBC_2.38 from libc.so.6, the runtime has 2.36', async () => {
    const r = await check(await imageOf(bookwormRuntime(), [{ path: '/usr/local/bin/app', from: TRIXIE_WC }]));
    assert.equal(r.ok, false);
    assert.equal(r.provided, '2.36');
    assert.equal(r.libc, 'glibc');
    assert.equal(r.required, '2.38');
    const app = r.binaries.find((b) => b.path === '/usr/local/bin/app')!;
    assert.deepEqual(app.missing, [
      { library: 'libc.so.6', version: 'GLIBC_2.38', neededBy: '/usr/local/bin/app', weak: false },
    ]);
    assert.equal(app.needs.find((n) => n.library === 'libc.so.6')!.resolved, '/usr/lib/x86_64-linux-gnu/libc.so.6');
  });

  it('the bookworm twin of the same program passes', async () => {
    const r = await check(await imageOf(bookwormRuntime(), [{ path: '/usr/local/bin/app', from: '/usr/bin/wc' }]));
    assert.equal(r.ok, true, JSON.stringify(codes(r)));
    assert.equal(r.provided, '2.36');
    assert.ok(r.required && r.required <= '2.36');
  });

  it('the trixie binary passes on a trixie runtime (glibc 2.41)', async () => {
    const trixie: LayerEntry[] = [
      { path: '/lib', symlink: 'usr/lib' },
      { path: '/lib64', symlink: 'usr/lib64' },
      { path: '/usr/lib/x86_64-linux-gnu/libc.so.6', from: `${TRIXIE_LIB}/libc.so.6` },
      { path: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', from: `${TRIXIE_LIB}/ld-linux-x86-64.so.2` },
      { path: '/usr/lib64/ld-linux-x86-64.so.2', symlink: '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
      { path: '/usr/local/bin/app', from: TRIXIE_WC },
    ];
    const r = await check(await imageOf(trixie));
    assert.equal(r.provided, '2.41');
    assert.equal(r.ok, true, JSON.stringify(codes(r)));
  });

  it('a whiteout in a later layer removes the drifting binary; an opaque folder hides a lower layer', async () => {
    const lower = [...bookwormRuntime(), { path: '/usr/local/bin/app', from: TRIXIE_WC }];
    const wh = await check(
      await imageOf(lower, [
        { path: '/usr/local/bin/.wh.app', text: '' },
        { path: '/usr/local/bin/good', from: '/usr/bin/wc' },
      ]),
    );
    assert.deepEqual(
      wh.binaries.map((b) => b.path),
      ['/usr/local/bin/good'],
    );
    assert.equal(wh.ok, true);
    const opq = await check(
      await imageOf(lower, [
        { path: '/usr/local/bin/.wh..wh..opq', text: '' },
        { path: '/usr/local/bin/other', from: '/usr/bin/wc' },
      ]),
    );
    assert.deepEqual(
      opq.binaries.map((b) => b.path),
      ['/usr/local/bin/other'],
    );
    // The marker may come after its own layer's files: it still hides only the lower layers.
    const late = await check(
      await imageOf(lower, [
        { path: '/usr/local/bin/other', from: '/usr/bin/wc' },
        { path: '/usr/local/bin/.wh..wh..opq', text: '' },
      ]),
    );
    assert.deepEqual(
      late.binaries.map((b) => b.path),
      ['/usr/local/bin/other'],
    );
    // Whiteout of the runtime's libc: the binary now lacks its library.
    const nolibc = await check(
      await imageOf(bookwormRuntime(), [
        { path: '/usr/lib/x86_64-linux-gnu/.wh.libc.so.6', text: '' },
        { path: '/app/good', from: '/usr/bin/wc' },
      ]),
    );
    assert.ok(codes(nolibc).includes('/app/good error missing-library'), JSON.stringify(codes(nolibc)));
  });

  it('a later layer replacing a file is what gets checked (layers apply in order)', async () => {
    const r = await check(
      await imageOf(
        bookwormRuntime(),
        [{ path: '/app/tool', from: TRIXIE_WC }],
        [{ path: '/app/tool', from: '/usr/bin/wc' }],
      ),
    );
    assert.equal(r.ok, true);
  });

  it('follows the entrypoint through PATH and symlinks that try to leave the root', async () => {
    const fs = await imageOf(bookwormRuntime(), [
      { path: '/opt/bin/real', from: TRIXIE_WC },
      { path: '/usr/bin/tool', symlink: '../../../../../../opt/bin/real' },
      { path: '/loop/a', symlink: 'b' },
      { path: '/loop/b', symlink: 'a' },
    ]);
    assert.equal(fs.resolve('/usr/bin/tool')!.path, '/opt/bin/real');
    assert.equal(fs.resolve('/loop/a'), undefined, 'a symlink loop ends instead of hanging');
    const r = await check(fs, {
      paths: [],
      config: { config: { Entrypoint: ['tool'], Env: ['PATH=/usr/local/bin:/usr/bin'] } },
    });
    assert.deepEqual(
      r.binaries.map((b) => b.path),
      ['/opt/bin/real'],
    );
    assert.equal(r.ok, false);
  });

  it('a script entrypoint is followed to its interpreter; a static interpreter passes with a note', async () => {
    const fs = await imageOf(bookwormRuntime(), [
      { path: '/bin/sh', from: '/bin/busybox' },
      { path: '/entry.sh', text: '#!/bin/sh\nexec wc "$@"\n' },
    ]);
    const r = await check(fs, { paths: [], config: { config: { Entrypoint: ['/entry.sh'] } } });
    assert.deepEqual(
      r.binaries.map((b) => [b.path, b.kind]),
      [['/bin/sh', 'static']],
    );
    assert.ok(r.binaries[0].findings.some((f) => f.code === 'static' && f.severity === 'note'));
    assert.equal(r.ok, true);
  });

  it('a missing entrypoint, loader or library is reported as such', async () => {
    const noEntry = await check(await imageOf(bookwormRuntime()), {
      paths: [],
      config: { config: { Cmd: ['/usr/local/bin/nope'] } },
    });
    assert.ok(noEntry.findings.some((f) => f.code === 'missing-entrypoint'));
    assert.equal(noEntry.ok, false);
    const runtimeNoLoader = bookwormRuntime().filter((e) => !e.path.includes('ld-linux'));
    const noLoader = await check(await imageOf(runtimeNoLoader, [{ path: '/app/good', from: '/usr/bin/wc' }]));
    assert.ok(codes(noLoader).includes('/app/good error missing-loader'), JSON.stringify(codes(noLoader)));
    const noLib = await check(await imageOf(bookwormRuntime(), [{ path: '/app/ls', from: '/bin/ls' }]));
    assert.ok(
      noLib.binaries[0].findings.some((f) => f.code === 'missing-library' && /libselinux\.so\.1/.test(f.message)),
    );
  });

  it('finds libraries through ld.so.conf.d and checks their own needs (libselinux -> libpcre2)', async () => {
    const conf: LayerEntry[] = [
      { path: '/etc/ld.so.conf.d/opt.conf', text: '/opt/lib\n' },
      { path: '/opt/lib/libselinux.so.1', from: '/lib/x86_64-linux-gnu/libselinux.so.1' },
      { path: '/opt/lib/libpcre2-8.so.0', from: '/lib/x86_64-linux-gnu/libpcre2-8.so.0' },
      { path: '/app/ls', from: '/bin/ls' },
    ];
    const r = await check(await imageOf(bookwormRuntime(), conf));
    assert.equal(r.ok, true, JSON.stringify(codes(r)));
    assert.equal(
      r.binaries[0].needs.find((n) => n.library === 'libselinux.so.1')!.resolved,
      '/opt/lib/libselinux.so.1',
    );
  });

  it('a glibc binary in a musl image is named as that', async () => {
    const musl: LayerEntry[] = [
      { path: '/lib/x86_64-linux-musl/libc.so', from: `${CACHE}/musl/root/lib/x86_64-linux-musl/libc.so` },
      { path: '/lib/ld-musl-x86_64.so.1', symlink: 'x86_64-linux-musl/libc.so' },
      { path: '/app/wc', from: '/usr/bin/wc' },
    ];
    const r = await check(await imageOf(musl));
    assert.equal(r.libc, 'musl');
    const f = r.binaries[0].findings.find((x) => x.code === 'libc-mismatch');
    assert.ok(f && /glibc binary in a musl image/.test(f.message), JSON.stringify(codes(r)));
    assert.equal(r.ok, false);
  });

  it('a binary of another architecture is reported as wrong architecture', async () => {
    const r = await check(
      await imageOf(bookwormRuntime(), [{ path: '/app/ls', from: `${FOREIGN}/coreutils_arm64/bin/ls` }]),
    );
    const f = r.binaries[0].findings.find((x) => x.code === 'wrong-architecture');
    assert.ok(f && /AArch64/.test(f.message) && /not amd64/.test(f.message));
  });

  it('GLIBC_PRIVATE in an application is an error, in glibc itself it is not', async () => {
    const r = await check(
      await imageOf(bookwormRuntime(), [{ path: '/usr/local/bin/mytool', from: '/usr/bin/getent' }]),
      {
        all: true,
      },
    );
    const byPath = new Map(r.binaries.map((b) => [b.path, b]));
    assert.ok(
      byPath.get('/usr/local/bin/mytool')!.findings.some((f) => f.code === 'glibc-private' && f.severity === 'error'),
    );
    assert.ok(
      byPath.get('/usr/lib/x86_64-linux-gnu/libc.so.6')!.ok,
      'libc.so.6 needs GLIBC_PRIVATE from ld.so legitimately',
    );
  });

  it('a weak version need that the runtime lacks is a warning, not drift', async () => {
    // A real trixie binary whose GLIBC_2.38 need carries VER_FLG_WEAK (set in a copy; readelf confirms it).
    const dir = path.join(ARTIFACTS, 'glibc');
    mkdirSync(dir, { recursive: true });
    const dest = path.join(dir, 'wc-weak');
    const out = execFileSync('readelf', ['-V', '--wide', TRIXIE_WC], { encoding: 'utf8' });
    const section = /Version needs section[^\n]*\n\s*Addr: \S+\s+Offset: (0x[0-9a-f]+)/.exec(out)!;
    const aux = new RegExp(`\\n\\s*(0x[0-9a-f]+):\\s+Name: GLIBC_2\\.38\\s+Flags: none`).exec(out)!;
    const b = Buffer.from(readFileSync(TRIXIE_WC));
    b.writeUInt16LE(0x2, parseInt(section[1], 16) + parseInt(aux[1], 16) + 4);
    writeFileSync(dest, b);
    assert.match(
      execFileSync('readelf', ['-V', '--wide', dest], { encoding: 'utf8' }),
      /Name: GLIBC_2\.38\s+Flags: WEAK/,
    );
    const r = await check(await imageOf(bookwormRuntime(), [{ path: '/app/wc', from: dest }]));
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.binaries[0].findings.map((f) => [f.severity, f.code]),
      [['warning', 'weak-version']],
    );
  });

  it('object files are not programs: --all leaves them out', async () => {
    const r = await check(
      await imageOf(bookwormRuntime(), [
        { path: '/usr/lib/x86_64-linux-gnu/crt1.o', from: fixtureFile('/usr/lib/x86_64-linux-gnu/crt1.o') },
      ]),
      { all: true },
    );
    assert.deepEqual(
      r.binaries.map((b) => b.path),
      ['/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', '/usr/lib/x86_64-linux-gnu/libc.so.6'],
    );
  });

  it('an unreadable (truncated) ELF file in the image is an error that names it', async () => {
    const dir = path.join(ARTIFACTS, 'glibc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'trunc'), readFileSync('/usr/bin/wc').subarray(0, 2000));
    const r = await check(await imageOf(bookwormRuntime(), [{ path: '/app/broken', from: path.join(dir, 'trunc') }]));
    assert.equal(r.binaries[0].kind, 'unreadable');
    assert.match(r.binaries[0].findings[0].message, /^\/app\/broken: /);
    assert.equal(r.ok, false);
  });
});
