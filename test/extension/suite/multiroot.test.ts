import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, nextTreeChange, roots } from './api';

// Runs in a multi-root workspace (run.mjs opens a .code-workspace of the fixture repository and a second one,
// acme/launchpad 0.9.0); index.ts picks it when the window has more than one folder.
describe('a multi-root workspace of two repositories', () => {
  const label = async (id: string) => (await roots()).find((n) => n.id === id)?.label;

  it('shows the first folder, with the repository row marked pickable', async () => {
    await api();
    assert.equal(vscode.workspace.workspaceFolders?.length, 2);
    const repo = (await roots()).find((n) => n.id === 'repository');
    assert.equal(repo?.label, 'acme/rocket');
    assert.match(repo?.contextValue ?? '', /\bpickable\b/);
    assert.equal(await label('version'), 'Version 1.2.3');
  });

  it('picking the other folder moves the whole view to that repository and its configuration', async () => {
    const a = await api();
    const changed = nextTreeChange(a, 'picking the second folder');
    await vscode.commands.executeCommand('releaseOperator.selectRepository', vscode.workspace.workspaceFolders![1]);
    await changed;
    assert.equal(a.services.folder?.name, 'launchpad');
    assert.equal(await label('repository'), 'acme/launchpad');
    assert.equal(await label('version'), 'Version 0.9.0');
    // Its own configuration: the image repository of the second folder's release-operator.json.
    assert.equal((await a.facts()).config.image, '127.0.0.1:5000/acme/launchpad');
  });

  it('the picker lists the folders; choosing one switches back', async () => {
    const a = await api();
    const picked = Promise.resolve(vscode.commands.executeCommand('releaseOperator.selectRepository'));
    let done = false;
    void picked.finally(() => (done = true));
    // The quick pick opens with the first folder active; accept it as a person pressing Enter would.
    for (let i = 0; i < 100 && !done; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    await picked;
    assert.equal(a.services.folder?.name, vscode.workspace.workspaceFolders![0].name);
    assert.equal(await label('repository'), 'acme/rocket');
  });
});
