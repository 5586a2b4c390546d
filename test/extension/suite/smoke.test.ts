import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PlatformSmoke } from '../../../src/extension/smokeResults';
import { api, fixture, root } from './api';

describe('smoke from the command, live in the status bar (real Docker, arm64 under QEMU)', () => {
  it('runs both platforms of a good image; the status bar and the tree show them passed', async () => {
    const a = await api();
    const reference = `${fixture().image}:v1.2.3`;
    // Both platforms show as running (spinning in the status bar) as soon as the run starts.
    let sawRunning = '';
    const sub = a.smoke.onDidChange(() => {
      if (a.smoke.all().length === 2 && a.smoke.all().every((r) => r.state === 'running')) sawRunning ||= a.statusBar.item.text;
    });
    const results = await Promise.resolve(vscode.commands.executeCommand<PlatformSmoke[]>('releaseOperator.runSmoke', { reference, platforms: ['linux/amd64', 'linux/arm64'] })).finally(() => sub.dispose());
    assert.equal(sawRunning, '$(beaker) $(sync~spin) amd64  $(sync~spin) arm64');
    assert.ok(results, 'the command returned results');
    assert.deepEqual(results.map((r) => [r.platform, r.state]), [['linux/amd64', 'passed'], ['linux/arm64', 'passed']], JSON.stringify(results));
    assert.equal(a.statusBar.item.text, '$(beaker) $(pass) amd64  $(pass) arm64');
    const smoke = await a.tree.getChildren(await root('smoke'));
    assert.deepEqual(smoke.map((n) => [n.label, n.icon]), [['linux/amd64', 'pass'], ['linux/arm64', 'pass']]);
    const steps = await a.tree.getChildren(smoke[0]);
    assert.ok(steps.length >= 2, `steps: ${steps.map((s) => s.label)}`);
    assert.ok(steps.every((s) => s.icon === 'pass' && /\d+\.\d s$/.test(s.description ?? '')), JSON.stringify(steps.map((s) => [s.label, s.icon, s.description])));
  });

  it('marks a failing platform failed and puts the container log in the Containers output channel', async () => {
    const a = await api();
    const results = await vscode.commands.executeCommand<PlatformSmoke[]>('releaseOperator.runSmoke', { reference: `${fixture().image}:broken`, platforms: ['linux/amd64'] });
    assert.equal(results?.[0].state, 'failed');
    assert.match(a.statusBar.item.text, /\$\(error\) amd64/);
    assert.match(a.services.containerLogTail(), /cannot open \/etc\/rocket\.conf/);
  });
});
