/**
 * Entry point of the extension-host suite (extensionTestsPath): runs inside code-server's extension host,
 * where require('vscode') works. Loads every bundled *.test.js next to this file with mocha and writes the
 * counts to test/.artifacts/vscode/results-<trusted|untrusted>.json for test/extension/run.mjs.
 * A workspace that is not trusted runs trust.test.js only (it needs Workspace Trust on); a trusted one runs the rest.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import * as vscode from 'vscode';
import { ARTIFACTS } from '../../helpers/paths';

export function run(): Promise<void> {
  // The extension host forwards console.log's raw arguments; mocha's reporter passes printf-style ones and keeps
  // the console.log it finds when it loads, so format before mocha is required.
  const log = console.log;
  console.log = (...a: unknown[]) => log(format(...a));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  const mocha = new Mocha({ ui: 'bdd', timeout: 180_000, color: false, reporter: 'spec' });
  const trusted = vscode.workspace.isTrusted;
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && (f === 'trust.test.js') !== trusted);
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const out = path.join(ARTIFACTS, 'vscode', `results-${trusted ? 'trusted' : 'untrusted'}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      console.log = log;
      const s = runner.stats ?? { passes: 0, failures, pending: 0 };
      writeFileSync(out, JSON.stringify({ files, passed: s.passes, failed: s.failures, skipped: s.pending }));
      if (failures) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
