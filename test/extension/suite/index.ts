/**
 * Entry point of the extension-host suite (extensionTestsPath): runs inside code-server's extension host,
 * where require('vscode') works. Loads every bundled *.test.js next to this file with mocha and writes the
 * counts to test/.artifacts/vscode/results-<trusted|untrusted|norepo|multiroot|monorepo>.json for test/extension/run.mjs.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import * as vscode from 'vscode';
import { ARTIFACTS } from '../../helpers/paths';

export function run(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  // The extension host forwards console.log's raw arguments; mocha's reporters pass printf-style ones.
  const log = console.log.bind(console);
  (Mocha.reporters.Base as unknown as { consoleLog: (...a: unknown[]) => void }).consoleLog = (...a: unknown[]) =>
    log(format(...a));
  const mocha = new Mocha({ ui: 'bdd', timeout: 180_000, color: false, reporter: 'spec' });
  // Which workspace this host was opened on decides the files: an untrusted one runs trust.test.js, a folder
  // without a repository norepo.test.js, the monorepo of several images monorepo.test.js, the fixture repository
  // (trusted) all the others.
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  const mode = !vscode.workspace.isTrusted
    ? 'untrusted'
    : (vscode.workspace.workspaceFolders?.length ?? 0) > 1
      ? 'multiroot'
      : existsSync(path.join(folder, 'apps', 'worker', 'Dockerfile'))
        ? 'monorepo'
        : existsSync(path.join(folder, '.git'))
          ? 'trusted'
          : 'norepo';
  const own: Record<string, string> = {
    untrusted: 'trust.test.js',
    norepo: 'norepo.test.js',
    multiroot: 'multiroot.test.js',
    monorepo: 'monorepo.test.js',
  };
  const files = readdirSync(__dirname).filter(
    (f) => f.endsWith('.test.js') && (mode === 'trusted' ? !Object.values(own).includes(f) : f === own[mode]),
  );
  // RO_TEST_FILES=readiness.test.js,... runs only those (a quick run of one file while working on it).
  const only = process.env.RO_TEST_FILES?.split(',').filter(Boolean);
  for (const f of files) if (!only || only.includes(f)) mocha.addFile(path.join(__dirname, f));
  const out = path.join(ARTIFACTS, 'vscode', `results-${mode}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const s = runner.stats ?? { passes: 0, failures, pending: 0 };
      writeFileSync(out, JSON.stringify({ files, passed: s.passes, failed: s.failures, skipped: s.pending }));
      if (failures) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
