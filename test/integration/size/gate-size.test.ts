import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import { runGate } from '../../../src/core/gate';
import { runProcess } from '../../../src/core/process/run';
import { contentCache } from '../../../src/core/registry/cache';
import { ARTIFACTS } from '../../helpers/paths';
import { pushImage, pushIndex, tagManifest, useRegistry } from '../../helpers/registry';
import { clientFor } from '../registry/util';

/**
 * The size budget as a post-push gate row: a two-platform release 1.1.0 whose layers grew by 50 kB of random bytes
 * over 1.0.0, checked by the gate's post-push stage against the budgets in the configuration.
 */
describe('size: the budget in the post-push gate', function () {
  this.timeout(120_000);
  const reg = useRegistry('none');
  const repo = 'acme/gated';
  const platforms = ['linux/amd64', 'linux/arm64'];
  const sizes: Record<string, Record<string, number>> = {};

  before(async () => {
    for (const [version, bytes] of [
      ['1.0.0', 10_000],
      ['1.1.0', 60_000],
    ] as const) {
      const labels = {
        'org.opencontainers.image.version': version,
        'org.opencontainers.image.revision': 'a'.repeat(40),
        'org.opencontainers.image.source': 'https://github.com/acme/gated',
      };
      const images = await Promise.all(
        platforms.map((platform) =>
          pushImage(reg(), repo, { platform, labels, files: { 'app.bin': randomBytes(bytes) } }),
        ),
      );
      const index = await pushIndex(reg(), repo, images, { tag: `v${version}`, attestations: true });
      sizes[version] = {};
      for (const [i, p] of platforms.entries()) {
        const m = JSON.parse(images[i].bytes.toString('utf8')) as { layers: Array<{ size: number }> };
        sizes[version][p] = m.layers.reduce((n, l) => n + l.size, 0);
      }
      if (version === '1.1.0')
        for (const t of ['v1.1', 'v1', 'latest', 'aaaaaaa']) await tagManifest(reg(), repo, t, index);
      else await tagManifest(reg(), repo, 'v1.0', index);
    }
  });

  async function postPush(size: { budget?: string; maxGrowth?: string }) {
    const config = defaultConfig();
    config.supplyChain.postPush = 'off';
    Object.assign(config.size, size);
    contentCache.clear();
    return runGate(
      {
        stage: 'post-push',
        image: `${reg().host}/${repo}`,
        version: '1.1.0',
        commit: 'a'.repeat(40),
        platforms,
        record: path.join(ARTIFACTS, `no-record-${process.pid}`),
        timeoutSeconds: 60,
      },
      { config, runner: runProcess, registry: clientFor(reg()), now: () => new Date('2024-06-01T00:00:00Z') },
    );
  }

  it('over the budget: one problem row per platform with the figure and the budget; within it: pass', async () => {
    const over = await postPush({ budget: '40kB' });
    const rows = over.report.checks.filter((c) => c.id === 'size-budget');
    assert.deepEqual(
      rows.map((r) => [r.subject, r.verdict]),
      [
        ['linux/amd64', 'problem'],
        ['linux/arm64', 'problem'],
      ],
    );
    assert.equal(over.report.verdict, 'problem');
    assert.match(
      rows[0].findings[0].message,
      /^linux\/amd64 is \d+ kB compressed, over its budget of 40kB \(size\.budget\) by \d+ kB$/,
    );
    assert.equal(rows[0].findings[0].evidence?.size, sizes['1.1.0']['linux/amd64']);

    const within = await postPush({ budget: '1MB', maxGrowth: '100kB' });
    const ok = within.report.checks.filter((c) => c.id === 'size-budget');
    assert.deepEqual(
      ok.map((r) => r.verdict),
      ['pass', 'pass'],
    );
    assert.match(ok[0].summary, /compressed \(budget 1MB\); \+\d+ kB since v1\.0\.0 \(growth budget 100kB\)/);
    assert.equal(ok[0].evidence?.growth, sizes['1.1.0']['linux/amd64'] - sizes['1.0.0']['linux/amd64']);
  });

  it('growth over the growth budget fails; no budget configured: no size row at all', async () => {
    const grown = await postPush({ maxGrowth: '10%' });
    const rows = grown.report.checks.filter((c) => c.id === 'size-budget');
    assert.deepEqual(
      rows.map((r) => r.verdict),
      ['problem', 'problem'],
    );
    assert.match(rows[1].findings[0].message, /^linux\/arm64 grew \+\d+ kB \(\+\d+\.\d%\) since v1\.0\.0/);
    const none = await postPush({});
    assert.deepEqual(
      none.report.checks.filter((c) => c.id === 'size-budget'),
      [],
    );
  });
});
