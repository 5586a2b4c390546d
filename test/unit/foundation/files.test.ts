import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../../src/core/files';

describe('writing a file whole or not at all (writeFileAtomic)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ro-atomic-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a reader while it writes sees the old text or the new one, never a part', async () => {
    const file = path.join(dir, 'release-operator.json');
    // Large enough that a plain write is seen half done (written in several chunks by the thread pool).
    const text = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(4 * 2 ** 20) });
    writeFileSync(file, text(0));
    let reads = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const got = readFileSync(file, 'utf8');
        assert.doesNotThrow(() => JSON.parse(got), `read ${reads}: ${got.length} bytes, not a whole file`);
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let n = 1; n <= 10; n++) await writeFileAtomic(file, text(n));
    reading = false;
    await reader;
    assert.ok(reads > 10, `the reader read ${reads} times`);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).n, 10);
    assert.deepEqual(readdirSync(dir), ['release-operator.json'], 'nothing left beside it');
  });

  it("keeps an existing file's permissions, or sets those given", async () => {
    const file = path.join(dir, 'a.json');
    writeFileSync(file, '{}', { mode: 0o640 });
    await writeFileAtomic(file, '{"a":1}');
    assert.equal(statSync(file).mode & 0o777, 0o640);
    await writeFileAtomic(file, '{"a":2}', { mode: 0o600 });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), '{"a":2}');
  });

  it('writes through a symbolic link: the link stays, its target gets the text', async () => {
    mkdirSync(path.join(dir, 'real'));
    const target = path.join(dir, 'real', 'release-operator.json');
    writeFileSync(target, '{}');
    const link = path.join(dir, 'release-operator.json');
    symlinkSync(target, link);
    await writeFileAtomic(link, '{"images":[]}');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(target, 'utf8'), '{"images":[]}');
  });

  it('a write that fails leaves the file as it was and nothing beside it', async () => {
    const file = path.join(dir, 'a-folder');
    mkdirSync(file);
    await assert.rejects(writeFileAtomic(file, 'text'));
    assert.ok(statSync(file).isDirectory());
    assert.deepEqual(readdirSync(dir), ['a-folder']);
  });
});
