import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { FIXTURES } from '../../helpers/paths';
import type { PlatformSmoke } from '../../../src/extension/smokeResults';
import { ACTIVE_RUNS_DIR } from '../../../src/core/container/active';
import type { SmokeCleanupResult } from '../../../src/core/smoke';
import { api, fixture, root } from './api';

describe('smoke from the command, live in the status bar (real Docker, arm64 under QEMU)', () => {
  it('runs both platforms of a good image; the status bar and the tree show them passed', async () => {
    const a = await api();
    const reference = `${fixture().image}:v1.2.3`;
    // Both platforms show as running (spinning in the status bar) as soon as the run starts.
    let sawRunning = '';
    const sub = a.smoke.onDidChange(() => {
      if (a.smoke.all().length === 2 && a.smoke.all().every((r) => r.state === 'running'))
        sawRunning ||= a.statusBar.item.text;
    });
    const results = await Promise.resolve(
      vscode.commands.executeCommand<PlatformSmoke[]>('releaseOperator.runSmoke', {
        reference,
        platforms: ['linux/amd64', 'linux/arm64'],
      }),
    ).finally(() => sub.dispose());
    assert.equal(sawRunning, '$(beaker) $(sync~spin) amd64  $(sync~spin) arm64');
    assert.ok(results, 'the command returned results');
    assert.deepEqual(
      results.map((r) => [r.platform, r.state]),
      [
        ['linux/amd64', 'passed'],
        ['linux/arm64', 'passed'],
      ],
      JSON.stringify(results),
    );
    assert.equal(a.statusBar.item.text, '$(beaker) $(pass) amd64  $(pass) arm64');
    const smoke = await a.tree.getChildren(await root('smoke'));
    assert.deepEqual(
      smoke.map((n) => [n.label, n.icon]),
      [
        ['linux/amd64', 'pass'],
        ['linux/arm64', 'pass'],
      ],
    );
    const steps = await a.tree.getChildren(smoke[0]);
    assert.ok(steps.length >= 2, `steps: ${steps.map((s) => s.label)}`);
    assert.ok(
      steps.every((s) => s.icon === 'pass' && /\d+\.\d s$/.test(s.description ?? '')),
      JSON.stringify(steps.map((s) => [s.label, s.icon, s.description])),
    );
  });

  it('marks a failing platform failed and puts the container log in the Containers output channel', async () => {
    const a = await api();
    const results = await vscode.commands.executeCommand<PlatformSmoke[]>('releaseOperator.runSmoke', {
      reference: `${fixture().image}:broken`,
      platforms: ['linux/amd64'],
    });
    assert.equal(results?.[0].state, 'failed');
    assert.match(a.statusBar.item.text, /\$\(error\) amd64/);
    const tail = a.services.containerLogTail();
    assert.match(tail, /cannot open \/etc\/rocket\.conf/);
    // The run's log by platform and step; the failing step's section is marked and last, with the container's
    // log under it, then one line naming it (where show() leaves the channel: at its end).
    const step = results?.[0].steps.find((s) => s.state === 'failed')?.name;
    assert.ok(step, JSON.stringify(results));
    const run = tail.slice(tail.lastIndexOf('==== Smoke test of '));
    assert.match(run, new RegExp(`^==== linux/amd64: failed at step ${step} \\(\\d+\\.\\d s\\) ====$`, 'm'));
    const headers = run.split('\n').filter((l) => l.startsWith('---- '));
    assert.ok(headers.length >= 2, run);
    assert.match(headers.at(-1)!, new RegExp(`^---- >>> FAILED linux/amd64 › ${step}: failed`));
    assert.ok(
      headers.slice(0, -1).every((h) => !h.includes('FAILED')),
      run,
    );
    assert.ok(run.indexOf('cannot open /etc/rocket.conf') > run.indexOf(headers.at(-1)!), run);
    assert.equal(run.trimEnd().split('\n').at(-1)?.startsWith(`>>> FAILED: linux/amd64 › ${step} — `), true, run);
  });
  it('builds the Dockerfile for each platform and smoke tests what it built (smoke --build in the editor)', async () => {
    const a = await api();
    // A Dockerfile of its own (the smoke fixture: busybox per platform), set as smoke.dockerfile / smoke.context.
    const dir = path.join(fixture().workspace, 'smoke-build');
    mkdirSync(dir, { recursive: true });
    for (const f of ['Dockerfile', 'entrypoint.sh']) copyFileSync(path.join(FIXTURES, 'smoke', f), path.join(dir, f));
    copyFileSync('/bin/busybox', path.join(dir, 'busybox-amd64'));
    copyFileSync(
      '/var/cache/release-operator/foreign/busybox-static_arm64/bin/busybox',
      path.join(dir, 'busybox-arm64'),
    );
    const cfg = vscode.workspace.getConfiguration('releaseOperator');
    // The Docker 28 client on PATH has no buildx; the 20.10 client builds with BuildKit (the product's fallback).
    await cfg.update('dockerPath', '/usr/bin/docker', vscode.ConfigurationTarget.Global);
    await cfg.update('smoke.dockerfile', 'smoke-build/Dockerfile', vscode.ConfigurationTarget.Workspace);
    await cfg.update('smoke.context', 'smoke-build', vscode.ConfigurationTarget.Workspace);
    // The fixture's service has no version command of rocket's.
    await cfg.update('smoke.versionArgs', [], vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('releaseOperator.refresh');
    try {
      const results = await vscode.commands.executeCommand<PlatformSmoke[]>('releaseOperator.runSmokeBuild', {
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      assert.deepEqual(
        results?.map((r) => [r.platform, r.state, r.image]),
        [
          ['linux/amd64', 'passed', 'smoke-build/Dockerfile (local build)'],
          ['linux/arm64', 'passed', 'smoke-build/Dockerfile (local build)'],
        ],
        JSON.stringify(results),
      );
      assert.equal(a.statusBar.item.text, '$(beaker) $(pass) amd64  $(pass) arm64');
      const smoke = await a.tree.getChildren(await root('smoke'));
      const steps = await a.tree.getChildren(smoke[0]);
      assert.deepEqual(
        steps.slice(0, 2).map((s) => [s.label, s.icon]),
        [
          ['build', 'pass'],
          ['image', 'pass'],
        ],
        JSON.stringify(steps.map((s) => s.label)),
      );
      // Run again from the result's row: it builds again (the row's "reference" is a Dockerfile, not an image).
      const again = await vscode.commands.executeCommand<PlatformSmoke[]>(
        'releaseOperator.runSmokeForPlatform',
        smoke[0],
      );
      assert.deepEqual(
        again?.map((r) => [r.platform, r.state, r.build, r.steps[0]?.name]),
        [['linux/amd64', 'passed', true, 'build']],
        JSON.stringify(again),
      );
      // The build's output went to the Containers channel as it ran.
      assert.match(a.services.containerLogTail(), /\[linux\/(amd64|arm64)\] .*(COPY|DONE|writing image)/);
      // Its temporary images are gone.
      const left = execFileSync('/usr/bin/docker', ['images', '-q', '--filter', 'reference=release-operator-smoke'], {
        encoding: 'utf8',
      }).trim();
      assert.equal(left, '', 'no temporary image tag is left');
    } finally {
      await cfg.update('dockerPath', undefined, vscode.ConfigurationTarget.Global);
      for (const k of ['smoke.dockerfile', 'smoke.context', 'smoke.versionArgs'])
        await cfg.update(k, undefined, vscode.ConfigurationTarget.Workspace);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('removes what a crashed run left and spares a run in progress (Remove Containers Left by Crashed Runs)', async () => {
    const stamp = Date.now().toString(36);
    const crashed = `crashed-${stamp}`;
    const running = `running-${stamp}`;
    // A run in progress in this very process (alive), and one whose mark is gone with its process.
    mkdirSync(ACTIVE_RUNS_DIR, { recursive: true });
    writeFileSync(
      path.join(ACTIVE_RUNS_DIR, running),
      JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() }),
    );
    const create = (run: string) =>
      execFileSync(
        '/usr/bin/docker',
        [
          'create',
          '--platform',
          'linux/amd64',
          '--label',
          'release-operator=1',
          '--label',
          `release-operator.smoke=${run}`,
          `${fixture().image}:v1.2.3`,
        ],
        { encoding: 'utf8' },
      ).trim();
    const ids = [create(crashed), create(running)];
    try {
      const r = await vscode.commands.executeCommand<SmokeCleanupResult>('releaseOperator.cleanUp');
      assert.ok(r, 'the command returned what it did');
      assert.ok(
        r.containers.some((c) => c.id === ids[0]),
        "the crashed run's container was removed",
      );
      assert.ok(
        r.spared.containers.some((c) => c.id === ids[1]),
        'the running one was left alone',
      );
      const left = execFileSync(
        '/usr/bin/docker',
        ['ps', '-aq', '--no-trunc', '--filter', 'label=release-operator=1'],
        { encoding: 'utf8' },
      );
      assert.ok(!left.includes(ids[0]) && left.includes(ids[1]), left);
    } finally {
      rmSync(path.join(ACTIVE_RUNS_DIR, running), { force: true });
      spawnSync('/usr/bin/docker', ['rm', '-f', ...ids]);
    }
  });
});
