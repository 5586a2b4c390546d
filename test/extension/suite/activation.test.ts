import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, fixture, nextTreeChange, root, roots } from './api';

describe('activation (in code-server, a workspace holding a git repository)', () => {
  it('activates in the git workspace and returns its API', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    const a = await api();
    assert.equal(ext.isActive, true);
    assert.equal(vscode.workspace.workspaceFolders?.[0].uri.fsPath, fixture().workspace);
    assert.equal(a.services.folder?.uri.fsPath, fixture().workspace);
  });

  it('registers every command of package.json, and package.json lists every releaseOperator.* command', async () => {
    await api();
    const contributed = new Set<string>(
      vscode.extensions
        .getExtension(EXTENSION_ID)!
        .packageJSON.contributes.commands.map((c: { command: string }) => c.command),
    );
    // View commands VS Code generates (releaseOperator.release.focus, ...) have a second dot; ours do not.
    const registered = new Set(
      (await vscode.commands.getCommands(true)).filter((c) => /^releaseOperator\.[A-Za-z]+$/.test(c)),
    );
    assert.deepEqual(
      [...contributed].filter((c) => !registered.has(c)),
      [],
      'contributed but not registered',
    );
    assert.deepEqual(
      [...registered].filter((c) => !contributed.has(c)),
      [],
      'registered but not in package.json',
    );
    assert.ok(contributed.size >= 15);
  });

  it('shows the version node in the Release view', async () => {
    await vscode.commands.executeCommand('releaseOperator.release.focus');
    const version = await root('version');
    assert.equal(version.label, 'Version 1.2.3');
    assert.equal(version.description, 'from package.json');
  });

  it('runs a command: refresh reloads the tree with the same facts', async () => {
    const before = (await roots()).map((n) => n.id);
    const changed = nextTreeChange(await api(), 'releaseOperator.refresh');
    await vscode.commands.executeCommand('releaseOperator.refresh');
    await changed;
    assert.deepEqual(
      (await roots()).map((n) => n.id),
      before,
    );
    assert.ok(before.includes('repository') && before.includes('images') && before.includes('smoke'), before.join(','));
  });

  it('takes settings from every level over release-operator.json: the workspace over the user, nested keys and maps', async () => {
    const a = await api();
    const cfg = () => vscode.workspace.getConfiguration('releaseOperator');
    const { Global, Workspace } = vscode.ConfigurationTarget;
    const set: Array<[string, unknown, vscode.ConfigurationTarget]> = [
      ['smoke.port', 9091, Global],
      ['smoke.port', 9092, Workspace],
      ['smoke.env', { GREETING: 'hello' }, Global],
      ['tags.minor', false, Workspace],
    ];
    try {
      for (const [key, value, target] of set) await cfg().update(key, value, target);
      let c = await a.services.config();
      assert.equal(
        c.smoke.port,
        9092,
        'the workspace setting wins over the user setting and release-operator.json (8080)',
      );
      assert.deepEqual(c.smoke.env, { GREETING: 'hello' });
      assert.equal(c.tags.minor, false);
      assert.equal(c.tags.major, true, 'a setting nobody set keeps its default');
      assert.equal(c.smoke.expectBody, 'ok', 'release-operator.json still applies where no setting is set');
      await cfg().update('smoke.port', undefined, Workspace);
      c = await a.services.config();
      assert.equal(c.smoke.port, 9091, 'the user setting, once the workspace one is gone');
    } finally {
      for (const [key, , target] of set) await cfg().update(key, undefined, target);
    }
    assert.equal((await a.services.config()).smoke.port, 8080);
  });

  it('shows the status bar item for a workspace with a repository', async () => {
    const a = await api();
    await roots();
    assert.match(a.statusBar.item.text, /Smoke/);
    assert.equal(a.statusBar.item.command, 'releaseOperator.showSmokeResult');
  });
});
