import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, child, fixture, root } from './api';

const head = async (tag: string) => {
  const f = fixture();
  const [registry, repo] = [f.image.split('/')[0], f.image.split('/').slice(1).join('/')];
  const r = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.index.v1+json' },
  });
  return r.headers.get('docker-content-digest');
};

describe('commands that read and change the registry (real registry, real image layers)', () => {
  it('rolls latest back to a version without pulling, verifies it, and the view shows the drift', async () => {
    const f = fixture();
    assert.equal(await head('latest'), f.digests['v1.2.3']);
    try {
      const result = await vscode.commands.executeCommand<{ applied: boolean; from: string; to: string }>(
        'releaseOperator.rollback',
        { version: '1.2.2', confirmed: true },
      );
      assert.deepEqual([result?.applied, result?.from, result?.to], [true, f.digests['v1.2.3'], f.digests['v1.2.2']]);
      assert.equal(await head('latest'), f.digests['v1.2.2']);
      const latest = await child(await root('images'), 'latest');
      assert.equal(latest.icon, 'warning', 'latest no longer points where the tag scheme says');
    } finally {
      await vscode.commands.executeCommand('releaseOperator.rollback', { version: '1.2.3', confirmed: true });
    }
    assert.equal(await head('latest'), f.digests['v1.2.3']);
    assert.equal((await child(await root('images'), 'latest')).icon, 'package');
  });

  it('checks glibc of both platforms of an image tag from the registry', async () => {
    const report = await vscode.commands.executeCommand<{ ok: boolean; platforms: Array<{ platform: string }> }>(
      'releaseOperator.checkGlibc',
      { reference: `${fixture().image}:v1.2.3` },
    );
    assert.ok(report, 'the command returned a report');
    assert.deepEqual(report.platforms.map((p) => p.platform).sort(), ['linux/amd64', 'linux/arm64']);
    assert.equal(report.ok, true, 'static busybox needs no glibc');
    // Shown as rows, not a text dump: per platform the gate's glibc row, its binaries under it.
    const a = await api();
    const extra = (await a.readiness.provider.getChildren()).find((n) => n.id === 'extra');
    assert.ok(extra, 'the glibc result is a section of the Readiness view');
    const rows = await a.readiness.provider.getChildren(extra);
    assert.deepEqual(
      rows.map((r) => [r.label, r.icon]),
      [
        ['glibc linux/amd64', 'pass'],
        ['glibc linux/arm64', 'pass'],
      ],
    );
    const binaries = await a.readiness.provider.getChildren(rows[0]);
    assert.ok(binaries.length > 0 && binaries.every((b) => b.contextValue === 'glibcBinary'), 'binaries listed');
  });

  it('checks release consistency: every version git tag has its image', async () => {
    const report = await vscode.commands.executeCommand<{
      image: string;
      findings: Array<{ kind: string; message: string }>;
      notes: string[];
    }>('releaseOperator.audit');
    assert.ok(report, 'the command returned a report');
    assert.equal(report.image, fixture().image);
    assert.deepEqual(
      report.findings.filter((x) => x.kind === 'half-release'),
      [],
    );
    assert.ok(
      report.notes.some((n) => /GitHub/.test(n)),
      `says GitHub was not read: ${report.notes}`,
    );
    const doc = vscode.window.activeTextEditor?.document;
    assert.equal(doc?.uri.scheme, 'release-operator', 'the report opens as a read-only document, not untitled');
    assert.match(doc?.getText() ?? '', /Release consistency of/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await api();
  });
});
