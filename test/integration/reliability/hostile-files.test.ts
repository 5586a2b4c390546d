import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MEMORY_BOUND_MIB, hasControlCodes, runCliProcess, type CliProcessOptions } from '../../helpers/cli-process';
import { recordFigure } from '../../helpers/figures';

/**
 * Crafted files against the CLI in a process of its own: files the user cannot read (the tests run as root, so the
 * CLI runs as `nobody` for those), FIFOs where files belong, links out of the repository, keys that name
 * Object.prototype, more files than the limit. Nothing unreadable passes, nothing hangs.
 */
const NOBODY = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
const NOGROUP = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());

describe('reliability: crafted files (the CLI in a process of its own)', function () {
  this.timeout(60_000);
  let root: string;
  const figures: Array<{ name: string; code: number | null; ms: number; maxRssMiB?: number }> = [];

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ro-hostile-files-'));
    chmodSync(root, 0o755);
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    for (const f of figures)
      recordFigure('hostile', `files: ${f.name}`, { exit: f.code ?? -1, ms: f.ms, maxRssMiB: f.maxRssMiB ?? -1 });
  });

  /** A fresh folder owned by nobody (so nobody can work in it), outside any repository. */
  function folder(): string {
    const d = mkdtempSync(path.join(root, 'case-'));
    chmodSync(d, 0o755);
    return d;
  }
  const giveToNobody = (p: string) => execFileSync('chown', ['-R', `${NOBODY}:${NOGROUP}`, p]);

  async function cli(name: string, args: string[], o: CliProcessOptions = {}) {
    const r = await runCliProcess(args, { timeoutMs: 30_000, ...o });
    figures.push({ name, code: r.code, ms: r.ms, maxRssMiB: r.maxRssMiB });
    assert.equal(r.timedOut, false, `${name}: hung\n${r.stderr}`);
    assert.ok(r.maxRssMiB !== undefined && r.maxRssMiB < MEMORY_BOUND_MIB, `${name}: peak memory ${r.maxRssMiB} MiB`);
    assert.ok(!hasControlCodes(r.stdout + r.stderr), `${name}: a control code reached the output`);
    assert.doesNotMatch(r.stderr, /\n\s+at |This is a bug/, `${name}: ${r.stderr}`);
    return r;
  }

  /** A folder of real bookworm programs (no drift against 2.36), one of them made unreadable to nobody. */
  function binaries(): { dir: string; secret: string } {
    const dir = folder();
    for (const b of ['true', 'false', 'wc']) copyFileSync(`/usr/bin/${b}`, path.join(dir, b));
    const secret = path.join(dir, 'wc');
    giveToNobody(dir);
    chownSync(secret, 0, 0);
    chmodSync(secret, 0o000);
    return { dir, secret };
  }

  it('glibc on a folder with a file it cannot read: an environment fault naming it (exit 3), never "no drift"', async () => {
    const { dir, secret } = binaries();
    const asRoot = await cli('glibc folder, readable (root)', ['glibc', dir, '--max-glibc', '2.36']);
    assert.equal(asRoot.code, 0, asRoot.stdout + asRoot.stderr);
    assert.match(asRoot.stdout, /glibc: no drift\./);
    const r = await cli('glibc folder with an unreadable file (nobody)', ['glibc', dir, '--max-glibc', '2.36'], {
      user: 'nobody',
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`could not read 1 file or folder:\\n  ${secret}  \\(EACCES\\)`));
    assert.doesNotMatch(r.stdout, /no drift/);
    const json = await cli(
      'glibc folder with an unreadable file (nobody, json)',
      ['glibc', dir, '--max-glibc', '2.36', '--json'],
      {
        user: 'nobody',
      },
    );
    const doc = JSON.parse(json.stdout) as { verdict: string; unreadable: Array<{ path: string }> };
    assert.equal(doc.verdict, 'environment');
    assert.deepEqual(
      doc.unreadable.map((u) => u.path),
      [secret],
    );
  });

  it('glibc on a folder inside which a folder cannot be listed: listed, exit 3', async () => {
    const { dir } = binaries();
    const closed = path.join(dir, 'closed');
    mkdirSync(closed);
    copyFileSync('/usr/bin/true', path.join(closed, 'hidden'));
    chmodSync(closed, 0o000);
    const r = await cli('glibc folder with an unlistable folder (nobody)', ['glibc', dir, '--max-glibc', '2.36'], {
      user: 'nobody',
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /closed {2}\(EACCES\)/);
  });

  it('glibc on one ELF file it cannot read: exit 3 naming it, never "No ELF files"', async () => {
    const { secret } = binaries();
    const r = await cli('glibc single unreadable ELF file (nobody)', ['glibc', secret, '--max-glibc', '2.36'], {
      user: 'nobody',
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /could not read 1 file/);
    assert.doesNotMatch(r.stdout, /No ELF files/);
  });

  it('glibc on a folder with a FIFO: the FIFO is passed by (no hang); a FIFO named on the command line is bad usage', async () => {
    const dir = folder();
    copyFileSync('/usr/bin/true', path.join(dir, 'true'));
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    const r = await cli('glibc folder with a FIFO', ['glibc', dir, '--max-glibc', '2.36']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const named = await cli('glibc on a FIFO', ['glibc', path.join(dir, 'pipe'), '--max-glibc', '2.36']);
    assert.equal(named.code, 2, named.stderr);
    assert.match(named.stderr, /pipe is a FIFO \(named pipe\), not a regular file or a folder/);
  });

  it('glibc on a folder of more files than limits.files: stops there (exit 3) and names the setting', async () => {
    const dir = folder();
    for (let i = 0; i < 60; i++) writeFileSync(path.join(dir, `f${i}`), 'x');
    writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify({ limits: { files: 50 } }));
    const r = await cli('glibc folder over limits.files', ['glibc', dir, '--max-glibc', '2.36', '--cwd', dir]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /holds more files: the limit of 50 \(limits\.files\) was reached/);
  });

  it('release-operator.json as a FIFO, a link out of the folder, unreadable, or with __proto__/constructor keys: said, never hangs or passes', async () => {
    const fifo = folder();
    execFileSync('mkfifo', [path.join(fifo, 'release-operator.json')]);
    const a = await cli('config file is a FIFO', ['glibc', '/usr/bin/true', '--max-glibc', '2.36', '--cwd', fifo]);
    assert.equal(a.code, 2, a.stderr);
    assert.match(a.stderr, /release-operator\.json is a FIFO \(named pipe\), not a regular file; it is not read/);

    const link = folder();
    symlinkSync('/etc/passwd', path.join(link, 'release-operator.json'));
    const b = await cli('config file links out of the folder', [
      'glibc',
      '/usr/bin/true',
      '--max-glibc',
      '2.36',
      '--cwd',
      link,
    ]);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /is a symbolic link to \/etc\/passwd, outside/);

    const closed = folder();
    writeFileSync(path.join(closed, 'release-operator.json'), '{}');
    giveToNobody(closed);
    chmodSync(path.join(closed, 'release-operator.json'), 0o000);
    const c = await cli(
      'config file unreadable (nobody)',
      ['glibc', '/usr/bin/true', '--max-glibc', '2.36', '--cwd', closed],
      {
        user: 'nobody',
      },
    );
    assert.equal(c.code, 3, c.stderr);
    assert.match(c.stderr, /Cannot read .*release-operator\.json: permission denied \(EACCES\)/);

    for (const key of ['__proto__', 'constructor', 'toString']) {
      const d = folder();
      writeFileSync(path.join(d, 'release-operator.json'), `{"${key}": {"x": 1}}`);
      const r = await cli(`config key ${key}`, ['glibc', '/usr/bin/true', '--max-glibc', '2.36', '--cwd', d]);
      assert.equal(r.code, 2, `${key}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${key}: unknown key`));
    }
  });

  it('an unreadable package.json is an environment fault (exit 3), never another version source in silence', async () => {
    const repo = folder();
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(path.join(repo, 'package.json'), '{"version":"1.2.3"}');
    writeFileSync(path.join(repo, 'VERSION'), '9.9.9\n');
    giveToNobody(repo);
    chmodSync(path.join(repo, 'package.json'), 0o000);
    const r = await cli('unreadable package.json (nobody)', ['status', '--cwd', repo], {
      user: 'nobody',
      env: { GITHUB_TOKEN: '' },
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /Cannot read .*package\.json: permission denied/);
    assert.doesNotMatch(r.stdout, /9\.9\.9/);
  });

  it('lint with a workflow it cannot read: an environment fault (exit 3) naming the file, never a pass', async () => {
    const repo = folder();
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(repo, 'Dockerfile'), 'FROM scratch\nCOPY app /app\n');
    writeFileSync(path.join(repo, '.github', 'workflows', 'ci.yml'), 'on: push\njobs:\n  t:\n    runs-on: x\n');
    writeFileSync(path.join(repo, '.github', 'workflows', 'release.yml'), 'on: push\njobs: {}\n');
    giveToNobody(repo);
    chmodSync(path.join(repo, '.github', 'workflows', 'release.yml'), 0o000);
    const r = await cli('lint with an unreadable workflow (nobody)', ['lint', '--cwd', repo, '--json'], {
      user: 'nobody',
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { verdict: string; check: { summary: string } };
    assert.equal(out.verdict, 'environment');
    assert.match(out.check.summary, /could not read 1 file: \.github\/workflows\/release\.yml/);
  });

  it('a public key that is a FIFO is refused with its reason, no hang', async () => {
    const { loadTrust } = await import('../../../src/core/supply/trust');
    const dir = folder();
    execFileSync('mkfifo', [path.join(dir, 'cosign.pub')]);
    const trust = loadTrust({
      publicKeys: ['cosign.pub'],
      baseDir: dir,
      cacheDir: dir,
      maxAgeDays: 30,
      now: () => new Date(0),
    });
    assert.match(trust.keyProblems.join('\n'), /cosign\.pub is a FIFO \(named pipe\), not a regular file/);
  });

  it('a workflow file that cannot be read, or is a FIFO: dispatch says so at once (exit 3 / exit 2), no hang', async () => {
    const repo = folder();
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(repo, '.github', 'workflows', 'release.yml'), 'on: workflow_dispatch\njobs: {}\n');
    execFileSync('mkfifo', [path.join(repo, '.github', 'workflows', 'pipe.yml')]);
    giveToNobody(repo);
    chmodSync(path.join(repo, '.github', 'workflows', 'release.yml'), 0o000);
    const env = { GITHUB_TOKEN: 'ghp_notARealTokenForThisTest0123456789', GITHUB_API_URL: 'http://127.0.0.1:9' };
    const args = ['--repo', 'acme/app', '--cwd', repo];
    const r = await cli('unreadable workflow (nobody)', ['dispatch', 'release.yml', ...args], { user: 'nobody', env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /Cannot read the workflow \.github\/workflows\/release\.yml: Cannot read .*release\.yml: permission denied/,
    );
    const p = await cli('workflow that is a FIFO', ['dispatch', 'pipe.yml', ...args], { env });
    assert.equal(p.code, 2, p.stderr);
    assert.match(p.stderr, /pipe\.yml is a FIFO/);
  });

  it('docker version failing in a way no rule knows is an environment fault (exit 3), not a problem with the release', async () => {
    const dir = folder();
    const fake = path.join(dir, 'docker');
    writeFileSync(fake, '#!/bin/sh\necho "something nobody has seen before" >&2\nexit 42\n');
    chmodSync(fake, 0o755);
    const r = await cli('unrecognised docker version failure', ['cleanup', '--docker', fake, '--cwd', dir]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /docker version --format failed \(exit 42\): something nobody has seen before/);
  });
});
