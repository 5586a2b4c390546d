import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { trustBlockReason } from '../../../src/extension/trust';
import { api, EXTENSION_ID, fixture, root } from './api';

// This file runs only in a workspace that is NOT trusted (run.mjs starts code-server with Workspace Trust on
// and nothing trusted); index.ts picks it by vscode.workspace.isTrusted.
describe('workspace trust (an untrusted workspace, Workspace Trust on)', () => {
  it('really is untrusted, and the extension still activates (limited support)', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    await api();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)!.isActive, true);
  });

  it('refuses to run a smoke test and starts nothing', async () => {
    const a = await api();
    const result = await vscode.commands.executeCommand('releaseOperator.runSmoke', {
      reference: `${fixture().image}:v1.2.3`,
      platforms: ['linux/amd64'],
    });
    assert.equal(result, undefined);
    // Nor a build of the repository's Dockerfile (that would run its code).
    assert.equal(
      await vscode.commands.executeCommand('releaseOperator.runSmokeBuild', { platforms: ['linux/amd64'] }),
      undefined,
    );
    assert.deepEqual(a.smoke.all(), [], 'no smoke run was recorded');
  });

  it('declares the smoke commands disabled in the manifest while untrusted', () => {
    const cmds = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as Array<{
      command: string;
      enablement?: string;
    }>;
    for (const id of [
      'releaseOperator.runSmoke',
      'releaseOperator.runSmokeForPlatform',
      'releaseOperator.runSmokeBuild',
    ])
      assert.equal(cmds.find((c) => c.command === id)?.enablement, 'isWorkspaceTrusted');
  });

  it("does not let the repository choose what runs: release-operator.json's dockerPath is left out, the default used", async () => {
    const file = JSON.parse(readFileSync(path.join(fixture().workspace, 'release-operator.json'), 'utf8')) as {
      dockerPath?: string;
    };
    assert.ok(file.dockerPath && file.dockerPath !== 'docker', 'the repository sets a dockerPath of its own');
    const f = await (await api()).facts();
    assert.equal(f.config.dockerPath, 'docker');
    assert.equal(f.config.image, `${fixture().image}`, 'the rest of the file applies');
  });

  it('still reads the repository and the registry', async () => {
    assert.equal((await root('version')).label, 'Version 1.2.3');
    const images = await (await api()).tree.getChildren(await root('images'));
    assert.ok(images.some((n) => n.label === 'v1.2.3'));
  });

  it('says why an action is blocked', () => {
    assert.equal(trustBlockReason(true, 'Smoke testing'), undefined);
    assert.match(
      trustBlockReason(false, 'Smoke testing')!,
      /^Smoke testing is disabled in an untrusted workspace: .*executes the repository's code/,
    );
  });
});
