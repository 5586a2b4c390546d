#!/usr/bin/env node
// The same extension-host suite in a downloaded VS Code (@vscode/test-electron), for machines that can reach
// VS Code's download site (these test machines cannot: there, test/extension/run.mjs uses code-server).
// Needs the bundles and the fixture that run.mjs makes first:
//   node test/extension/run.mjs   (or: node esbuild.mjs && node test/build.mjs test/extension && the fixture step)
//   node test/extension/electron-runner.mjs [--vscode-version 1.100.3]
import { runTests } from '@vscode/test-electron';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const i = process.argv.indexOf('--vscode-version');
const version = i > 0 ? process.argv[i + 1] : '1.100.3';
const fixture = JSON.parse(readFileSync(path.join(root, 'test/.artifacts/vscode/fixture.json'), 'utf8'));
try {
  await runTests({
    version,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/extension/suite/index.js'),
    launchArgs: [fixture.workspace, '--disable-workspace-trust', '--disable-extensions'],
  });
} catch (e) {
  console.error(`extension-host tests failed: ${e.message ?? e}`);
  process.exit(1);
}
