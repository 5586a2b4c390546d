import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/core/config/load';
import { runProcess } from '../../../src/core/process/run';
import { RegistryClient, registryState } from '../../../src/core/registry';
import { contentCache } from '../../../src/core/registry/cache';
import { runSmoke, smokeOptionsFromConfig } from '../../../src/core/smoke';
import { recordFigure } from '../../helpers/figures';
import { ARTIFACTS, FIXTURES } from '../../helpers/paths';
import { assertTagPages } from '../../helpers/tag-pages';
import { pushImage, pushIndex, putManifest, startProxy, useRegistry, type TestProxy } from '../../helpers/registry';

const DOCKER = '/usr/bin/docker';
const TAGS = 500;
const IN_FLIGHT = 16;

/** A fetch that counts requests and the most in flight at once (what the registry would see). */
function countingFetch() {
  const stats = { requests: 0, inFlight: 0, peak: 0 };
  const f: typeof fetch = async (input, init) => {
    stats.requests++;
    stats.peak = Math.max(stats.peak, ++stats.inFlight);
    try {
      const res = await fetch(input, init);
      // Count the body as in flight until it is read: wrap it so the counter drops when it ends.
      const buf = await res.arrayBuffer();
      return new Response(init?.method === 'HEAD' ? null : buf, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } finally {
      stats.inFlight--;
    }
  };
  return { f, stats };
}

describe('reliability: load', function () {
  this.timeout(300_000);

  describe(`registry state of ${TAGS} tags with ${IN_FLIGHT} requests in flight`, () => {
    const reg = useRegistry('none');
    const repo = 'acme/many';
    let digest = '';
    let proxy: TestProxy;
    after(async () => proxy?.stop());

    before(async function () {
      this.timeout(300_000);
      const amd = await pushImage(reg(), repo, { platform: 'linux/amd64' });
      const arm = await pushImage(reg(), repo, { platform: 'linux/arm64' });
      const idx = await pushIndex(reg(), repo, [amd, arm], { tag: 'v1.0.0', attestations: true });
      digest = idx.digest;
      const names = [...Array(TAGS - 1).keys()].map((i) => `v1.0.${i + 1}`);
      for (let i = 0; i < names.length; i += 16)
        await Promise.all(names.slice(i, i + 16).map((t) => putManifest(reg(), repo, t, idx.bytes, idx.mediaType)));
      // ghcr.io pages tags 100 at a time.
      proxy = await startProxy(reg(), { pageSize: 100 });
    });

    it('every tag with its digest and platforms, bounded concurrency, one request per tag, memory reported', async () => {
      contentCache.clear();
      const { f, stats } = countingFetch();
      const client = new RegistryClient({ credentials: async () => undefined, concurrency: IN_FLIGHT, fetch: f });
      const { config } = await loadConfig(ARTIFACTS);
      const rssBefore = process.memoryUsage().rss;
      let peakRss = rssBefore;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
      const state = await registryState(`${proxy.host}/${repo}`, config, client, { limit: TAGS }).finally(() =>
        clearInterval(sampler),
      );
      assert.equal(state.error, undefined);
      assert.equal(state.totalTags, TAGS);
      assert.equal(state.tags.length, TAGS);
      assert.equal(new Set(state.tags.map((t) => t.tag)).size, TAGS);
      for (const t of state.tags) {
        assert.equal(t.digest, digest, t.tag);
        assert.deepEqual(t.platforms, ['linux/amd64', 'linux/arm64'], t.tag);
        assert.equal(t.attestations, 2);
      }
      assert.ok(stats.peak <= IN_FLIGHT, `${stats.peak} requests in flight`);
      assert.ok(stats.peak >= 2, 'requests did run side by side');
      const pages = proxy.requests.filter((r) => r.path.includes('/tags/list')).length;
      assertTagPages(pages, TAGS / 100);
      // The pages and one GET per tag (no ping: the first page stands for it): no storm, no re-fetch.
      assert.ok(stats.requests <= pages + TAGS, `${stats.requests} requests`);
      recordFigure('load', `registry state of ${TAGS} tags`, {
        requests: stats.requests,
        peakInFlight: stats.peak,
        rssGrowthMiB: Math.round(((peakRss - rssBefore) / 2 ** 20) * 10) / 10,
        maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      });
    });
  });

  describe('two smoke runs at once', () => {
    let context: string;
    const tag = `ro-reliability-load:healthy-${process.pid}`;
    before(async function () {
      this.timeout(300_000);
      mkdirSync(ARTIFACTS, { recursive: true });
      context = mkdtempSync(path.join(ARTIFACTS, 'reliability-load-'));
      cpSync(path.join(FIXTURES, 'smoke'), context, { recursive: true });
      copyFileSync('/bin/busybox', path.join(context, 'busybox-amd64'));
      const r = await runProcess(
        DOCKER,
        [
          'build',
          '-q',
          '--platform',
          'linux/amd64',
          '--label',
          'release-operator.test=reliability',
          '-t',
          tag,
          context,
        ],
        { env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 300_000 },
      );
      assert.equal(r.exitCode, 0, r.stderr);
    });
    after(async () => {
      await runProcess(DOCKER, ['rmi', '-f', tag]);
      rmSync(context, { recursive: true, force: true });
    });

    it('both pass with their own containers and ports, and leave nothing behind', async () => {
      const { config } = await loadConfig(context);
      config.dockerPath = DOCKER;
      const options = () => ({
        ...smokeOptionsFromConfig(config, context, { image: tag }),
        platforms: ['linux/amd64'],
        labels: { 'release-operator.test': 'reliability' },
        pollIntervalMs: 250,
      });
      const [a, b] = await Promise.all([
        runSmoke(options(), { runner: runProcess }),
        runSmoke(options(), { runner: runProcess }),
      ]);
      for (const r of [a, b]) assert.equal(r.outcome, 'passed', JSON.stringify(r.platforms, null, 1));
      assert.notEqual(a.runId, b.runId);
      let left = 0;
      for (const r of [a, b]) {
        const ps = await runProcess(DOCKER, ['ps', '-aq', '--filter', `label=release-operator.smoke=${r.runId}`]);
        left += ps.stdout.split('\n').filter((l) => l.trim()).length;
      }
      recordFigure('containers-left', 'two smoke runs at once', { containers: left });
      assert.equal(left, 0);
    });
  });
});
