import assert from 'node:assert/strict';
import path from 'node:path';
import { runProcess } from '../../../src/core/process/run';
import { FIXTURES, REPO_ROOT } from '../../helpers/paths';

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs the repository's own dependency rules (`npm run depcruise` checks src with them) over a folder's src. */
async function violations(folder: string): Promise<string[]> {
  const r = await runProcess(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
      'src',
      '--config',
      path.join(REPO_ROOT, '.dependency-cruiser.cjs'),
      '--output-type',
      'json',
    ],
    { cwd: folder, timeoutMs: 60_000 },
  );
  // Exit code: the number of violations; the JSON says which.
  const report = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  // A package resolved from the repository's node_modules is named by its package: the fixture's path to it varies.
  const named = (to: string) => to.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+).*$/, '$1');
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${named(v.to)}`).sort();
}

describe('layers: the dependency rules fail a tree that breaks them', () => {
  it('every rule fires on the deliberately wrong fixture, and the allowed imports pass', async function () {
    this.timeout(60_000);
    assert.deepEqual(await violations(path.join(FIXTURES, 'layers')), [
      'core-not-ci-toolkit: src/core/uses-actions.ts -> @actions/core',
      'core-not-faces: src/core/imports-upward.ts -> src/extension/command.ts',
      // A run-time require and a type-only import of the editor API are both refused.
      'core-not-vscode: src/core/requires-vscode.ts -> vscode',
      'core-not-vscode: src/core/uses-vscode.ts -> vscode',
      'faces-apart-action: src/action/main.ts -> src/cli/flag.ts',
      'faces-apart-extension: src/extension/command.ts -> src/cli/flag.ts',
      'no-async-hooks: src/core/context.ts -> async_hooks',
      // A cycle of type imports is a cycle.
      'no-circular: src/core/cycle-a.ts -> src/core/cycle-b.ts',
      // Importing src/core/engine (its index.ts) is fine; the file behind it is not.
      'through-face:src/core/engine: src/cli/flag.ts -> src/core/engine/helper.ts',
    ]);
  });
});
