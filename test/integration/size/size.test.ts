import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { defaultConfig } from '../../../src/core/config/load';
import { runProcess } from '../../../src/core/process/run';
import { contentCache } from '../../../src/core/registry/cache';
import { budgetsFromConfig, sizeChecks, sizeReport } from '../../../src/core/size';
import { ARTIFACTS } from '../../helpers/paths';
import { useRegistry } from '../../helpers/registry';
import { clientFor } from '../registry/util';

/** The 20.10 client builds with BuildKit without buildx; the Docker 28 client writes manifest lists. */
const DOCKER = '/usr/bin/docker';
const DOCKER28 = '/usr/local/bin/docker';
const LABEL = 'release-operator.test=size';

/**
 * Size per platform on two real releases: images built by the Docker engine (BuildKit, so their configs carry
 * the build history) for linux/amd64 and linux/arm64, pushed to a registry of the test's own and joined into
 * manifest lists. 1.1.0 adds a layer of 600 kB of random bytes per platform to 1.0.0.
 */
describe('size: per platform, from the manifests', function () {
  this.timeout(300_000);
  const reg = useRegistry('none');
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const ctx = path.join(ARTIFACTS, `size-${id}`);
  const local: string[] = [];
  const repo = () => `${reg().host}/acme/sized`;

  const sh = async (cmd: string, args: string[], env: Record<string, string> = {}) => {
    const r = await runProcess(cmd, args, { env, timeoutMs: 300_000 });
    if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async function () {
    this.timeout(300_000);
    await mkdir(ctx, { recursive: true });
    await copyFile('/bin/busybox', path.join(ctx, 'busybox'));
    for (const arch of ['amd64', 'arm64']) {
      await writeFile(path.join(ctx, `app-${arch}.bin`), randomBytes(200_000));
      await writeFile(path.join(ctx, `big-${arch}.bin`), randomBytes(600_000));
    }
    const files = {
      '1.0.0': 'FROM scratch\nARG TARGETARCH\nCOPY busybox /bin/busybox\nCOPY app-${TARGETARCH}.bin /app/app.bin\n',
      '1.1.0':
        'FROM scratch\nARG TARGETARCH\nCOPY busybox /bin/busybox\nCOPY app-${TARGETARCH}.bin /app/app.bin\nCOPY big-${TARGETARCH}.bin /app/big.bin\n',
    };
    for (const [v, dockerfile] of Object.entries(files)) {
      await writeFile(path.join(ctx, `Dockerfile.${v}`), dockerfile);
      const platformTags: string[] = [];
      for (const arch of ['amd64', 'arm64']) {
        const tag = `${repo()}:v${v}-${arch}`;
        await sh(
          DOCKER,
          [
            'build',
            '-q',
            '--platform',
            `linux/${arch}`,
            '--label',
            LABEL,
            '-f',
            path.join(ctx, `Dockerfile.${v}`),
            '-t',
            tag,
            ctx,
          ],
          { DOCKER_BUILDKIT: '1' },
        );
        local.push(tag);
        await sh(DOCKER, ['push', tag]);
        platformTags.push(tag);
      }
      await sh(DOCKER28, ['manifest', 'create', '--insecure', `${repo()}:v${v}`, ...platformTags]);
      await sh(DOCKER28, ['manifest', 'push', '--purge', '--insecure', `${repo()}:v${v}`]);
    }
  });
  after(async () => {
    for (const tag of local) await runProcess(DOCKER, ['rmi', tag]).catch(() => undefined);
    await rm(ctx, { recursive: true, force: true });
  });

  /** A manifest read without the product. */
  const raw = async (ref: string) =>
    (await (
      await fetch(`${reg().url}/v2/acme/sized/manifests/${ref}`, {
        headers: {
          accept:
            'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json',
        },
      })
    ).json()) as {
      manifests?: Array<{ digest: string; platform: { architecture: string } }>;
      layers?: Array<{ digest: string; size: number }>;
    };
  const layersOf = async (tag: string, arch: string) => {
    const index = await raw(tag);
    const entry = index.manifests!.find((m) => m.platform.architecture === arch)!;
    return (await raw(entry.digest)).layers!;
  };

  it('figures equal the sum of the layer sizes in the manifests; the delta names the layers that changed', async () => {
    contentCache.clear();
    const report = await sizeReport(clientFor(reg()), `${repo()}:v1.1.0`, defaultConfig());
    assert.deepEqual(
      report.image.platforms.map((p) => p.platform),
      ['linux/amd64', 'linux/arm64'],
    );
    assert.equal(report.previous?.tag, 'v1.0.0');
    assert.match(report.previous.why, /newest stable version tag below v1\.1\.0/);
    for (const p of report.image.platforms) {
      const arch = p.platform.split('/')[1];
      const now = await layersOf('v1.1.0', arch);
      const before = await layersOf('v1.0.0', arch);
      assert.equal(
        p.compressed,
        now.reduce((n, l) => n + l.size, 0),
        p.platform,
      );
      assert.deepEqual(
        p.layers.map((l) => [l.digest, l.size]),
        now.map((l) => [l.digest, l.size]),
      );
      // Every layer has the BuildKit instruction that made it (build arguments expanded).
      assert.deepEqual(
        p.layers.map((l) => l.instruction),
        ['COPY busybox /bin/busybox', `COPY app-${arch}.bin /app/app.bin`, `COPY big-${arch}.bin /app/big.bin`],
      );
      const d = report.deltas.find((x) => x.platform === p.platform)!;
      const had = new Set(before.map((l) => l.digest));
      assert.deepEqual(
        d.added.map((l) => l.digest),
        now.filter((l) => !had.has(l.digest)).map((l) => l.digest),
      );
      assert.equal(d.added.length, 1, 'only the new COPY made a new layer');
      assert.equal(d.added[0].instruction, `COPY big-${arch}.bin /app/big.bin`);
      assert.deepEqual(d.removed, []);
      assert.equal(d.growth, p.compressed - before.reduce((n, l) => n + l.size, 0));
      assert.ok(d.growth > 600_000, `600 kB of random bytes do not compress: ${d.growth}`);
    }
    // No budget: the rows say so and do not pass.
    const rows = sizeChecks(report, budgetsFromConfig(defaultConfig()));
    assert.deepEqual(
      rows.map((r) => r.verdict),
      ['nothing-checked', 'nothing-checked'],
    );
    assert.match(
      rows[0].summary,
      /nothing checked: looked for a size budget .*; found .* compressed; \+\d+(\.\d+)? (kB|MB) since v1\.0\.0/,
    );
  });

  it('a budget exceeded fails with the figure and the budget; one met passes', async () => {
    contentCache.clear();
    const client = clientFor(reg());
    const config = defaultConfig();
    const amd = (await layersOf('v1.1.0', 'amd64')).reduce((n, l) => n + l.size, 0);
    const arm = (await layersOf('v1.1.0', 'arm64')).reduce((n, l) => n + l.size, 0);
    config.size.budget = String(amd - 1);
    config.size.platformBudgets = { 'linux/arm64': `${Math.ceil((arm + 1000) / 1000)}kB` };
    const rows = sizeChecks(await sizeReport(client, `${repo()}:v1.1.0`, config), budgetsFromConfig(config));
    const [a, b] = rows;
    assert.equal(a.verdict, 'problem');
    assert.equal(a.findings[0].message.startsWith(`linux/amd64 is `), true);
    assert.match(a.findings[0].message, new RegExp(`over its budget of ${amd - 1} \\(size\\.budget\\) by 1 B`));
    assert.deepEqual(a.findings[0].evidence, { size: amd, budget: amd - 1, budgetText: String(amd - 1) });
    assert.equal(b.verdict, 'pass', b.summary);
    assert.deepEqual(b.basis?.[0], {
      subject: 'size budget linux/arm64',
      value: config.size.platformBudgets['linux/arm64'],
      source: 'configured',
      detail: 'size.platformBudgets.linux/arm64',
    });

    // Growth per release: 600 kB on ~1.5 MB is far over 10%.
    config.size.budget = '';
    config.size.platformBudgets = {};
    config.size.maxGrowth = '10%';
    const growth = sizeChecks(await sizeReport(client, `${repo()}:v1.1.0`, config), budgetsFromConfig(config));
    assert.deepEqual(
      growth.map((r) => r.verdict),
      ['problem', 'problem'],
    );
    assert.match(
      growth[0].findings[0].message,
      /^linux\/amd64 grew \+\d+(\.\d+)? kB \(\+\d+\.\d%\) since v1\.0\.0, to .*: over the growth budget of 10% \(size\.maxGrowth: /,
    );
    // The first release has nothing to grow from: the growth budget examined nothing there.
    const first = sizeChecks(await sizeReport(client, `${repo()}:v1.0.0`, config), budgetsFromConfig(config));
    assert.deepEqual(
      first.map((r) => r.verdict),
      ['nothing-checked', 'nothing-checked'],
    );
    assert.match(first[0].summary, /the growth budget needs a previous release \(no release below v1\.0\.0/);
  });

  it('size (CLI) prints sizes, largest layers, the delta, and exits 1 over budget', async () => {
    const dir = path.join(ctx, 'repo');
    await mkdir(dir, { recursive: true });
    await sh('git', ['init', '-q', dir]);
    await writeFile(
      path.join(dir, 'release-operator.json'),
      JSON.stringify({ size: { budget: '1MB', maxGrowth: '2MB' } }),
    );
    let stdout = '';
    let stderr = '';
    contentCache.clear();
    const code = await runCli(
      ['size', `${repo()}:v1.1.0`, '--cwd', dir],
      {
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        env: { ...process.env, GITHUB_TOKEN: '' },
      },
      new AbortController().signal,
    );
    assert.equal(code, 1, stderr);
    assert.match(stdout, /compared with v1\.0\.0: the newest stable version tag below v1\.1\.0/);
    assert.match(stdout, /^linux\/amd64 {2}\d\.\d\d MB compressed in 3 layer\(s\), \+\d+ kB since v1\.0\.0/m);
    assert.match(stdout, /^ {4} +\d+ kB {2}sha256:[0-9a-f]{12} {2}COPY big-amd64\.bin \/app\/big\.bin$/m);
    assert.match(stdout, /^ {2}new: +\d+ kB {2}sha256:[0-9a-f]{12} {2}COPY big/m);
    assert.match(
      stdout,
      /^problem: Size linux\/amd64: \d\.\d\d MB compressed \(budget 1MB\); \+\d+ kB since v1\.0\.0 \(growth budget 2MB\)$/m,
    );
    assert.match(
      stdout,
      /^ {2}problem: linux\/amd64 is \d\.\d\d MB compressed, over its budget of 1MB \(size\.budget\) by \d+ kB$/m,
    );
  });
});
