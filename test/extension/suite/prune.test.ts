import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { PrunePlan, PruneResult } from '../../../src/core/retention';
import { pushImage, tagManifest, type PushedManifest, type TestRegistry } from '../../helpers/registry';
import { fixture } from './api';

/**
 * Prune from the editor against the test bed registry: candidate builds pushed here (single-platform, dated
 * 2024-01-01 plus K hours), one more candidate tag on the v1.2.2 release, and the fixture's default rules
 * (candidate-* keeps the newest 10 and anything younger than 14 days), counted as of 2024-06-01.
 */
describe('prune in the editor (real registry)', () => {
  const asOf = '2024-06-01T00:00:00Z';
  const pushed = new Map<number, PushedManifest>();
  const f = () => fixture();
  const parts = () => {
    const [host, ...path] = f().image.split('/');
    return { host, repo: path.join('/') };
  };
  const reg = (): TestRegistry => ({
    auth: 'none',
    host: parts().host,
    url: `http://${parts().host}`,
    tokenRequests: [],
    fetch,
    dir: '',
    log: () => '',
    stop: async () => {},
  });
  const head = async (ref: string) => {
    const r = await fetch(`${reg().url}/v2/${parts().repo}/manifests/${ref}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' },
    });
    return r.status === 200 ? r.headers.get('docker-content-digest') : null;
  };

  before(async () => {
    const nonce = randomBytes(6).toString('hex');
    for (let k = 1; k <= 12; k++)
      pushed.set(
        k,
        await pushImage(reg(), parts().repo, {
          tag: `candidate-${k}`,
          created: new Date(Date.parse('2024-01-01T00:00:00Z') + k * 3_600_000).toISOString(),
          files: { 'build.txt': `candidate ${k} ${nonce}\n` },
        }),
      );
    // A candidate that became v1.2.2: its name may go, the release may not.
    const v122 = await fetch(`${reg().url}/v2/${parts().repo}/manifests/v1.2.2`, {
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
    });
    await tagManifest(reg(), parts().repo, 'candidate-0', {
      bytes: Buffer.from(await v122.arrayBuffer()),
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
  });
  after(async () => {
    // The candidates the rules keep are this test's own: removed so the other suites see the fixture alone.
    for (const m of pushed.values())
      await fetch(`${reg().url}/v2/${parts().repo}/manifests/${m.digest}`, { method: 'DELETE' }).catch(() => undefined);
  });

  it('shows the plan, each deletion with its reason, and changes nothing without a yes', async () => {
    const out = await vscode.commands.executeCommand<{ plan: PrunePlan; applied: boolean }>('releaseOperator.prune', {
      dryRun: true,
      asOf,
    });
    assert.ok(out, 'the command returned its plan');
    assert.equal(out.applied, false);
    assert.deepEqual(
      out.plan.deletedTags.map((t) => t.tag),
      ['candidate-0', 'candidate-1', 'candidate-2'],
    );
    const text = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(text, /Prune plan for .* \(dry run: nothing was changed\)/);
    assert.match(text, /tag candidate-0 \(sha256:[0-9a-f]{12} stays\): .*also tagged [^)]*v1\.2\.2/);
    assert.match(
      text,
      /manifest sha256:[0-9a-f]{12} with tag candidate-1: image manifest that only deleted tags point at/,
    );
    assert.equal(await head('candidate-1'), pushed.get(1)!.digest);
    assert.equal(await head('candidate-0'), f().digests['v1.2.2']);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('applied: the candidates go, v1.2.2 stays, every kept tag resolves with all its platforms', async () => {
    const out = await vscode.commands.executeCommand<{ plan: PrunePlan; applied: boolean; result: PruneResult }>(
      'releaseOperator.prune',
      { confirmed: true, asOf },
    );
    assert.ok(out?.applied, 'the plan was applied');
    assert.deepEqual(out.result.counts, { deleted: 3, alreadyGone: 0, failed: 0, skipped: 0 });
    assert.equal(out.result.verification.verdict, 'pass', out.result.verification.summary);
    assert.equal(await head('candidate-1'), null);
    assert.equal(await head('candidate-2'), null);
    assert.equal(await head('candidate-0'), null);
    assert.equal(await head('v1.2.2'), f().digests['v1.2.2']);
    assert.equal(await head('candidate-3'), pushed.get(3)!.digest);
    const text = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(text, /verified: all \d+ kept tags resolve again with every platform/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
