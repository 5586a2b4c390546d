import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runProcess } from '../../../src/core/process/run';
import { REPO_ROOT } from '../../helpers/paths';

/**
 * The Action runs the committed action/index.js as it is: this fails when the sources changed and the bundle was
 * not rebuilt (`npm run build:action`), as actions/attest's check-dist does.
 */
describe('the committed Action bundle', function () {
  this.timeout(120_000);
  it('equals a fresh build of src/action', async () => {
    const r = await runProcess(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-action.mjs'), '--check'], {
      cwd: REPO_ROOT,
      timeoutMs: 110_000,
    });
    assert.equal(r.exitCode, 0, r.stderr || r.stdout);
  });

  it('action.yml runs it on node24 and names every input the Action reads', () => {
    const yml = readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8');
    assert.match(yml, /using: node24\n\s+main: action\/index\.js/);
    const src = ['inputs.ts', 'main.ts']
      .map((f) => readFileSync(path.join(REPO_ROOT, 'src', 'action', f), 'utf8'))
      .join('\n');
    const read = [...src.matchAll(/(?:text|list|flag)\('([a-z-]+)'/g)].map((m) => m[1]);
    assert.ok(read.length >= 10, read.join(','));
    for (const name of read) assert.match(yml, new RegExp(`\\n  ${name}:\\n`), `action.yml lacks input ${name}`);
  });
});
