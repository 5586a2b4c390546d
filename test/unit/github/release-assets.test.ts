import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkReleaseAssets, type ReleaseAssetsRequest } from '../../../src/core/assets';
import { DEFAULT_ARCHIVE_LIMITS } from '../../../src/core/archive';
import { runCli } from '../../../src/cli/main';
import { GitHubClient } from '../../../src/core/github';
import { combineVerdicts } from '../../../src/core/report';
import { AssetHost } from '../../helpers/asset-host';
import { FOREIGN, fixtureFile } from '../../helpers/elf-fixtures';
import { GitHubFake } from '../../helpers/github-fake';
import { ASSET, RELEASES, releaseFiles, serveRelease } from '../../helpers/github-release';

const repo = { owner: 'acme', name: 'tool' };

describe('glibc: the assets of a GitHub Release, through the GitHub stand-in and a second host for the files', () => {
  let fake: GitHubFake;
  let host: AssetHost;
  const client = () => GitHubClient.create({ apiUrl: fake.url, token: async () => fake.token });
  const request = (over: Partial<ReleaseAssetsRequest> = {}): ReleaseAssetsRequest => ({
    repo,
    tag: 'v1.2.3',
    policies: {
      patterns: { '*-x86_64-*linux*': 'el8', '*-aarch64-*linux*': 'bookworm' },
      fallback: { policy: '', maxGlibc: '' },
    },
    ...over,
  });

  beforeEach(async () => {
    fake = await GitHubFake.start();
    host = await AssetHost.start();
  });
  afterEach(async () => {
    await fake.close();
    await host.close();
    fake.assertNoViolations();
  });

  it('checks each Linux binary per asset and architecture against its policy; the rest are skipped with the reason', async () => {
    serveRelease(fake, host, await releaseFiles());
    const out = await checkReleaseAssets(request(), { github: await client() });
    const rows = Object.fromEntries(out.checks.map((c) => [`${c.id} ${c.subject}`, c]));

    const x86 = rows['release-asset tool-1.2.3-x86_64-unknown-linux-gnu.tar.gz'];
    assert.equal(x86.verdict, 'problem');
    assert.equal(x86.examined.count, 1);
    assert.match(x86.summary, /linux\/amd64.*needs glibc 2\.38; policy el8 \(glibc 2\.28\)/);
    assert.ok(
      x86.findings.some((f) => /x86_64-unknown-linux-gnu\.tar\.gz!tool-1\.2\.3\/tool .*GLIBC_2\.38/.test(f.message)),
    );
    assert.deepEqual(x86.basis, [
      {
        subject: 'glibc policy for tool-1.2.3-x86_64-unknown-linux-gnu.tar.gz',
        value: 'policy el8 (glibc 2.28)',
        source: 'configured',
        detail: 'glibc.assets "*-x86_64-*linux*"',
      },
    ]);
    assert.match(x86.next?.[0].command ?? '', /glibc tool-1\.2\.3-x86_64-unknown-linux-gnu\.tar\.gz --policy el8/);
    assert.equal((x86.evidence as { floor: string }).floor, 'glibc 2.38');

    const arm = rows['release-asset tool-1.2.3-aarch64-unknown-linux-gnu.tar.xz'];
    assert.equal(arm.verdict, 'pass', arm.summary);
    assert.match(arm.summary, /linux\/arm64.*policy bookworm \(glibc 2\.36\)/);

    const all = rows['release-assets v1.2.3'];
    assert.equal(all.verdict, 'pass');
    assert.equal(all.examined.count, 2);
    const skipped = Object.fromEntries(all.findings.map((f) => [f.subject, f.message]));
    assert.match(skipped['SHA256SUMS'], /a checksum file/);
    assert.match(skipped['tool-1.2.3-x86_64-apple-darwin.tar.gz'], /a macOS build/);
    assert.match(skipped['tool-1.2.3-x86_64-pc-windows-msvc.zip'], /a Windows build/);
    assert.match(skipped['docs.tar.gz'], /no Linux binary inside \(tar\.gz, 1 entry\)/);
    assert.equal(combineVerdicts(out.checks.map((c) => c.verdict)), 'problem');

    // Downloads went API -> 302 -> the second host, and the token never left GitHub's origin.
    assert.equal(fake.calls('GET', ASSET), 3, 'the two Linux archives and docs.tar.gz, nothing skipped by name');
    assert.equal(host.requests.length, 3);
    for (const r of host.requests) assert.equal(r.headers.authorization, undefined, `${r.path} saw a token`);
    assert.ok(host.requests.every((r) => /sig=signed/.test(r.path)));
  });

  it('a draft (not yet published) is found among the Releases and checked the same way', async () => {
    serveRelease(fake, host, await releaseFiles(), { draft: true });
    const out = await checkReleaseAssets(request(), { github: await client() });
    assert.equal(out.release?.draft, true);
    assert.equal(out.checks.at(-1)!.subject, 'v1.2.3 (draft)');
    assert.equal(out.checks.at(-1)!.examined.count, 2);
    assert.equal(fake.calls('GET', RELEASES), 1);
  });

  it('zero Linux binaries is nothing checked, never a pass; no Release at all too', async () => {
    const files = (await releaseFiles()).filter((f) => !/linux/.test(f.name));
    serveRelease(fake, host, files);
    const out = await checkReleaseAssets(request(), { github: await client() });
    assert.deepEqual(
      out.checks.map((c) => c.verdict),
      ['nothing-checked'],
    );
    assert.match(
      out.checks[0].summary,
      /nothing checked: looked for Linux binaries .*found 4 assets: .*SHA256SUMS \(a checksum file\)/,
    );
    const none = await checkReleaseAssets(request({ tag: 'v9.9.9' }), { github: await client() });
    assert.equal(none.checks[0].verdict, 'nothing-checked');
    assert.match(none.checks[0].summary, /a Release or draft for the tag v9\.9\.9/);
  });

  it('a command-line policy wins; an asset without any policy is a problem, not a pass', async () => {
    serveRelease(fake, host, await releaseFiles());
    const trixie = await checkReleaseAssets(
      request({
        policies: { flag: { policy: 'trixie' }, patterns: { '*': 'el8' }, fallback: { policy: '', maxGlibc: '' } },
      }),
      {
        github: await client(),
      },
    );
    assert.ok(trixie.checks.filter((c) => c.id === 'release-asset').every((c) => c.verdict === 'pass'));
    assert.equal(trixie.checks[0].basis?.[0].detail, '--policy trixie');
    const none = await checkReleaseAssets(
      request({ policies: { patterns: {}, fallback: { policy: '', maxGlibc: '' } } }),
      {
        github: await client(),
      },
    );
    const row = none.checks.find((c) => c.subject === 'tool-1.2.3-aarch64-unknown-linux-gnu.tar.xz')!;
    assert.equal(row.verdict, 'problem');
    assert.ok(row.findings.some((f) => f.rule === 'no-policy'));
  });

  it('an asset named for one architecture that holds another is a problem', async () => {
    const armLs = fixtureFile(`${FOREIGN}/coreutils_arm64/bin/ls`);
    serveRelease(fake, host, [{ name: 'tool-linux-amd64', bytes: readFileSync(armLs) }]);
    const out = await checkReleaseAssets(
      request({ policies: { flag: { policy: 'trixie' }, patterns: {}, fallback: { policy: '', maxGlibc: '' } } }),
      {
        github: await client(),
      },
    );
    assert.equal(out.checks[0].verdict, 'problem');
    assert.ok(out.checks[0].findings.some((f) => f.rule === 'wrong-architecture'));
  });

  it('an asset over the size limit is an environment row naming limits.assetMegabytes', async () => {
    serveRelease(fake, host, await releaseFiles());
    const out = await checkReleaseAssets(request(), {
      github: await client(),
      limits: { ...DEFAULT_ARCHIVE_LIMITS, assetBytes: 100 },
    });
    const row = out.checks.find((c) => c.subject === 'tool-1.2.3-x86_64-unknown-linux-gnu.tar.gz')!;
    assert.equal(row.verdict, 'environment');
    assert.match(row.summary, /limits\.assetMegabytes/);
  });

  it('CLI: glibc --release prints a row per asset with its floor and policy, exit 1 on a problem; --json has the report', async () => {
    serveRelease(fake, host, await releaseFiles());
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void err.push(t),
      env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url },
    };
    const code = await runCli(
      ['glibc', '--release', 'v1.2.3', '--repo', 'acme/tool', '--policy', 'el8', '--cwd', '/'],
      io,
      new AbortController().signal,
    );
    const text = out.join('');
    if (process.env.SHOW) console.log(text);
    assert.equal(code, 1, err.join(''));
    assert.match(text, /^glibc release acme\/tool v1\.2\.3: not ready/);
    assert.match(
      text,
      /problem\s+Release asset tool-1\.2\.3-x86_64-unknown-linux-gnu\.tar\.gz\s+1 Linux binary \(linux\/amd64\); needs glibc 2\.38; policy el8/,
    );
    assert.match(text, /note: SHA256SUMS: skipped, a checksum file/);
    assert.match(text, /based on: glibc policy for .*: policy el8 \(glibc 2\.28\), configured \(--policy el8\)/);
    assert.ok(!text.includes(fake.token));
    out.length = 0;
    const jcode = await runCli(
      ['glibc', '--release', 'v1.2.3', '--repo', 'acme/tool', '--policy', 'trixie', '--json', '--cwd', '/'],
      io,
      new AbortController().signal,
    );
    const doc = JSON.parse(out.join(''));
    assert.equal(jcode, 0, err.join(''));
    assert.equal(doc.verdict, 'pass');
    assert.equal(doc.checked, 4, '2 binaries in 2 asset rows, and the 2 assets in the Release row');
    assert.equal(doc.assets.find((a: { name: string }) => a.name === 'SHA256SUMS').status, 'skipped');
  });
});
