import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID } from './api';

// Runs in a folder that is not a git repository (run.mjs opens one); index.ts picks it for that folder only.
describe('a folder without a repository', () => {
  it('activates when the Release view opens, shows the welcome content (an empty tree) and hides the status bar', async () => {
    await vscode.commands.executeCommand('releaseOperator.release.focus');
    const a = await api();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)!.isActive, true);
    assert.deepEqual(await a.tree.getChildren(), [], 'an empty tree: VS Code shows the welcome view instead');
    assert.equal(a.statusBar.visible, false);
  });

  it('answers a command with a message instead of failing', async () => {
    const result = await vscode.commands.executeCommand('releaseOperator.rollback', {
      version: '1.0.0',
      confirmed: true,
    });
    assert.equal(result, undefined);
  });
});
