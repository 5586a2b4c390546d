import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkGlibc, policyGlibc, resolveTarget } from '../../../src/core/glibc';
import { baseVerdict } from '../../../src/core/glibc/verdict';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { runProcess } from '../../../src/core/process/run';
import { FOREIGN, TRIXIE, fixtureFile } from '../../helpers/elf-fixtures';
import { ARTIFACTS } from '../../helpers/paths';

const deps = { runner: runProcess, dockerPath: 'docker' };

describe('glibc targets and files on their own', () => {
  it('knows the policies of common bases and manylinux', () => {
    assert.deepEqual(
      [
        'manylinux_2_28',
        'bullseye',
        'bookworm',
        'trixie',
        'ubuntu-22.04',
        'ubuntu24.04',
        'el8',
        'el9',
        'rhel9',
        'manylinux2014',
      ].map(policyGlibc),
      ['2.28', '2.31', '2.36', '2.41', '2.35', '2.39', '2.28', '2.34', '2.34', '2.17'],
    );
    assert.throws(
      () => resolveTarget(undefined, 'windows-95'),
      (e: ReleaseOperatorError) => e.kind === 'usage' && /windows-95/.test(e.message),
    );
    assert.throws(
      () => resolveTarget('two.x'),
      (e: ReleaseOperatorError) => e.kind === 'usage',
    );
    assert.throws(
      () => resolveTarget('2.36', 'bookworm'),
      (e: ReleaseOperatorError) => e.kind === 'usage',
    );
  });

  it('a trixie binary exceeds bookworm (2.36) but fits trixie (2.41)', async () => {
    const wc = fixtureFile(`${TRIXIE}/coreutils_amd64/usr/bin/wc`);
    const bad = await checkGlibc({ target: wc, policy: 'bookworm' }, deps);
    assert.equal(bad.ok, false);
    assert.equal(bad.platforms[0].platform, 'linux/amd64');
    assert.equal(bad.platforms[0].required, '2.38');
    assert.deepEqual(
      bad.platforms[0].binaries[0].missing.map((m) => m.version),
      ['GLIBC_2.38'],
    );
    const good = await checkGlibc({ target: wc, maxGlibc: '2.41' }, deps);
    assert.equal(good.ok, true);
  });

  it('a folder of mixed architectures is grouped per platform; --platform marks strangers', async () => {
    const dir = path.join(ARTIFACTS, 'glibc', 'mixed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'ls-arm64'), readFileSync(fixtureFile(`${FOREIGN}/coreutils_arm64/bin/ls`)));
    writeFileSync(path.join(dir, 'busybox-s390x'), readFileSync(fixtureFile(`${FOREIGN}/busybox_s390x/bin/busybox`)));
    writeFileSync(path.join(dir, 'README'), 'not an ELF file');
    const r = await checkGlibc({ target: dir, policy: 'bookworm' }, deps);
    assert.deepEqual(r.platforms.map((p) => p.platform).sort(), ['linux/arm64', 'linux/s390x']);
    assert.equal(r.ok, true);
    const only = await checkGlibc({ target: dir, policy: 'bookworm', platforms: ['linux/arm64'] }, deps);
    const s390 = only.platforms.flatMap((p) => p.binaries).find((b) => b.path.endsWith('busybox-s390x'))!;
    assert.ok(s390.findings.some((f) => f.code === 'wrong-architecture'));
    assert.equal(only.ok, false);
  });

  it('a file that is not ELF, or is truncated, is an error naming it; a missing path is a usage error', async () => {
    const dir = path.join(ARTIFACTS, 'glibc');
    mkdirSync(dir, { recursive: true });
    const trunc = path.join(dir, 'wc-truncated');
    writeFileSync(trunc, readFileSync('/usr/bin/wc').subarray(0, 3000));
    const r = await checkGlibc({ target: trunc, maxGlibc: '2.36' }, deps);
    assert.equal(r.ok, false);
    assert.match(r.platforms[0].binaries[0].findings[0].message, new RegExp(`^${trunc}: `));
    await assert.rejects(
      checkGlibc({ target: '/nonexistent/file', maxGlibc: '2.36' }, deps),
      (e: ReleaseOperatorError) => e.kind === 'usage',
    );
  });
  it('a link given by name is followed once: to a folder its files, to a file that file, to a FIFO a usage error (no hang)', async () => {
    const dir = path.join(ARTIFACTS, 'glibc', `links-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, 'real'), { recursive: true });
    writeFileSync(path.join(dir, 'real', 'wc'), readFileSync('/usr/bin/wc'));
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'folder-link'));
    symlinkSync(path.join(dir, 'real', 'wc'), path.join(dir, 'file-link'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    symlinkSync(path.join(dir, 'fifo'), path.join(dir, 'fifo-link'));
    const folder = await checkGlibc({ target: path.join(dir, 'folder-link'), maxGlibc: '2.36' }, deps);
    assert.deepEqual(
      folder.platforms.flatMap((p) => p.binaries.map((b) => b.path)),
      [path.join(dir, 'folder-link', 'wc')],
    );
    const file = await checkGlibc({ target: path.join(dir, 'file-link'), maxGlibc: '2.36' }, deps);
    assert.deepEqual(
      file.platforms.flatMap((p) => p.binaries.map((b) => b.path)),
      [path.join(dir, 'file-link')],
    );
    // A FIFO named on the command line is a mistake said at once (usage), never opened and never a pass.
    await assert.rejects(checkGlibc({ target: path.join(dir, 'fifo-link'), maxGlibc: '2.36' }, deps), (e: Error) => {
      assert.ok(e instanceof ReleaseOperatorError && e.kind === 'usage', String(e));
      assert.match(e.message, /fifo-link is a FIFO \(named pipe\), not a regular file or a folder/);
      return true;
    });
    // Inside a folder, links are not followed (a folder's scan stays in it).
    const all = await checkGlibc({ target: dir, maxGlibc: '2.36' }, deps);
    assert.deepEqual(
      all.platforms.flatMap((p) => p.binaries.map((b) => b.path)),
      [path.join(dir, 'real', 'wc')],
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('glibc verdicts on crafted tables', () => {
  it('a version listed twice (or a library listed twice) is said once', () => {
    const need = (file: string, names: string[]) => ({
      file,
      versions: names.map((name) => ({ name, hash: 0, flags: 0, weak: false })),
    });
    const elf = {
      class: 64,
      arch: 'amd64',
      machine: 62,
      machineName: 'x86-64',
      type: 'dyn',
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libc.so.6'],
      rpath: [],
      runpath: [],
      versionNeeds: [need('libc.so.6', ['GLIBC_2.38', 'GLIBC_2.38', 'GLIBC_2.2.5']), need('libc.so.6', ['GLIBC_2.38'])],
      versionDefinitions: [],
    } as unknown as Parameters<typeof baseVerdict>[1];
    const r = baseVerdict('/app', elf, 'amd64', resolveTarget('2.36', undefined));
    assert.deepEqual(
      r.findings.filter((f) => f.code === 'exceeds-target').map((f) => f.message),
      ['/app needs GLIBC_2.38 from libc.so.6, newer than --max-glibc 2.36'],
    );
    assert.deepEqual(r.needs, [{ library: 'libc.so.6', versions: ['GLIBC_2.38', 'GLIBC_2.2.5'], weak: [] }]);
  });
});
