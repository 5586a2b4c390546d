import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../../src/cli/main';
import { REPO_ROOT } from '../../helpers/paths';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { ...process.env } },
    new AbortController().signal,
  );
  return { code, stdout, stderr };
}

function gitRepo(files: Record<string, string>, remote = 'git@github.com:Acme/Rocket.git'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-cli-'));
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  const git = (...a: string[]) =>
    execFileSync('git', a, {
      cwd: dir,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'upstream', remote);
  git('add', '.');
  git('commit', '-qm', 'init');
  git('tag', 'v1.1.0');
  return dir;
}

describe('CLI', () => {
  it('status --json prints owner/name, version and tag plan (remote not named origin)', async () => {
    const dir = gitRepo({ 'package.json': '{"name":"rocket","version":"1.2.3"}' });
    const r = await cli(['status', '--json', '--cwd', dir]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.repository.github.owner, 'Acme');
    assert.equal(s.repository.github.name, 'Rocket');
    assert.equal(s.repository.github.remote, 'upstream');
    assert.equal(s.version.version, '1.2.3');
    assert.equal(s.image, 'ghcr.io/acme/rocket');
    const head = s.repository.head as string;
    assert.match(head, /^[0-9a-f]{40}$/);
    assert.deepEqual(
      s.tagPlan.map((t: { tag: string }) => t.tag),
      ['v1.2.3', 'v1.2', 'v1', 'latest', head.slice(0, 7)],
    );
    assert.deepEqual(
      s.gitTags.map((t: { name: string }) => t.name),
      ['v1.1.0'],
    );
  });

  it('outside a repository exits 2 with a message on stderr and a JSON error on stdout', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-norepo-'));
    const r = await cli(['status', '--json', '--cwd', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not inside a git repository/);
    assert.equal(JSON.parse(r.stdout).error.kind, 'usage');
  });

  it('invalid configuration exits 2 naming the file and key', async () => {
    const dir = gitRepo({ 'package.json': '{"version":"1.0.0"}', 'release-operator.json': '{"smoke":{"port":"x"}}' });
    const r = await cli(['status', '--cwd', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /release-operator\.json/);
    assert.match(r.stderr, /smoke\.port: expected an integer/);
  });

  it("a command run from a subfolder reads the repository's configuration without a git process", async () => {
    const dir = gitRepo({ 'release-operator.json': '{"smoke":{"port":"x"}}' });
    mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
    // No git to start: the configuration's folder is found on disk (git would be needed only with GIT_DIR and kin).
    const path0 = process.env.PATH;
    process.env.PATH = mkdtempSync(path.join(os.tmpdir(), 'ro-no-git-'));
    try {
      const r = await cli(['manifest', 'registry.invalid/o/n:1', '--cwd', path.join(dir, 'sub', 'deeper')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /release-operator\.json/);
      assert.match(r.stderr, /smoke\.port: expected an integer/);
    } finally {
      process.env.PATH = path0;
    }
  });

  it('unknown commands and options exit 2; --help exits 0 and lists commands', async () => {
    assert.equal((await cli(['nope'])).code, 2);
    assert.equal((await cli(['status', '--nope'])).code, 2);
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /status/);
    assert.match(help.stdout, /Exit codes: 0 the check passed/);
    const sub = await cli(['status', '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--json/);
  });

  it('the executable never ends with exit 0 while its command is unfinished', function () {
    // A command whose promise is left pending with nothing to wait for: Node would end the process with 0.
    const entry = path.join(REPO_ROOT, 'dist', 'esm', 'cli', 'cli.mjs');
    assert.ok(existsSync(entry), 'dist/esm/cli/cli.mjs is missing: run node esbuild.mjs first (npm test does)');
    const script = `import(${JSON.stringify(pathToFileURL(entry).href)}).then((m) => m.main(() => new Promise(() => {})))`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /stopped before the command finished.*result is unknown/);
    const done = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script.replace('new Promise(() => {})', 'Promise.resolve(0)')],
      { encoding: 'utf8' },
    );
    assert.equal(done.status, 0, done.stderr);
    assert.equal(done.stderr, '');
  });

  it("the executable keeps V8's heap small while it works (young generation at its first size, old collected sooner)", function () {
    this.timeout(60_000);
    const entry = path.join(REPO_ROOT, 'dist', 'esm', 'cli', 'cli.mjs');
    assert.ok(existsSync(entry), 'dist/esm/cli/cli.mjs is missing: run node esbuild.mjs first (npm test does)');
    // Work as a long listing does it: many short-lived objects while some hundreds of requests' state stay alive.
    const churn = `(() => {
      const v8 = require('node:v8');
      let peakNew = 0, peakTotal = 0;
      const live = [];
      for (let i = 0; i < 40000; i++) {
        live.push(Array.from({ length: 20 }, (_, j) => ({ i, j, s: 'tag-' + i + '-' + j })));
        if (live.length > 200) live.shift();
        if (i % 100 === 0) {
          peakNew = Math.max(peakNew, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
          peakTotal = Math.max(peakTotal, v8.getHeapStatistics().total_heap_size);
        }
      }
      return JSON.stringify({ newMiB: peakNew / 2 ** 20, totalMiB: peakTotal / 2 ** 20 });
    })()`;
    const run = (script: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { newMiB: number; totalMiB: number };
    };
    const header = `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);`;
    const plain = run(`${header} process.stdout.write(${churn});`);
    const ours = run(
      `${header} import(${JSON.stringify(pathToFileURL(entry).href)}).then((m) => m.main(async (argv, io) => { io.stdout(${churn}); return 0; }))`,
    );
    // Node as it comes grows the young generation to 16 MiB a semi-space under this load.
    assert.ok(plain.newMiB >= 8, `plain Node: young generation ${plain.newMiB} MiB`);
    assert.ok(ours.newMiB <= 4, `the CLI: young generation ${ours.newMiB} MiB`);
    assert.ok(ours.totalMiB < plain.totalMiB * 0.7, `the CLI's heap ${ours.totalMiB} MiB, plain ${plain.totalMiB} MiB`);
  });

  it('the built dist/cli.js runs as an executable with a shebang', function () {
    const cliJs = path.join(REPO_ROOT, 'dist', 'cli.js');
    assert.ok(existsSync(cliJs), 'dist/cli.js is missing: run node esbuild.mjs first (npm test does)');
    const dir = gitRepo({ VERSION: '4.5.6' }, 'https://github.com/acme/tool.git');
    const r = spawnSync(process.execPath, [cliJs, 'status', '--json'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).version.version, '4.5.6');
    const human = spawnSync(process.execPath, [cliJs, 'status'], { cwd: dir, encoding: 'utf8' });
    assert.match(human.stdout, /Repository\s+acme\/tool/);
    assert.match(human.stdout, /v4\.5\.6\s+this release/);
  });
});
