import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

/** docs/architecture.md draws the layers; this keeps it naming every folder and every rule there is. */
describe('docs/architecture.md stays true', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/architecture.md'), 'utf8');
  const entries = (dir: string) => readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true });

  it('names every folder and top-level file of src/core', () => {
    const names = entries('src/core').map((e) => (e.isDirectory() ? e.name : e.name.replace(/\.ts$/, '')));
    assert.ok(names.length > 10, 'expected the engine under src/core');
    assert.deepEqual(
      names.filter((n) => !doc.includes(`\`${n}\``)),
      [],
      'add these to docs/architecture.md (the picture and the table)',
    );
  });

  it('names every face under src', () => {
    const faces = entries('src').filter((e) => e.isDirectory() && e.name !== 'core');
    assert.deepEqual(
      faces.map((e) => `src/${e.name}`).filter((f) => !doc.includes(f)),
      [],
    );
  });

  it('lists every rule of .dependency-cruiser.cjs', () => {
    const config = readFileSync(path.join(REPO_ROOT, '.dependency-cruiser.cjs'), 'utf8');
    const names = [...config.matchAll(/name: '([^']+)'/g)].map((m) => m[1]);
    const faces = /const FACES = \[([^\]]*)\]/.exec(config)![1].match(/[a-z]+/g)!;
    // Rules made per face or per folder are listed by their pattern.
    const expected = [...names, ...faces.map((f) => `faces-apart-${f}`), 'through-face:<folder>'];
    assert.ok(names.includes('no-circular'));
    assert.deepEqual(
      expected.filter((n) => !doc.includes(`\`${n}\``)),
      [],
    );
  });
});
