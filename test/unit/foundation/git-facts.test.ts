import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitRepo } from '../../../src/core/git/repo';
import { runProcess, type Runner } from '../../../src/core/process/run';
import { GIT_ENV } from '../../helpers/git';

const env = GIT_ENV;

function repo(): { dir: string; git: (...a: string[]) => string } {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'ro-git-facts-')));
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, env, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  return { dir, git };
}

/** A runner that counts the processes it starts. */
function counting(): { run: Runner; count: () => number } {
  let n = 0;
  return { run: (c, a, o) => (n++, runProcess(c, a, o)), count: () => n };
}

/** GitRepo.read (three processes at once) against open() + facts() (five), which it replaces on the hot path. */
describe('git facts in one go (GitRepo.read)', () => {
  async function same(dir: string): Promise<Awaited<ReturnType<typeof GitRepo.read>>['facts']> {
    const { facts } = await GitRepo.read(dir);
    const old = await (await GitRepo.open(dir)).facts();
    assert.deepEqual(facts, old);
    return facts;
  }

  it('reads root, HEAD, branch, remotes and tags with three processes, from a subfolder too', async () => {
    const { dir, git } = repo();
    writeFileSync(path.join(dir, 'HEAD'), 'a file named like the revision\n');
    git('add', '.');
    git('commit', '-qm', 'one');
    git('tag', 'v1.0.0');
    git('tag', '-a', 'v1.1.0', '-m', 'annotated');
    git('remote', 'add', 'origin', 'git@github.com:Acme/Rocket.git');
    git('remote', 'add', 'upstream', 'https://github.com/up/rocket.git');
    mkdirSync(path.join(dir, 'sub'));
    const c = counting();
    const { repo: r, facts } = await GitRepo.read(path.join(dir, 'sub'), c.run);
    assert.equal(c.count(), 3);
    assert.equal(r.root, dir);
    assert.equal(facts.root, dir);
    assert.equal(facts.head, git('rev-parse', 'HEAD'));
    assert.equal(facts.branch, 'main');
    assert.deepEqual(
      facts.remotes.map((x) => `${x.name} ${x.repo?.owner}/${x.repo?.name}`),
      ['origin Acme/Rocket', 'upstream up/rocket'],
    );
    assert.deepEqual(
      facts.tags.map((t) => `${t.name} ${t.commit === facts.head}`),
      ['v1.0.0 true', 'v1.1.0 true'],
    );
    await same(path.join(dir, 'sub'));
  });

  it('a detached HEAD has a commit and no branch', async () => {
    const { dir, git } = repo();
    git('commit', '-q', '--allow-empty', '-m', 'one');
    git('checkout', '-q', '--detach');
    const facts = await same(dir);
    assert.match(facts.head ?? '', /^[0-9a-f]{40}$/);
    assert.equal(facts.branch, undefined);
  });

  it('a repository without commits has its branch and no HEAD commit', async () => {
    const { dir } = repo();
    const facts = await same(dir);
    assert.equal(facts.head, undefined);
    assert.equal(facts.branch, 'main');
    assert.deepEqual(facts.tags, []);
  });

  it('outside a repository: the usage error open() gives; a missing folder: the error open() gives', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-git-none-'));
    await assert.rejects(
      GitRepo.read(dir),
      (e: Error & { kind?: string }) => e.kind === 'usage' && /is not inside a git repository/.test(e.message),
    );
    const gone = path.join(dir, 'gone');
    const expected = await GitRepo.open(gone).then(
      () => assert.fail('open() found a repository in a missing folder'),
      (e: Error) => e,
    );
    await assert.rejects(
      GitRepo.read(gone),
      (e: Error) => e.message === expected.message && e.constructor === expected.constructor,
    );
  });
});
