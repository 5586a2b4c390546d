import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findWorkTree } from '../../../src/core/git/root';
import { GIT_ENV } from '../../helpers/git';

const env = GIT_ENV;

/** What git itself says is the work tree around `dir` (null: none). */
function gitTopLevel(dir: string): string | null {
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, env, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function tmp(): string {
  return realpathSync(mkdtempSync(path.join(os.tmpdir(), 'ro-git-root-')));
}

function repo(dir: string): (...a: string[]) => string {
  mkdirSync(dir, { recursive: true });
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, env, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'f'), 'x\n');
  git('add', '.');
  git('commit', '-qm', 'one');
  return git;
}

/** The CLI finds its configuration's folder without starting git: the same answer as git, or "ask git". */
describe('the work tree found on disk (findWorkTree)', () => {
  const clean = { PATH: process.env.PATH };

  it('gives what git rev-parse --show-toplevel gives: the root, a subfolder, a linked worktree, a nested repository', async () => {
    const base = tmp();
    const main = path.join(base, 'main');
    const git = repo(main);
    mkdirSync(path.join(main, 'a', 'b'), { recursive: true });
    git('worktree', 'add', '-q', path.join(base, 'wt'));
    mkdirSync(path.join(base, 'wt', 'sub'));
    repo(path.join(main, 'a', 'inner'));
    mkdirSync(path.join(main, 'a', 'inner', 'deep'));
    const cases = [
      main,
      path.join(main, 'a', 'b'),
      path.join(base, 'wt'),
      path.join(base, 'wt', 'sub'),
      path.join(main, 'a', 'inner', 'deep'),
    ];
    const want = [main, main, path.join(base, 'wt'), path.join(base, 'wt'), path.join(main, 'a', 'inner')];
    for (const [i, dir] of cases.entries()) {
      assert.equal(gitTopLevel(dir), want[i], `git at ${dir}`);
      assert.equal(await findWorkTree(dir, clean), want[i], `on disk at ${dir}`);
    }
  });

  it('answers with the real path through a symbolic link, as git does', async () => {
    const base = tmp();
    const main = path.join(base, 'main');
    repo(main);
    mkdirSync(path.join(main, 'sub'));
    symlinkSync(path.join(main, 'sub'), path.join(base, 'link'));
    assert.equal(gitTopLevel(path.join(base, 'link')), main);
    assert.equal(await findWorkTree(path.join(base, 'link'), clean), main);
  });

  it('passes over a .git folder that is no repository, as git does, and leaves a .git file that is no gitdir to git', async () => {
    const base = tmp();
    const outer = path.join(base, 'outer');
    repo(outer);
    mkdirSync(path.join(outer, 'empty', '.git'), { recursive: true });
    mkdirSync(path.join(outer, 'file'));
    writeFileSync(path.join(outer, 'file', '.git'), 'not a gitdir line\n');
    assert.equal(await findWorkTree(path.join(outer, 'empty'), clean), outer);
    assert.equal(gitTopLevel(path.join(outer, 'empty')), outer);
    // git refuses a malformed .git file with its own words: that is for git to say.
    assert.equal(gitTopLevel(path.join(outer, 'file')), null);
    assert.equal(await findWorkTree(path.join(outer, 'file'), clean), undefined);
  });

  it('says "none" outside any repository, where git finds none either', async () => {
    const dir = tmp();
    // The test bed's temporary folder is in no repository; were it, this case would say nothing.
    if (gitTopLevel(dir) !== null) return assert.fail(`${os.tmpdir()} is inside a git repository`);
    assert.equal(await findWorkTree(dir, clean), null);
  });

  it('leaves it to git when the environment moves or bounds the repository, or the folder cannot be read', async () => {
    const base = tmp();
    const main = path.join(base, 'main');
    repo(main);
    for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM'])
      assert.equal(await findWorkTree(main, { ...clean, [name]: base }), undefined, name);
    assert.equal(await findWorkTree(path.join(base, 'missing'), clean), undefined);
  });
});
