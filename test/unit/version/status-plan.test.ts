import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import { describeBasis } from '../../../src/core/report/text';
import { statusFromFacts, withImageTags, withRegistry } from '../../../src/core/status';
import { imageTagScheme } from '../../../src/core/version/scheme';

const tag = (name: string) => ({ name, commit: 'c'.repeat(40), date: '2024-01-01T00:00:00Z' });

/** A backport checkout: package.json 1.2.4 while v1.3.0 is already tagged. */
async function backport() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ro-plan-'));
  writeFileSync(path.join(root, 'package.json'), '{"version":"1.2.4"}');
  const config = { ...defaultConfig(), image: 'registry.example/acme/app' };
  const facts = { root, head: 'abcdef0123456789', remotes: [], tags: ['v1.2.3', 'v1.3.0', 'notes-2024'].map(tag) };
  return { config, status: await statusFromFacts(facts, config) };
}

describe('status: the one tag plan, with the released versions and the scheme it used', () => {
  it('from git alone: a backport never plans latest or the major tag; the scheme says where each prefix came from', async () => {
    const { status } = await backport();
    assert.deepEqual(
      status.tagPlan.map((t) => t.tag),
      ['v1.2.4', 'v1.2', 'abcdef0'],
    );
    assert.deepEqual(
      status.tagsHeld.map((t) => `${t.tag}->${t.stays}`),
      ['v1->1.3.0', 'latest->1.3.0'],
    );
    assert.deepEqual(status.scheme.map(describeBasis), [
      'git tags: prefix "v", inferred from 2 of 2 version tags',
      'image tags: prefix "v", by default (image tags not read yet)',
    ]);
  });

  it("with the registry's tags: their prefix, and their versions count as released", async () => {
    const { config, status } = await backport();
    const s = withImageTags(status, config, imageTagScheme(config.tags, ['1.2.3', '1.3.0', '2.0.0-rc.1', 'latest']));
    assert.equal(s.imagePrefix, '');
    assert.deepEqual(
      s.tagPlan.map((t) => t.tag),
      ['1.2.4', '1.2', 'abcdef0'],
    );
    assert.equal(describeBasis(s.scheme[1]), 'image tags: no prefix, inferred from 3 of 3 version tags');
    // A version released only to the registry (no git tag) still holds latest.
    const ahead = withImageTags(status, config, imageTagScheme(config.tags, ['1.2.3', '1.4.0']));
    assert.deepEqual(
      ahead.tagsHeld.map((t) => `${t.tag}->${t.stays}`),
      ['1->1.4.0', 'latest->1.4.0'],
    );
  });

  it('a registry that could not be read: the plan stays, and the scheme says why nothing was inferred', async () => {
    const { config, status } = await backport();
    const s = withRegistry(status, config, { repository: config.image, tags: [], totalTags: 0, error: 'down' });
    assert.deepEqual(s.tagPlan, status.tagPlan);
    assert.equal(
      describeBasis(s.scheme[1]),
      'image tags: prefix "v", by default (image tags not read: the registry could not be read)',
    );
  });
});
