import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { runAction } from '../../helpers/action';
import { AssetHost } from '../../helpers/asset-host';
import { GitHubFake } from '../../helpers/github-fake';
import { releaseFiles, serveRelease } from '../../helpers/github-release';
import { ARTIFACTS } from '../../helpers/paths';
import { pushImage, pushIndex, useRegistry } from '../../helpers/registry';
import { releaseWorkspace } from '../../helpers/release-fixture';

const REPO = 'acme/tool';
const BOTH = 'linux/amd64,linux/arm64';

const labels = {
  'org.opencontainers.image.version': '1.2.3',
  'org.opencontainers.image.revision': 'abc1234def',
  'org.opencontainers.image.source': 'https://github.com/acme/tool',
};

interface Row {
  id: string;
  subject?: string;
  verdict: string;
  summary: string;
  basis?: Array<{ detail?: string; source: string }>;
  examined: { count: number };
}

/**
 * The pre-release stage with the Release's assets: a real registry holds the version's image (every platform,
 * labels right, so the image rows pass and the assets decide), GitHub is the stand-in with the Release as a draft
 * (found in the list, as before publication), its assets on a second host behind the 302.
 */
describe('gate pre-release: the glibc floor of the Release assets', function () {
  this.timeout(120_000);
  const registry = useRegistry();
  let fake: GitHubFake;
  let host: AssetHost;
  let cwd: string;

  before(async () => {
    const reg = registry();
    const imgs = await Promise.all(
      ['amd64', 'arm64'].map((a) => pushImage(reg, REPO, { platform: `linux/${a}`, labels })),
    );
    await pushIndex(reg, REPO, imgs, { tag: 'v1.2.3' });
  });
  beforeEach(async () => {
    fake = await GitHubFake.start();
    host = await AssetHost.start();
    cwd = mkdtempSync(path.join(os.tmpdir(), 'ro-pre-release-assets-'));
  });
  afterEach(async () => {
    await fake.close();
    await host.close();
    rmSync(cwd, { recursive: true, force: true });
    fake.assertNoViolations();
  });

  async function preRelease(glibc: Record<string, unknown>, ...extra: string[]) {
    writeFileSync(path.join(cwd, 'release-operator.json'), JSON.stringify({ glibc }));
    let stdout = '';
    let stderr = '';
    const args = ['gate', '--stage', 'pre-release', '--image', `${registry().host}/${REPO}`, '--version', '1.2.3'];
    const code = await runCli(
      [...args, '--commit', 'abc1234def', '--platforms', BOTH, '--repo', REPO, '--cwd', cwd, ...extra],
      {
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        env: { PATH: process.env.PATH, GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url },
      },
      new AbortController().signal,
    );
    const json = extra.includes('--json') ? (JSON.parse(stdout) as { verdict: string; checks: Row[] }) : undefined;
    return { code, stdout, stderr, json };
  }
  const rowsOf = (checks: Row[]) => Object.fromEntries(checks.map((c) => [`${c.id} ${c.subject ?? ''}`.trim(), c]));

  it('glibc.assets asks for it: a draft asset over its policy stops the Release, one row per asset', async () => {
    serveRelease(fake, host, await releaseFiles(), { draft: true });
    const r = await preRelease({ assets: { '*-x86_64-*linux*': 'el8', '*-aarch64-*linux*': 'bookworm' } }, '--json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const rows = rowsOf(r.json!.checks);
    assert.equal(rows['platforms'].verdict, 'pass', 'the image is fine: the assets decide');
    assert.equal(rows['labels'].verdict, 'pass');
    const x86 = rows['release-asset tool-1.2.3-x86_64-unknown-linux-gnu.tar.gz'];
    assert.equal(x86.verdict, 'problem');
    assert.match(x86.summary, /needs glibc 2\.38; policy el8 \(glibc 2\.28\)/);
    assert.deepEqual(
      x86.basis?.map((b) => [b.source, b.detail]),
      [['configured', 'glibc.assets "*-x86_64-*linux*"']],
    );
    assert.equal(rows['release-asset tool-1.2.3-aarch64-unknown-linux-gnu.tar.xz'].verdict, 'pass');
    const release = rows['release-assets v1.2.3 (draft)'];
    assert.equal(release.verdict, 'pass');
    assert.equal(release.examined.count, 2);
    for (const q of host.requests) assert.equal(q.headers.authorization, undefined, 'the token stays with GitHub');
  });

  it('the same Release held to a policy its binaries meet passes; the text shows floor and policy per asset', async () => {
    serveRelease(fake, host, await releaseFiles(), { draft: true });
    const r = await preRelease({ assets: { '*linux*': 'trixie' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /pass\s+Release asset tool-1\.2\.3-x86_64-unknown-linux-gnu\.tar\.gz\s+.*needs glibc 2\.38; policy trixie/,
    );
    assert.match(r.stdout, /pass\s+Release assets v1\.2\.3 \(draft\)/);
  });

  it('asked for, and no Linux binary among the assets: nothing checked, never a pass', async () => {
    serveRelease(
      fake,
      host,
      (await releaseFiles()).filter((f) => !f.name.includes('linux')),
      { draft: true },
    );
    const r = await preRelease({ assets: { '*': 'el8' } }, '--json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.json!.verdict, 'nothing-checked');
    const release = rowsOf(r.json!.checks)['release-assets v1.2.3 (draft)'];
    assert.equal(release.verdict, 'nothing-checked');
    assert.match(release.summary, /looked for Linux binaries/);
  });

  it('--release-assets holds them to glibc.policy; without either, GitHub is not asked', async () => {
    serveRelease(fake, host, await releaseFiles(), { draft: true });
    const asked = await preRelease({ policy: 'trixie' }, '--release-assets', '--json');
    assert.equal(asked.code, 0, asked.stdout + asked.stderr);
    const row = rowsOf(asked.json!.checks)['release-asset tool-1.2.3-aarch64-unknown-linux-gnu.tar.xz'];
    assert.deepEqual(
      row.basis?.map((b) => [b.source, b.detail]),
      [['configured', 'glibc.policy']],
    );
    const before = fake.requests.length;
    const plain = await preRelease({ policy: 'trixie' }, '--json');
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.ok(!plain.json!.checks.some((c) => c.id.startsWith('release-asset')));
    assert.equal(fake.requests.length, before, 'no request to GitHub when the assets are not asked for');
    const skipped = await preRelease({ assets: { '*': 'el8' } }, '--skip', 'release-assets', '--json');
    assert.equal(skipped.code, 0, skipped.stdout + skipped.stderr);
    assert.ok(!skipped.json!.checks.some((c) => c.id.startsWith('release-asset')));
    assert.equal(fake.requests.length, before, '--skip release-assets asks GitHub nothing either');
  });

  it('a policy name that does not resolve is a usage error before anything runs (exit 2)', async () => {
    const r = await preRelease({ assets: { '*linux*': 'bookwrom' } });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr + r.stdout, /glibc\.assets\["\*linux\*"\].*bookwrom/);
    assert.equal(fake.requests.length, 0);
  });

  it("the Action: release-assets holds the draft's assets to glibc.policy in the job summary; off, GitHub is not asked", async () => {
    serveRelease(fake, host, await releaseFiles(), { draft: true });
    const ws = await releaseWorkspace({
      tag: 'v1.2.3',
      files: { 'release-operator.json': '{"glibc":{"policy":"el8"}}' },
    });
    const runner = mkdtempSync(path.join(ARTIFACTS, 'runner-'));
    try {
      const run = (releaseAssets: string) =>
        runAction({
          fixture: 'tag-push',
          workspace: ws.dir,
          runnerDir: runner,
          inputs: {
            stage: 'pre-release',
            image: `${registry().host}/${REPO}`,
            platforms: BOTH,
            commit: 'abc1234def',
            'release-assets': releaseAssets,
          },
          env: { GITHUB_SHA: ws.commit, GITHUB_API_URL: fake.url },
          token: fake.token,
        });
      const on = await run('true');
      const explain = `exit ${on.code}\n${on.stdout.slice(-3000)}\n${on.stderr.slice(-1000)}`;
      assert.equal(on.outputs.verdict, 'problem', explain);
      assert.equal(on.code, 1);
      // Markdown escapes the summary's underscores; the title and the verdict are lines of one section.
      const summary = on.summary.replace(/\\_/g, '_');
      assert.match(
        summary,
        /Release asset tool-1\.2\.3-x86_64-unknown-linux-gnu\.tar\.gz\n[\s\S]*?needs glibc 2\.38; policy el8/,
      );
      assert.match(summary, /Release assets v1\.2\.3 \(draft\)/);
      const report = JSON.parse(readFileSync(on.outputs['report-path'], 'utf8')) as { checks: Row[] };
      assert.ok(report.checks.some((c) => c.id === 'release-asset' && c.verdict === 'problem'));
      // The runner is told to mask it (::add-mask::), and it appears nowhere else.
      const printed = on.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
      assert.ok(!printed.join('\n').includes(fake.token) && !on.summary.includes(fake.token), 'the token is printed');

      const asked = fake.requests.length;
      const off = await run('false');
      assert.equal(off.outputs.verdict, 'pass', off.stdout.slice(-3000));
      assert.equal(fake.requests.length, asked, 'GitHub is not asked when the assets are not');
    } finally {
      rmSync(runner, { recursive: true, force: true });
      await ws.remove();
    }
  });
});
