import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { activeRunIds, markRunActive, processAlive } from '../../../src/core/container/active';
import { parseLabels } from '../../../src/core/container/cleanup';

describe('runs in progress (what cleanup leaves alone)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'ro-active-')), 'runs');
  });
  afterEach(() => rm(path.dirname(dir), { recursive: true, force: true }));

  it('a run is in progress from its mark until it ends; the folder is shared like /tmp', async () => {
    const end = await markRunActive('m1-abc', dir);
    assert.deepEqual([...(await activeRunIds(dir))], ['m1-abc']);
    assert.equal((await stat(dir)).mode & 0o7777, 0o1777);
    const body = JSON.parse(await readFile(path.join(dir, 'm1-abc'), 'utf8'));
    assert.equal(body.pid, process.pid);
    assert.equal(body.host, os.hostname());
    await end();
    assert.deepEqual([...(await activeRunIds(dir))], []);
  });

  it("a mark whose process is gone is stale: not in progress, and removed; another host's mark cannot be checked and counts", async () => {
    await markRunActive('seed', dir);
    const gone = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => gone.on('exit', resolve));
    assert.equal(processAlive(gone.pid), false);
    await writeFile(path.join(dir, 'crashed'), JSON.stringify({ pid: gone.pid, host: os.hostname(), started: '' }));
    await writeFile(
      path.join(dir, 'elsewhere'),
      JSON.stringify({ pid: gone.pid, host: `not-${os.hostname()}`, started: '' }),
    );
    await writeFile(path.join(dir, 'half-written'), '{"pid":');
    const ids = await activeRunIds(dir);
    assert.deepEqual([...ids].sort(), ['elsewhere', 'seed']);
    assert.ok(!existsSync(path.join(dir, 'crashed')), 'the stale mark is removed');
    assert.ok(existsSync(path.join(dir, 'half-written')), 'a mark being written is neither counted nor removed');
  });

  it('a folder that cannot be written loses only the protection: the run goes on, and says why at debug level', async () => {
    const messages: string[] = [];
    const end = await markRunActive('r1', '/proc/version/runs', (m) => messages.push(m));
    await end();
    assert.match(messages.join('\n'), /cannot mark run r1 as in progress in \/proc\/version\/runs \(ENOTDIR\)/);
    assert.deepEqual([...(await activeRunIds('/proc/version/runs'))], []);
  });

  it('the folder is in a place everyone can write: a planted symlink (for the folder or a mark) is never followed', async () => {
    const victim = path.join(path.dirname(dir), 'victim');
    await mkdir(victim);
    await chmod(victim, 0o700);
    await symlink(victim, dir);
    const messages: string[] = [];
    await (
      await markRunActive('r2', dir, (m) => messages.push(m))
    )();
    assert.match(messages.join('\n'), /cannot mark run r2 .*\(ENOTDIR\)/);
    assert.equal((await stat(victim)).mode & 0o7777, 0o700, "the link's target was not made world-writable");
    assert.deepEqual(await readdir(victim), [], 'nothing was written through the link');
    await rm(dir);

    await markRunActive('seed', dir);
    const target = path.join(path.dirname(dir), 'target-file');
    await writeFile(target, 'keep');
    await symlink(target, path.join(dir, 'r3'));
    messages.length = 0;
    await markRunActive('r3', dir, (m) => messages.push(m));
    assert.match(messages.join('\n'), /cannot mark run r3 .*\(EEXIST\)/);
    assert.equal(await readFile(target, 'utf8'), 'keep', 'no mark was written through a planted link');
    assert.ok(!(await activeRunIds(dir)).has('r3'), 'a link is not read as a mark');
  });

  it('a run id that is not a plain name stays a file inside the folder', async () => {
    const end = await markRunActive('../../etc/x', dir);
    assert.deepEqual([...(await activeRunIds(dir))], ['.._.._etc_x']);
    await end();
  });

  it('processAlive: this process yes; nonsense pids no', () => {
    assert.equal(processAlive(process.pid), true);
    for (const pid of [0, -1, 1.5, '12', undefined]) assert.equal(processAlive(pid), false, String(pid));
  });

  it('labels as docker ps prints them', () => {
    assert.deepEqual(parseLabels('release-operator=1,release-operator.smoke=m1-abc,empty=,x'), {
      'release-operator': '1',
      'release-operator.smoke': 'm1-abc',
      empty: '',
    });
  });
});
