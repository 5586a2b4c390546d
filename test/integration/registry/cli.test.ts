import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { contentCache } from '../../../src/core/registry/cache';
import { runProcess } from '../../../src/core/process/run';
import { ARTIFACTS, REPO_ROOT } from '../../helpers/paths';
import { freePort, pushImage, pushIndex, tagManifest, useRegistry, type PushedManifest } from '../../helpers/registry';

/**
 * The registry commands end to end, against a token-auth registry (the ghcr.io flow) with credentials read
 * from a docker config.json, as a CI job after `docker login` would have them.
 */
describe('registry CLI: manifest, tags, verify, rollback, status', function () {
  const reg = useRegistry('token');
  const repo = 'acme/rocket';
  const pushed = new Map<string, PushedManifest>();
  const revisions = new Map<string, string>();
  let dockerConfig: string;
  let work: string;
  const ref = (tag: string) => `${reg().host}/${repo}:${tag}`;

  async function cli(args: string[], env: Record<string, string> = {}) {
    contentCache.clear();
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      args,
      {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        env: { ...process.env, DOCKER_CONFIG: dockerConfig, GITHUB_TOKEN: '', ...env },
      },
      new AbortController().signal,
    );
    return { code, stdout, stderr };
  }

  before(async function () {
    this.timeout(120_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(path.join(ARTIFACTS, 'registry-cli-'));
    dockerConfig = path.join(work, 'docker');
    mkdirSync(dockerConfig);
    const { username, password } = reg().credentials!;
    writeFileSync(
      path.join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [reg().host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }),
    );
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
      const revision = randomBytes(20).toString('hex');
      revisions.set(v, revision);
      const labels = {
        'org.opencontainers.image.version': v,
        'org.opencontainers.image.revision': revision,
        'org.opencontainers.image.source': 'https://github.com/acme/rocket',
      };
      const images = [
        await pushImage(reg(), repo, { platform: 'linux/amd64', labels }),
        await pushImage(reg(), repo, { platform: 'linux/arm64', labels }),
      ];
      const index = await pushIndex(reg(), repo, images, { tag: `v${v}`, attestations: true });
      pushed.set(v, index);
      await tagManifest(reg(), repo, revision.slice(0, 7), index);
    }
    await tagManifest(reg(), repo, 'v1.0', pushed.get('1.0.0')!);
    await tagManifest(reg(), repo, 'v1.1', pushed.get('1.1.0')!);
    await tagManifest(reg(), repo, 'v1.2', pushed.get('1.2.0')!);
    await tagManifest(reg(), repo, 'v1', pushed.get('1.2.0')!);
    // The drift: latest was left on 1.1.0.
    await tagManifest(reg(), repo, 'latest', pushed.get('1.1.0')!);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('manifest --json shows kind, platforms with digests and attestations, labels', async () => {
    const r = await cli(['manifest', ref('v1.2.0'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.kind, 'index');
    assert.equal(j.digest, pushed.get('1.2.0')!.digest);
    assert.deepEqual(
      j.platforms.map((p: { os: string; architecture: string }) => `${p.os}/${p.architecture}`),
      ['linux/amd64', 'linux/arm64'],
    );
    assert.ok(j.platforms.every((p: { attestations: unknown[] }) => p.attestations.length === 1));
    assert.equal(j.labels['org.opencontainers.image.version'], '1.2.0');
  });

  it('manifest --require-platforms exits 1 and names the missing platform', async () => {
    const r = await cli(['manifest', ref('v1.2.0'), '--require-platforms', 'linux/amd64,linux/s390x']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /problem: required platform linux\/s390x is missing/);
    assert.doesNotMatch(r.stdout, /linux\/amd64 is missing/);
    assert.doesNotMatch(r.stdout, /unknown\/unknown/);
  });

  it('tags groups the tags that share a digest', async () => {
    const r = await cli(['tags', `${reg().host}/${repo}`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.tags.length, 11);
    const group = j.groups.find((g: { digest: string }) => g.digest === pushed.get('1.2.0')!.digest);
    assert.deepEqual(group.tags, [revisions.get('1.2.0')!.slice(0, 7), 'v1', 'v1.2', 'v1.2.0'].sort());
  });

  it('verify reports the drifted latest with both versions and digests and the rollback that fixes it, exit 1', async () => {
    const r = await cli(['verify', ref('v1.2.0')]);
    assert.equal(r.code, 1, r.stderr);
    const [head, ...rows] = r.stdout.trim().split('\n');
    assert.match(
      head,
      /^verify .*acme\/rocket:v1\.2\.0 sha256:[0-9a-f]{12}: not ready: 1 with problems, 2 passed \(of 3 checks\)$/,
    );
    const d = (v: string) => pushed.get(v)!.digest.slice(0, 19);
    assert.deepEqual(rows, [
      '  pass             Required platforms  2 required platforms examined: linux/amd64, linux/arm64 present',
      '  problem          Tag scheme          6 moving tags examined; 1 problem',
      `      problem: ${reg().host}/${repo}:latest points at v1.1.0 (${d('1.1.0')}), an older release; the scheme says v1.2.0 (${d('1.2.0')})`,
      `        next: point latest at v1.2.0 (dry run; --yes instead of --dry-run moves it): release-operator rollback ${reg().host}/${repo} --to v1.2.0 --tag latest --dry-run`,
      '  pass             Labels              2 image configs examined',
      '  based on: image tags: prefix "v", inferred from 3 of 3 version tags',
    ]);
    const j = JSON.parse((await cli(['verify', ref('v1.2.0'), '--json'])).stdout);
    assert.deepEqual(
      [j.verdict, j.checked, j.checks.map((c: { id: string; verdict: string }) => `${c.id}:${c.verdict}`)],
      ['problem', 10, ['platforms:pass', 'tag-scheme:problem', 'labels:pass']],
    );
    assert.deepEqual(j.checks[1].findings[0].evidence, {
      tag: 'latest',
      digest: pushed.get('1.1.0')!.digest,
      versions: ['1.1.0'],
      expected: { version: '1.2.0', tag: 'v1.2.0', digest: pushed.get('1.2.0')!.digest },
    });
    // The fields verify --json always had are still there.
    assert.deepEqual(
      [j.reference, j.digest, j.version, j.platforms, j.problems.map((p: { check: string }) => p.check)],
      [ref('v1.2.0'), pushed.get('1.2.0')!.digest, '1.2.0', ['linux/amd64', 'linux/arm64'], ['tag-scheme']],
    );
  });

  it('rollback --dry-run shows from and to and changes nothing (the fix verify names)', async () => {
    const latest = async () => JSON.parse((await cli(['manifest', ref('latest'), '--json'])).stdout).digest as string;
    const r = await cli(['rollback', `${reg().host}/${repo}`, '--to', 'v1.2.0', '--tag', 'latest', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      `from ${pushed.get('1.1.0')!.digest}`,
      `to   ${pushed.get('1.2.0')!.digest} (v1.2.0)`,
      `dry run: ${reg().host}/${repo}:latest would point at ${pushed.get('1.2.0')!.digest}; nothing changed. To move it: release-operator rollback ${reg().host}/${repo} --to v1.2.0 --tag latest --yes`,
    ]);
    assert.equal(await latest(), pushed.get('1.1.0')!.digest, 'a dry run moves nothing');
  });

  it('with no configuration, a registry of 1.2.3-style tags: verify of a drifted 1.2 fails and names the version it should point at', async () => {
    const plain = 'acme/plain';
    const labels = (v: string) => ({
      'org.opencontainers.image.version': v,
      'org.opencontainers.image.source': 'https://github.com/acme/plain',
      'org.opencontainers.image.revision': 'not-a-sha',
    });
    const img = async (v: string) => {
      const images = await Promise.all(
        ['linux/amd64', 'linux/arm64'].map((platform) => pushImage(reg(), plain, { platform, labels: labels(v) })),
      );
      return pushIndex(reg(), plain, images, { tag: v, attestations: true });
    };
    const [v122, v123] = [await img('1.2.2'), await img('1.2.3')];
    for (const [t, m] of [
      ['1.2', v122],
      ['1', v123],
      ['latest', v123],
    ] as const)
      await tagManifest(reg(), plain, t, m);
    const r = await cli(['verify', `${reg().host}/${plain}:1.2`]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      new RegExp(
        `problem: ${reg().host}/${plain}:1\\.2 points at 1\\.2\\.2 \\(${v122.digest.slice(0, 19)}\\), an older release; the scheme says 1\\.2\\.3 \\(${v123.digest.slice(0, 19)}\\)`,
      ),
    );
    assert.match(r.stdout, new RegExp(`rollback ${reg().host}/${plain} --to 1\\.2\\.3 --tag 1\\.2 --dry-run`));
    assert.match(r.stdout, /based on: image tags: no prefix, inferred from 2 of 2 version tags/);
  });

  it('a repository with no version tags at all: verify says nothing checked and exits 1 (--allow-empty: 0)', async () => {
    const img = await pushImage(reg(), 'acme/edge', {
      platform: 'linux/amd64',
      labels: { 'org.opencontainers.image.revision': 'abc1234', 'org.opencontainers.image.source': 'x' },
      tag: 'main',
    });
    await tagManifest(reg(), 'acme/edge', 'edge', img);
    const args = ['verify', `${reg().host}/acme/edge:main`, '--require-platforms', 'linux/amd64'];
    const r = await cli(args);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /: not ready: 1 checked nothing, 2 passed \(of 3 checks\)/);
    assert.match(
      r.stdout,
      /nothing checked +Tag scheme +nothing checked: looked for version tags like v1\.2\.3 \(prefix "v"\) and the moving tags they imply; found 2 tags, none version-shaped: edge, main/,
    );
    assert.match(r.stdout, /based on: image tags: prefix "v", by default \(no version tags among 2 tags\)/);
    const j = JSON.parse((await cli([...args, '--json'])).stdout);
    assert.equal(j.verdict, 'nothing-checked');
    assert.equal(j.checks[1].examined.count, 0);
    assert.equal((await cli([...args, '--allow-empty'])).code, 0);
  });

  it('rollback refuses to run without a terminal unless --yes is passed (exit 2)', async () => {
    const r = await cli(['rollback', `${reg().host}/${repo}`, '--to', 'v1.2.0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--yes/);
  });

  it('rollback on a terminal shows from and to and asks: no changes nothing, yes moves the tag', async () => {
    // A real pseudo-terminal (util-linux `script`) around the shipped CLI, answering on its stdin.
    const bundle = path.join(REPO_ROOT, 'dist', 'cli.js');
    if (!existsSync(bundle))
      throw new Error('dist/cli.js is missing: build it first with `node esbuild.mjs` (test/run-all.sh does)');
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const onTerminal = (answer: string, args: string[]) =>
      runProcess('script', ['-qec', [process.execPath, bundle, ...args].map(quote).join(' '), '/dev/null'], {
        input: answer,
        env: { DOCKER_CONFIG: dockerConfig, GITHUB_TOKEN: '' },
        timeoutMs: 60_000,
      });
    const latest = async () => JSON.parse((await cli(['manifest', ref('latest'), '--json'])).stdout).digest as string;
    const args = ['rollback', `${reg().host}/${repo}`, '--to', 'v1.2.0'];

    const no = await onTerminal('n\n', args);
    assert.equal(no.exitCode, 2, no.stdout);
    assert.match(
      no.stdout,
      new RegExp(
        `from ${pushed.get('1.1.0')!.digest}[\\s\\S]*to   ${pushed.get('1.2.0')!.digest}[\\s\\S]*Move latest\\? \\[y/N\\]`,
      ),
    );
    assert.match(no.stdout, /Not confirmed; nothing changed/);
    assert.equal(await latest(), pushed.get('1.1.0')!.digest);

    const yes = await onTerminal('y\n', args);
    assert.equal(yes.exitCode, 0, yes.stdout);
    assert.match(yes.stdout, /acme\/rocket:latest now points at sha256:[0-9a-f]{64} \(verified\)/);
    assert.equal(await latest(), pushed.get('1.2.0')!.digest);
    // Back to the drift the next tests start from.
    assert.equal(
      (await cli(['rollback', `${reg().host}/${repo}`, '--to', pushed.get('1.1.0')!.digest, '--yes'])).code,
      0,
    );
  });

  it('rollback --yes points latest at the earlier tag, prints from and to, and verify then passes', async () => {
    const r = await cli(['rollback', `${reg().host}/${repo}`, '--to', 'v1.2.0', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.from, pushed.get('1.1.0')!.digest);
    assert.equal(j.to, pushed.get('1.2.0')!.digest);
    assert.equal(j.applied, true);
    assert.match(j.undo, /--to sha256:/);
    const v = await cli(['verify', ref('v1.2.0')]);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /^verify .*: ready: 3 checks passed\n/);
    // Undo with the printed digest, then latest is back where it was.
    const undo = await cli(['rollback', `${reg().host}/${repo}`, '--to', j.from, '--yes']);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, new RegExp(`from ${j.to}`));
    const m = JSON.parse((await cli(['manifest', ref('latest'), '--json'])).stdout);
    assert.equal(m.digest, pushed.get('1.1.0')!.digest);
  });

  it('verify flags a version label that does not match the tag', async () => {
    const labels = { 'org.opencontainers.image.version': '2.0.0-wrong', 'org.opencontainers.image.source': 'x' };
    const img = await pushImage(reg(), 'acme/labels', { platform: 'linux/amd64', labels, tag: 'v2.0.0' });
    await tagManifest(reg(), 'acme/labels', 'latest', img);
    await tagManifest(reg(), 'acme/labels', 'v2', img);
    await tagManifest(reg(), 'acme/labels', 'v2.0', img);
    const r = await cli(['verify', `${reg().host}/acme/labels:v2.0.0`]);
    assert.equal(r.code, 1);
    const rows = r.stdout.split('\n').filter((l) => /^ {2}\S/.test(l) && !/based on/.test(l));
    assert.deepEqual(
      rows.map((l) => l.trim().split(/ {2,}/).slice(0, 2)),
      [
        ['problem', 'Required platforms'],
        ['pass', 'Tag scheme'],
        ['problem', 'Labels'],
      ],
      r.stdout,
    );
    assert.equal(r.stdout.match(/^ {6}problem: /gm)?.length, 3, r.stdout);
    assert.match(r.stdout, /lacks platform linux\/arm64/);
    assert.match(r.stdout, /org\.opencontainers\.image\.version is 2\.0\.0-wrong, expected 2\.0\.0/);
    assert.match(r.stdout, /org\.opencontainers\.image\.revision is missing/);
  });

  it('exit codes: malformed reference 2, missing tag 1, bad credentials 3 with a docker login hint, registry down 3', async () => {
    const bad = await cli(['manifest', 'Not A/Ref']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid image reference/);
    const missing = await cli(['manifest', ref('v9.9.9')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /has no tag v9\.9\.9/);
    const wrong = mkdtempSync(path.join(work, 'wrong-'));
    writeFileSync(
      path.join(wrong, 'config.json'),
      JSON.stringify({
        auths: { [reg().host]: { auth: Buffer.from('operator:not-the-password').toString('base64') } },
      }),
    );
    const denied = await cli(['manifest', ref('v1.2.0')], { DOCKER_CONFIG: wrong });
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /docker login 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(denied.stderr, /not-the-password/);
    const down = await cli(['tags', `127.0.0.1:${await freePort()}/${repo}`]);
    assert.equal(down.code, 3);
    assert.match(down.stderr, /could not be reached/);
  });

  it('status shows the image tags with their platforms, and still prints local facts when the registry is down', async () => {
    const dir = mkdtempSync(path.join(work, 'repo-'));
    const git = (...a: string[]) =>
      execFileSync('git', a, {
        cwd: dir,
        stdio: 'pipe',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify({ image: `${reg().host}/${repo}` }));
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'init');
    const r = await cli(['status', '--cwd', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Image tags {2}11 in 127\.0\.0\.1:\d+\/acme\/rocket/);
    assert.match(r.stdout, /\n {2}latest +sha256:[0-9a-f]{12} {2}linux\/amd64, linux\/arm64 {2}\+2 attestation/);
    const port = await freePort();
    writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify({ image: `127.0.0.1:${port}/${repo}` }));
    const down = await cli(['status', '--cwd', dir]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /Folder {6}/);
    assert.match(down.stdout, /Image tags {2}the registry could not be read: .*could not be reached/);
  });
});
