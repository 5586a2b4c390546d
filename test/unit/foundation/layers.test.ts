import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

const ROOT = REPO_ROOT;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layers', () => {
  const vscodeImport = /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/;

  it('src/core never imports vscode', () => {
    const core = files(path.join(ROOT, 'src/core'));
    assert.ok(core.length > 5, 'expected engine sources under src/core');
    const offenders = core.filter((f) => vscodeImport.test(readFileSync(f, 'utf8')));
    assert.deepEqual(
      offenders.map((f) => path.relative(ROOT, f)),
      [],
    );
  });

  it('src/core and src/cli never import the extension face', () => {
    const offenders = [...files(path.join(ROOT, 'src/core')), ...files(path.join(ROOT, 'src/cli'))].filter((f) =>
      /from\s+['"][./]*\/extension\//.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(
      offenders.map((f) => path.relative(ROOT, f)),
      [],
    );
  });

  it('the Action face imports only the engine (never the CLI or the extension), and nothing imports it', () => {
    const faceImport = (face: string) => new RegExp(`from\\s+['"][./]*/(?:${face})/`);
    const offenders = [
      ...files(path.join(ROOT, 'src/action')).filter((f) => faceImport('cli|extension').test(readFileSync(f, 'utf8'))),
      ...['src/core', 'src/cli', 'src/extension']
        .flatMap((d) => files(path.join(ROOT, d)))
        .filter((f) => faceImport('action').test(readFileSync(f, 'utf8'))),
    ];
    assert.deepEqual(
      offenders.map((f) => path.relative(ROOT, f)),
      [],
    );
  });

  it('the check itself detects a vscode import', () => {
    assert.ok(vscodeImport.test("import * as vscode from 'vscode';"));
    assert.ok(vscodeImport.test("const v = require('vscode')"));
    assert.ok(!vscodeImport.test("import { x } from './vscode-like';"));
  });
});
