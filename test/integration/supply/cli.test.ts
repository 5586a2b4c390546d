import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compress } from 'snappyjs';
import { runCli } from '../../../src/cli/main';
import { contentCache } from '../../../src/core/registry/cache';
import type { SupplyChainReport } from '../../../src/core/supply';
import { GitHubFake } from '../../helpers/github-fake';
import { ARTIFACTS } from '../../helpers/paths';
import { useRegistry } from '../../helpers/registry';
import { addToReferrersTag, pushArtifact, pushCosignTag } from '../../helpers/supply/artifacts';
import { createPki, type Leaf, type TestPki } from '../../helpers/supply/pki';
import { githubProvenance, pushBuildKitRelease, spdx } from '../../helpers/supply/release';
import { BUNDLE_V03, cosignSigLayer, dsseBundle, simpleSigning, statement } from '../../helpers/supply/sign';

/**
 * `attestations REF` as a user runs it, in a git clone whose tag v1.2.3 points at the commit the release was built
 * from, with GitHub's attestations API played by the local stand-in (every request checked against
 * @octokit/openapi's description, where GET /repos/{owner}/{repo}/attestations/{subject_digest} is).
 */
describe('CLI: attestations', function () {
  const reg = useRegistry('none');
  const REPOSITORY = 'https://github.com/acme/rocket';
  const WORKFLOW = '.github/workflows/release.yml';
  let dir: string;
  let clone: string;
  let commit: string;
  let pki: TestPki;
  let leaf: Leaf;
  let fake: GitHubFake;
  const attestationsByDigest = new Map<string, unknown[]>();

  async function cli(args: string[], env: Record<string, string | undefined> = {}) {
    contentCache.clear();
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      args,
      {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          GITHUB_TOKEN: fake.token,
          GITHUB_API_URL: fake.url,
          RELEASE_OPERATOR_CACHE_DIR: path.join(dir, 'cache'),
          ...env,
        },
      },
      new AbortController().signal,
    );
    return { code, stdout, stderr };
  }

  async function signedRelease(name: string, options: { commits?: Record<string, string> } = {}) {
    const pushed = await pushBuildKitRelease(reg(), name, {
      tag: 'v1.2.3',
      commit,
      repository: REPOSITORY,
      ...options,
    });
    const amd = pushed.platforms['linux/amd64'];
    const arm = pushed.platforms['linux/arm64'];
    await pushCosignTag(reg(), name, amd.digest, 'sig', [
      await cosignSigLayer(pki, { leaf }, simpleSigning(`${reg().host}/${name}`, amd.digest)),
    ]);
    const bundle = await dsseBundle(
      pki,
      { leaf },
      statement(
        [{ digest: arm.digest }],
        'https://slsa.dev/provenance/v1',
        githubProvenance({ repository: REPOSITORY, commit, tag: 'v1.2.3', workflowPath: WORKFLOW }),
      ),
    );
    const ref = await pushArtifact(reg(), name, {
      artifactType: BUNDLE_V03,
      subject: arm,
      layers: [{ mediaType: BUNDLE_V03, bytes: bundle }],
    });
    await addToReferrersTag(reg(), name, arm.digest, ref);
    return pushed;
  }

  before(async function () {
    this.timeout(120_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(path.join(ARTIFACTS, 'supply-cli-'));
    clone = path.join(dir, 'clone');
    mkdirSync(clone);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    writeFileSync(path.join(clone, 'Dockerfile'), 'FROM scratch\n');
    git('add', '.');
    git('commit', '-qm', 'release');
    git('tag', 'v1.2.3');
    git('remote', 'add', 'origin', `${REPOSITORY}.git`);
    commit = git('rev-parse', 'HEAD');
    pki = await createPki(path.join(dir, 'pki'));
    leaf = await pki.leaf({
      identity: `${REPOSITORY}/${WORKFLOW}@refs/tags/v1.2.3`,
      sourceRepository: REPOSITORY,
    });
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(pki.trustedRoot()));
    fake = await GitHubFake.start();
    fake.route('GET', '/repos/{owner}/{repo}/attestations/{subject_digest}', (req) => {
      const all = attestationsByDigest.get(req.params.subject_digest) ?? [];
      // One entry a page, to follow GitHub's cursor paging (Link: <...?after=CURSOR>; rel="next").
      const at = Number(req.query.get('after')?.replace('cursor-', '') ?? 0);
      const headers: Record<string, string> = {};
      if (at + 1 < all.length)
        headers.link = `<${fake.url}/repos/${req.params.owner}/${req.params.repo}/attestations/${req.params.subject_digest}?per_page=100&after=cursor-${at + 1}>; rel="next"`;
      return { status: 200, body: { attestations: all.slice(at, at + 1) }, headers };
    });
  });

  after(async () => {
    fake?.assertNoViolations();
    await fake?.close();
  });

  it('shows per platform the commit, builder, SBOM and signature verdict; the cross-check with git passes', async function () {
    this.timeout(60_000);
    const pushed = await signedRelease('acme/rocket');
    // actions/attest-build-provenance on the index (bundle_url, snappy as GitHub stores it), and an SBOM attested
    // for the whole index (actions/attest-sbom #60) inline.
    const provenance = await dsseBundle(
      pki,
      { leaf },
      statement(
        [{ digest: pushed.index.digest }],
        'https://slsa.dev/provenance/v1',
        githubProvenance({ repository: REPOSITORY, commit, tag: 'v1.2.3', workflowPath: WORKFLOW }),
      ),
    );
    const sbom = await dsseBundle(
      pki,
      { leaf },
      statement([{ digest: pushed.index.digest }], 'https://spdx.dev/Document', spdx([['libc6', '2.36']])),
    );
    attestationsByDigest.set(pushed.index.digest, [
      { repository_id: 1, bundle_url: fake.blob('prov.json.sn', Buffer.from(compress(provenance))) },
      { repository_id: 1, bundle: JSON.parse(sbom.toString('utf8')) as unknown },
    ]);
    const ref = `${reg().host}/acme/rocket:v1.2.3`;
    const run = await cli([
      'attestations',
      ref,
      '--cwd',
      clone,
      '--trusted-root',
      path.join(dir, 'trusted_root.json'),
      '--search',
      'openssl',
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const text = run.stdout;
    assert.match(text, new RegExp(`linux/amd64  ${pushed.platforms['linux/amd64'].digest}`));
    assert.match(
      text,
      new RegExp(`commit +${commit}  \\(label ${commit.slice(0, 12)}; git tag v1\\.2\\.3 ${commit.slice(0, 12)}\\)`),
    );
    assert.match(text, /builder +https:\/\/github\.com\/acme\/rocket\/actions\/runs\/4242 {2}\(SLSA v0\.2, buildkit\)/);
    assert.match(text, /sbom +SPDX, 3 packages \(syft-v1\.4\.1\)/);
    assert.match(text, /sbom +CYCLONEDX, 2 packages \(syft 1\.4\.1\)/);
    assert.match(text, /'openssl' +libssl3 3\.0\.13-1~deb12u1/);
    assert.match(
      text,
      /signature +verified: cosign-signature \(tag sha256-\w+\.sig\): signed by https:\/\/github\.com\/acme\/rocket\/\.github\/workflows\/release\.yml@refs\/tags\/v1\.2\.3/,
    );
    assert.match(text, /signature +verified: sigstore-bundle \(tag sha256-\w+\)/);
    assert.match(
      text,
      /signed for the whole index\n {2}github-attestation \(GitHub attestations API\) https:\/\/slsa\.dev\/provenance\/v1 about the index: verified/,
    );
    assert.match(text, /cross-check with git \(tag v1\.2\.3 -> \w{40}\)\n {2}ok: \d+ comparisons agree/);
    assert.match(
      text,
      /warning: SBOM on the index: the https:\/\/spdx\.dev\/Document attestation \(GitHub attestations API\) is attached to the whole index/,
    );
    assert.match(text, /^ok: ready: 7 checks passed$/m);
    assert.ok(
      fake.calls('GET', '/repos/{owner}/{repo}/attestations/{subject_digest}') >= 4,
      'index (2 pages) and both platforms',
    );

    const json = await cli([
      'attestations',
      ref,
      '--cwd',
      clone,
      '--trusted-root',
      path.join(dir, 'trusted_root.json'),
      '--json',
    ]);
    assert.equal(json.code, 0, json.stderr);
    const data = JSON.parse(json.stdout) as SupplyChainReport & { readiness: { verdict: string } };
    assert.equal(data.readiness.verdict, 'pass');
    assert.deepEqual(
      data.platforms.map((p) => [p.platform, p.provenance?.source.commit, p.signature.verdict, p.sbom?.packageCount]),
      [
        ['linux/amd64', commit, 'verified', 3],
        ['linux/arm64', commit, 'verified', 2],
      ],
    );
    assert.equal(data.indexSignatures.filter((s) => s.verdict === 'verified').length, 2);
  });

  it('runs offline from the cached trusted root, and says when it is missing', async function () {
    this.timeout(60_000);
    const ref = `${reg().host}/acme/rocket:v1.2.3`;
    const cached = await cli(['attestations', ref, '--cwd', clone, '--no-github']);
    assert.equal(cached.code, 0, cached.stdout + cached.stderr);
    assert.match(cached.stdout, /trusted root .*cache\/trusted_root\.json \(the cached copy\)/);
    const missing = await cli(['attestations', ref, '--cwd', clone, '--no-github'], {
      RELEASE_OPERATOR_CACHE_DIR: path.join(dir, 'no-cache'),
    });
    assert.equal(missing.code, 3, 'an environment fault: nothing could be verified');
    assert.match(missing.stdout, /MISSING: no trusted root is configured or cached/);
    assert.match(missing.stdout, /present but unverified: cosign-signature .*keyless signature not checked/);
  });

  it('fails with both commits when a platform was built from another commit than the git tag', async function () {
    this.timeout(60_000);
    const other = randomBytes(20).toString('hex');
    await signedRelease('acme/drift', { commits: { 'linux/amd64': other } });
    const run = await cli([
      'attestations',
      `${reg().host}/acme/drift:v1.2.3`,
      '--cwd',
      clone,
      '--trusted-root',
      path.join(dir, 'trusted_root.json'),
      '--no-github',
    ]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(
      run.stdout,
      new RegExp(`problem: linux/amd64 was built from ${other}, but the git tag v1\\.2\\.3 points at ${commit}`),
    );
    assert.match(run.stdout, /problem: the platforms were built from different commits/);
  });
});
