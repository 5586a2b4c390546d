import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { runProcess } from '../../../src/core/process/run';
import { GitHubFake } from '../../helpers/github-fake';
import { ARTIFACTS } from '../../helpers/paths';
import { pushImage, pushIndex, tagManifest, useRegistry, type TestRegistry } from '../../helpers/registry';

const REPO = 'acme/app';

async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await runProcess('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd: dir,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout.trim();
}

/** A multi-arch index (amd64 + arm64) whose images carry the given labels, tagged `tag`. */
async function pushRelease(
  reg: TestRegistry,
  tag: string,
  labels: Record<string, string>,
  platforms = ['linux/amd64', 'linux/arm64'],
) {
  const images = await Promise.all(platforms.map((platform) => pushImage(reg, REPO, { platform, labels })));
  return pushIndex(reg, REPO, images, { tag, attestations: true });
}

describe('audit: git tags x Releases (fake GitHub) x image tags (real registry)', function () {
  this.timeout(120_000);
  const registry = useRegistry('none');
  let fake: GitHubFake;
  let dir: string;
  const commits: Record<string, string> = {};

  before(async () => {
    const reg = registry();
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(path.join(ARTIFACTS, 'audit-'));
    await git(dir, 'init', '-q', '-b', 'main');
    await git(dir, 'remote', 'add', 'origin', 'https://github.com/acme/app.git');
    for (const v of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) {
      await git(dir, 'commit', '-q', '--allow-empty', '-m', `release ${v}`);
      await git(dir, 'tag', `v${v}`);
      commits[v] = await git(dir, 'rev-parse', 'HEAD');
    }
    const label = (v: string, revision: string) => ({
      'org.opencontainers.image.version': v,
      'org.opencontainers.image.revision': revision,
    });
    // 1.0.0: consistent. 1.1.0: amd64 only, built from the wrong commit. 1.2.0: wrong version label.
    // 1.3.0: Released, but its image was never pushed (the half release). 0.9.0: an image nobody released.
    const v100 = await pushRelease(reg, 'v1.0.0', label('1.0.0', commits['1.0.0']));
    const v110 = await pushImage(reg, REPO, {
      platform: 'linux/amd64',
      labels: label('1.1.0', commits['1.0.0']),
      tag: 'v1.1.0',
    });
    const v120 = await pushRelease(reg, 'v1.2.0', label('1.1.9', commits['1.2.0']));
    await pushRelease(reg, 'v0.9.0', label('0.9.0', 'f'.repeat(40)));
    await tagManifest(reg, REPO, 'v1.0', v100);
    await tagManifest(reg, REPO, 'v1.1', v110);
    await tagManifest(reg, REPO, 'v1.2', v120);
    await tagManifest(reg, REPO, 'v1', v120);
    await tagManifest(reg, REPO, 'latest', v110); // a rollback left behind: latest should be v1.2.0

    fake = await GitHubFake.start();
    const ex = fake.example<Array<Record<string, unknown>>>('GET', '/repos/{owner}/{repo}/releases')[0];
    const release = (id: number, tag: string, extra: Record<string, unknown> = {}) => ({
      ...ex,
      id,
      tag_name: tag,
      name: tag,
      html_url: `https://github.com/acme/app/releases/tag/${tag}`,
      draft: false,
      prerelease: false,
      ...extra,
    });
    const releases = [
      release(5, 'v1.4.0', { draft: true }),
      release(4, 'v1.3.0'),
      release(3, 'v1.2.0'),
      release(2, 'v1.1.0'),
      release(1, 'v1.0.0'),
    ];
    fake.route('GET', '/repos/{owner}/{repo}/releases', () => ({ body: releases }));
    fake.route('GET', '/repos/{owner}/{repo}/releases/latest', () => ({ body: releases[1] }));
  });
  after(async () => {
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => fake.assertNoViolations());

  async function audit(env: Record<string, string | undefined>) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      ['audit', '--image', `${registry().host}/${REPO}`, '--json', '--cwd', dir],
      { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env },
      new AbortController().signal,
    );
    return { code, stderr, report: JSON.parse(stdout) };
  }

  it('finds the half release and every other inconsistency, each with the objects involved and what to do; exit 1', async () => {
    const { code, report, stderr } = await audit({ GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url });
    assert.equal(code, 1, stderr);
    const host = registry().host;
    const kinds = report.findings.map((f: { kind: string; version: string }) => `${f.kind} ${f.version}`).sort();
    assert.deepEqual(kinds, [
      'half-release 1.3.0',
      'image-without-release 0.9.0',
      'missing-platform 1.1.0',
      'moving-tag 1.2.0',
      'revision-mismatch 1.1.0',
      'version-mismatch 1.2.0',
    ]);
    const half = report.findings.find((f: { kind: string }) => f.kind === 'half-release');
    assert.deepEqual(half.objects.gitTag, { name: 'v1.3.0', commit: commits['1.3.0'] });
    assert.equal(half.objects.release.tag, 'v1.3.0');
    assert.equal(half.objects.imageTag.reference, `${host}/${REPO}:v1.3.0`);
    assert.match(half.action, /Push the image for 1\.3\.0/);
    const moving = report.findings.find((f: { kind: string }) => f.kind === 'moving-tag');
    assert.equal(moving.objects.imageTag.reference, `${host}/${REPO}:latest`);
    assert.equal(moving.objects.actualVersion, '1.1.0');
    assert.match(moving.message, /points at v1\.1\.0; the scheme says v1\.2\.0/);
    const platform = report.findings.find((f: { kind: string }) => f.kind === 'missing-platform');
    assert.deepEqual(platform.objects.missing, ['linux/arm64']);
    const revision = report.findings.find((f: { kind: string }) => f.kind === 'revision-mismatch');
    assert.equal(revision.objects.label.value, commits['1.0.0']);
    assert.equal(revision.objects.gitTag.commit, commits['1.1.0']);
    assert.equal(
      report.findings.some((f: { version: string }) => f.version === '1.4.0'),
      false,
      'a draft Release may precede its image',
    );
  });

  it('without a token it still audits git tags against the registry and says why Releases are missing', async () => {
    const { code, report } = await audit({ GITHUB_API_URL: fake.url, PATH: process.env.PATH });
    assert.equal(code, 1);
    assert.ok(
      report.notes.some((n: string) => /GitHub Releases not read: No GitHub token/.test(n)),
      report.notes.join('\n'),
    );
    assert.ok(
      report.findings.some(
        (f: { kind: string; version: string }) => f.kind === 'half-release' && f.version === '1.3.0',
      ),
    );
  });
});
