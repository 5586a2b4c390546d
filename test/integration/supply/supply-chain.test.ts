import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import type { ReleaseOperatorConfig } from '../../../src/core/config/schema';
import { contentCache } from '../../../src/core/registry/cache';
import {
  gatherSupplyChain,
  loadTrust,
  postPushSupplyChainChecks,
  supplyChainChecks,
  type SupplyChainReport,
  type Trust,
} from '../../../src/core/supply';
import { ARTIFACTS } from '../../helpers/paths';
import { useRegistry, type PushedManifest, type TestRegistry } from '../../helpers/registry';
import { addToReferrersTag, pushArtifact, pushCosignTag } from '../../helpers/supply/artifacts';
import { createPki, type Leaf, type TestPki } from '../../helpers/supply/pki';
import { startReferrersApi } from '../../helpers/supply/referrers-api';
import { githubProvenance, pushBuildKitRelease, type PushedRelease } from '../../helpers/supply/release';
import {
  BUNDLE_V03,
  cosignSigLayer,
  dsseBundle,
  simpleSigning,
  statement,
  type Signer,
} from '../../helpers/supply/sign';
import { clientFor } from '../registry/util';

/**
 * The supply-chain check end to end on a real registry (distribution 2.8): a two-platform release with BuildKit
 * provenance and SBOM attestations, cosign signatures under the tag scheme, Sigstore bundles as referrers (through
 * the tag-schema fallback; the referrers API through a proxy of the tests' own), all signed at test time with keys
 * and a certificate chain made now, verified against a trusted root file the test writes.
 */
describe('supply chain: provenance, SBOM and signatures per platform', function () {
  const reg = useRegistry('none');
  const REPOSITORY = 'https://github.com/acme/rocket';
  const WORKFLOW = '.github/workflows/release.yml';
  const TAG = 'v1.2.3';
  const IDENTITY = `${REPOSITORY}/${WORKFLOW}@refs/tags/${TAG}`;
  const commit = randomBytes(20).toString('hex');
  const repo = { owner: 'acme', name: 'rocket' };
  let dir: string;
  let pki: TestPki;
  let good: Leaf;
  let trust: Trust;
  let n = 0;

  const config = (patch: Partial<ReleaseOperatorConfig['supplyChain']> = {}): ReleaseOperatorConfig => {
    const c = defaultConfig();
    c.supplyChain = { ...c.supplyChain, githubAttestations: false, ...patch };
    return c;
  };

  /** A fresh repository with a BuildKit release in it. */
  async function release(options: { commits?: Record<string, string> } = {}) {
    const name = `acme/case${++n}`;
    const pushed = await pushBuildKitRelease(reg(), name, { tag: TAG, commit, repository: REPOSITORY, ...options });
    return { name, pushed, ref: `${reg().host}/${name}:${TAG}` };
  }

  async function gather(
    ref: string,
    t: Trust = trust,
    c = config(),
    registry: TestRegistry = reg(),
  ): Promise<SupplyChainReport> {
    contentCache.clear();
    return gatherSupplyChain({
      client: clientFor(registry),
      ref,
      config: c,
      trust: t,
      repo,
      gitTag: { name: TAG, commit },
      search: ['openssl', 'glibc'],
    });
  }

  /** A cosign v2 signature (tag scheme) of `digest` signed over a payload naming `names` (default: itself). */
  async function cosignSign(name: string, digest: string, signer: Signer, names = digest) {
    const layer = await cosignSigLayer(pki, signer, simpleSigning(`${reg().host}/${name}`, names));
    await pushCosignTag(reg(), name, digest, 'sig', [layer]);
  }

  /** A Sigstore bundle (DSSE, GitHub's SLSA v1 provenance) as a referrer through the sha256-<hex> fallback tag. */
  async function bundleReferrer(
    registry: TestRegistry,
    name: string,
    subject: PushedManifest,
    signer: Signer,
    options: { tamper?: boolean; statementDigest?: string; viaFallback?: boolean } = {},
  ) {
    const payload = statement(
      [{ digest: options.statementDigest ?? subject.digest }],
      'https://slsa.dev/provenance/v1',
      githubProvenance({ repository: REPOSITORY, commit, tag: TAG, workflowPath: WORKFLOW }),
    );
    const bundle = await dsseBundle(pki, signer, payload, {
      tamper: options.tamper ? (p) => Buffer.from(p.toString().replace(commit, 'f'.repeat(40))) : undefined,
    });
    const pushed = await pushArtifact(registry, name, {
      artifactType: BUNDLE_V03,
      subject,
      layers: [{ mediaType: BUNDLE_V03, bytes: bundle }],
      annotations: { 'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1' },
    });
    if (options.viaFallback !== false) await addToReferrersTag(registry, name, subject.digest, pushed);
    return pushed;
  }

  /** The signed release every negative case departs from: amd64 by cosign, arm64 by a bundle referrer. */
  async function signedRelease(signers: { amd64?: Signer; arm64?: Signer } = {}, options = {}) {
    const r = await release(options);
    const amd = r.pushed.platforms['linux/amd64'];
    const arm = r.pushed.platforms['linux/arm64'];
    if (signers.amd64 !== undefined) await cosignSign(r.name, amd.digest, signers.amd64);
    if (signers.arm64 !== undefined) await bundleReferrer(reg(), r.name, arm, signers.arm64);
    return r;
  }

  const platform = (report: SupplyChainReport, p: string) => {
    const found = report.platforms.find((x) => x.platform === p);
    assert.ok(found, `no ${p} in ${report.platforms.map((x) => x.platform).join(', ')}`);
    return found;
  };

  before(async function () {
    this.timeout(120_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(path.join(ARTIFACTS, 'supply-'));
    pki = await createPki(path.join(dir, 'pki'));
    good = await pki.leaf({
      identity: IDENTITY,
      sourceRepository: REPOSITORY,
      sourceDigest: commit,
      sourceRef: `refs/tags/${TAG}`,
    });
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(pki.trustedRoot()));
    trust = loadTrust({
      trustedRoot: path.join(dir, 'trusted_root.json'),
      maxAgeDays: 30,
      cacheDir: path.join(dir, 'cache'),
    });
    assert.equal(trust.status.state, 'ok', trust.status.reason);
  });

  describe('a signed two-platform release', () => {
    let report: SupplyChainReport;
    let pushed: PushedRelease;

    before(async function () {
      this.timeout(60_000);
      const r = await signedRelease({ amd64: { leaf: good }, arm64: { leaf: good } });
      pushed = r.pushed;
      report = await gather(r.ref);
    });

    it('shows per platform the commit, builder, build args and base image from BuildKit provenance v0.2 and v1', () => {
      for (const p of ['linux/amd64', 'linux/arm64']) {
        const prov = platform(report, p).provenance;
        assert.ok(prov, `${p} has provenance`);
        assert.equal(prov.flavour, 'buildkit');
        assert.equal(prov.source.commit, commit);
        assert.equal(prov.builder, `${REPOSITORY}/actions/runs/4242`);
        assert.equal(prov.buildArgs.VERSION, '1.2.3');
        assert.equal(prov.buildArgs.BUILDKIT_CONTEXT_KEEP_GIT_DIR, undefined, "BuildKit's own switches left out");
        assert.match(prov.baseImages[0].name, /^debian@bookworm-slim$/);
        assert.match(prov.baseImages[0].digest ?? '', /^sha256:b{64}$/);
      }
      assert.equal(platform(report, 'linux/amd64').provenance?.predicateType, 'https://slsa.dev/provenance/v0.2');
      assert.equal(platform(report, 'linux/arm64').provenance?.predicateType, 'https://slsa.dev/provenance/v1');
      assert.equal(platform(report, 'linux/amd64').digest, pushed.platforms['linux/amd64'].digest);
    });

    it('summarises each SBOM (SPDX and CycloneDX) and finds openssl and glibc in each platform', () => {
      assert.deepEqual(
        [platform(report, 'linux/amd64').sbom?.format, platform(report, 'linux/amd64').sbom?.packageCount],
        ['spdx', 3],
      );
      assert.deepEqual(
        [platform(report, 'linux/arm64').sbom?.format, platform(report, 'linux/arm64').sbom?.packageCount],
        ['cyclonedx', 2],
      );
      const openssl = report.searches.find((s) => s.query === 'openssl')!;
      assert.deepEqual(openssl.matches['linux/amd64'], [{ name: 'libssl3', version: '3.0.13-1~deb12u1' }]);
      assert.deepEqual(openssl.matches['linux/arm64'], [{ name: 'libssl3', version: '3.0.11-1~deb12u2' }]);
      const glibc = report.searches.find((s) => s.query === 'glibc')!;
      assert.equal(glibc.matches['linux/arm64'][0].name, 'libc6');
    });

    it('verifies the cosign signature (amd64) and the Sigstore bundle referrer (arm64) against the policy', () => {
      const amd = platform(report, 'linux/amd64').signature;
      assert.equal(amd.verdict, 'verified', amd.reason);
      assert.equal(amd.decidedBy?.kind, 'cosign-signature');
      assert.equal(amd.decidedBy?.signer?.identity, IDENTITY);
      assert.equal(amd.decidedBy?.signer?.sourceRepository, REPOSITORY);
      const arm = platform(report, 'linux/arm64').signature;
      assert.equal(arm.verdict, 'verified', arm.reason);
      assert.equal(arm.decidedBy?.kind, 'sigstore-bundle');
      assert.match(arm.decidedBy?.where ?? '', /^tag sha256-/);
      assert.deepEqual(arm.decidedBy?.subjects, [
        { digest: pushed.platforms['linux/arm64'].digest, is: 'platform', platform: 'linux/arm64' },
      ]);
      assert.equal(arm.decidedBy?.provenance?.flavour, 'github');
    });

    it('cross-checks provenance, the git tag and the revision labels: every comparison agrees', () => {
      assert.deepEqual(report.crossCheck.findings, []);
      assert.ok(report.crossCheck.compared.length >= 6, report.crossCheck.compared.join('\n'));
      assert.ok(report.crossCheck.compared.includes('every platform built from the same commit'));
      assert.ok(report.crossCheck.compared.some((c) => c.includes('externalParameters.workflow.ref')));
    });

    it('gives readiness rows that all pass: provenance, SBOM and signature per platform, and the cross-check', () => {
      const rows = supplyChainChecks(report);
      assert.deepEqual(
        rows.map((r) => [r.id, r.subject, r.verdict]),
        [
          ['supply-provenance', 'linux/amd64', 'pass'],
          ['supply-sbom', 'linux/amd64', 'pass'],
          ['supply-signature', 'linux/amd64', 'pass'],
          ['supply-provenance', 'linux/arm64', 'pass'],
          ['supply-sbom', 'linux/arm64', 'pass'],
          ['supply-signature', 'linux/arm64', 'pass'],
          ['supply-crosscheck', undefined, 'pass'],
        ],
      );
      assert.ok(rows.every((r) => r.examined.count > 0));
      assert.ok(rows.every((r) => (r.evidence as { requirement: string }).requirement === 'required'));
    });
  });

  describe('every negative case fails with its own reason', () => {
    it('a signature whose payload names another digest (tampered digest) is invalid', async function () {
      this.timeout(30_000);
      const r = await release();
      const amd = r.pushed.platforms['linux/amd64'];
      await cosignSign(r.name, amd.digest, { leaf: good }, r.pushed.platforms['linux/arm64'].digest);
      const s = platform(await gather(r.ref), 'linux/amd64').signature;
      assert.equal(s.verdict, 'invalid');
      assert.match(s.reason, /the signed payload names sha256:\w+, not sha256:\w+ it is attached to/);
    });

    it('a bundle whose statement was changed after signing (tampered payload) is invalid', async function () {
      this.timeout(30_000);
      const r = await release();
      await bundleReferrer(reg(), r.name, r.pushed.platforms['linux/arm64'], { leaf: good }, { tamper: true });
      const s = platform(await gather(r.ref), 'linux/arm64').signature;
      assert.equal(s.verdict, 'invalid');
      assert.match(s.reason, /the signature does not match the signed content/);
    });

    it('a bundle whose signed statement is about another image is invalid', async function () {
      this.timeout(30_000);
      const r = await release();
      await bundleReferrer(
        reg(),
        r.name,
        r.pushed.platforms['linux/arm64'],
        { leaf: good },
        {
          statementDigest: r.pushed.platforms['linux/amd64'].digest,
        },
      );
      const s = platform(await gather(r.ref), 'linux/arm64').signature;
      assert.equal(s.verdict, 'invalid');
      assert.match(s.reason, /the signed statement is about sha256:\w+, not sha256:\w+ it is attached to/);
    });

    it('a certificate for another repository is an identity mismatch', async function () {
      this.timeout(30_000);
      const fork = await pki.leaf({
        identity: `https://github.com/evil/fork/${WORKFLOW}@refs/tags/${TAG}`,
        sourceRepository: 'https://github.com/evil/fork',
      });
      const r = await signedRelease({ amd64: { leaf: fork } });
      const s = platform(await gather(r.ref), 'linux/amd64').signature;
      assert.equal(s.verdict, 'identity-mismatch');
      assert.match(s.reason, /certificate identity https:\/\/github\.com\/evil\/fork\/.* does not match \^https:/);
    });

    it('a certificate from another OIDC issuer is an identity mismatch naming the issuer', async function () {
      this.timeout(30_000);
      const google = await pki.leaf({
        identity: IDENTITY,
        issuer: 'https://accounts.google.com',
        sourceRepository: REPOSITORY,
      });
      const r = await signedRelease({ amd64: { leaf: google } });
      const s = platform(await gather(r.ref), 'linux/amd64').signature;
      assert.equal(s.verdict, 'identity-mismatch');
      assert.match(
        s.reason,
        /^cosign-signature .*issuer https:\/\/accounts\.google\.com is not the expected https:\/\/token\.actions\.githubusercontent\.com/,
      );
    });

    it('only the release workflow may sign when one is required', async function () {
      this.timeout(30_000);
      const ci = await pki.leaf({
        identity: `${REPOSITORY}/.github/workflows/ci.yml@refs/heads/main`,
        sourceRepository: REPOSITORY,
      });
      const r = await signedRelease({ amd64: { leaf: ci } });
      const anyWorkflow = platform(await gather(r.ref), 'linux/amd64').signature;
      assert.equal(anyWorkflow.verdict, 'verified', 'any workflow of the repository by default');
      const strict = platform(
        await gather(r.ref, trust, config({ signerWorkflow: WORKFLOW })),
        'linux/amd64',
      ).signature;
      assert.equal(strict.verdict, 'identity-mismatch');
      assert.match(strict.reason, /ci\.yml@refs\/heads\/main does not match .*release\\\.yml@/);
    });

    it('a certificate that had expired when the signature was timestamped is invalid', async function () {
      this.timeout(30_000);
      const now = Date.now();
      const expired = await pki.leaf({
        identity: IDENTITY,
        sourceRepository: REPOSITORY,
        notBefore: new Date(now - 2 * 3600_000),
        notAfter: new Date(now - 3600_000),
      });
      const r = await signedRelease({ amd64: { leaf: expired } });
      const s = platform(await gather(r.ref), 'linux/amd64').signature;
      assert.equal(s.verdict, 'invalid');
      assert.match(s.reason, /the signing certificate was not valid at the signing time/);
    });

    it('an unsigned platform is absent (and its row never passes)', async function () {
      this.timeout(30_000);
      const r = await signedRelease({ amd64: { leaf: good } });
      const report = await gather(r.ref);
      assert.equal(platform(report, 'linux/amd64').signature.verdict, 'verified');
      const arm = platform(report, 'linux/arm64').signature;
      assert.equal(arm.verdict, 'absent');
      assert.equal(arm.reason, 'no signature or attestation found');
      const row = supplyChainChecks(report).find((c) => c.id === 'supply-signature' && c.subject === 'linux/arm64')!;
      assert.equal(row.verdict, 'nothing-checked');
      assert.match(row.summary, /^absent: /);
    });

    it('provenance from another commit than the git tag is a finding with both values', async function () {
      this.timeout(30_000);
      const other = randomBytes(20).toString('hex');
      const r = await signedRelease(
        { amd64: { leaf: good }, arm64: { leaf: good } },
        { commits: { 'linux/arm64': other } },
      );
      const report = await gather(r.ref);
      const byKind = (k: string) => report.crossCheck.findings.filter((f) => f.kind === k);
      assert.deepEqual(
        byKind('commit').map((f) => [f.platform, f.expected, f.found]),
        [['linux/arm64', commit, other]],
      );
      assert.match(
        byKind('commit')[0].message,
        new RegExp(`linux/arm64 was built from ${other}, but the git tag v1\\.2\\.3 points at ${commit}`),
      );
      assert.equal(byKind('same-commit').length, 1);
      const row = supplyChainChecks(report).find((c) => c.id === 'supply-crosscheck')!;
      assert.equal(row.verdict, 'problem');
    });

    it('without a trusted root a keyless signature is present but unverified, and the row is an environment fault', async function () {
      this.timeout(30_000);
      const r = await signedRelease({ amd64: { leaf: good } });
      const none = loadTrust({
        trustedRoot: path.join(dir, 'missing.json'),
        maxAgeDays: 30,
        cacheDir: path.join(dir, 'empty-cache'),
      });
      assert.equal(none.status.state, 'missing');
      const report = await gather(r.ref, none);
      const s = platform(report, 'linux/amd64').signature;
      assert.equal(s.verdict, 'unverified');
      assert.match(
        s.reason,
        /keyless signature not checked: the trusted root .*missing\.json does not exist and none is cached/,
      );
      const row = supplyChainChecks(report).find((c) => c.id === 'supply-signature' && c.subject === 'linux/amd64')!;
      assert.equal(row.verdict, 'environment');
    });
  });

  describe('the trusted root', () => {
    it('is cached when read, so a later run without it verifies offline; its age and validity are said', async function () {
      this.timeout(30_000);
      const cacheDir = path.join(dir, 'trust-cache');
      const given = path.join(dir, 'trusted_root.json');
      const first = loadTrust({ trustedRoot: given, maxAgeDays: 30, cacheDir });
      assert.equal(first.status.state, 'ok');
      assert.equal(first.status.path, given);
      const offline = loadTrust({ maxAgeDays: 30, cacheDir });
      assert.equal(offline.status.state, 'ok');
      assert.equal(offline.status.path, path.join(cacheDir, 'trusted_root.json'));
      assert.match(offline.status.reason, /\(the cached copy\)/);
      const r = await signedRelease({ amd64: { leaf: good } });
      assert.equal(platform(await gather(r.ref, offline), 'linux/amd64').signature.verdict, 'verified');
      // 45 days on (an injected clock): stale, and said so; the signature still verifies, with a warning.
      const later = loadTrust({ maxAgeDays: 30, cacheDir, now: () => new Date(Date.now() + 45 * 86_400_000) });
      assert.equal(later.status.state, 'stale');
      assert.match(later.status.reason, /is stale: it is 45 days old \(more than 30\); refresh it/);
      const report = await gather(r.ref, later);
      const sig = supplyChainChecks(report).find((c) => c.id === 'supply-signature' && c.subject === 'linux/amd64')!;
      assert.equal(sig.verdict, 'pass');
      assert.ok(sig.findings.some((f) => f.rule === 'trusted-root-stale'));
    });

    it('a file that is not a trusted root is invalid with its reason, and nothing is verified with it', async function () {
      this.timeout(30_000);
      writeFileSync(
        path.join(dir, 'broken.json'),
        JSON.stringify({
          certificateAuthorities: [{ certChain: { certificates: [{ rawBytes: 'bm90IGEgY2VydA==' }] } }],
        }),
      );
      const broken = loadTrust({
        trustedRoot: path.join(dir, 'broken.json'),
        maxAgeDays: 30,
        cacheDir: path.join(dir, 'broken-cache'),
      });
      assert.equal(broken.status.state, 'invalid');
      assert.match(broken.status.reason, /broken\.json is not a usable Sigstore trusted root: /);
      const r = await signedRelease({ amd64: { leaf: good } });
      assert.equal(platform(await gather(r.ref, broken), 'linux/amd64').signature.verdict, 'unverified');
    });

    it('a certificate from a CA the root does not hold does not verify', async function () {
      this.timeout(30_000);
      const stranger = await createPki(path.join(dir, 'stranger'));
      const leaf = await stranger.leaf({ identity: IDENTITY, sourceRepository: REPOSITORY });
      const r = await release();
      const amd = r.pushed.platforms['linux/amd64'];
      // Signed and timestamped by the stranger's own PKI: our root trusts neither.
      const layer = await cosignSigLayer(stranger, { leaf }, simpleSigning(`${reg().host}/${r.name}`, amd.digest));
      await pushCosignTag(reg(), r.name, amd.digest, 'sig', [layer]);
      const s = platform(await gather(r.ref), 'linux/amd64').signature;
      assert.equal(s.verdict, 'invalid');
      assert.match(s.reason, /the signing time could not be verified|does not chain to the trusted root/);
    });
  });

  describe('transparency-log entries (the public-good path: a Rekor bundle instead of a timestamp authority)', () => {
    it('verify when the root lists the log; a root that lists a log requires an entry', async function () {
      this.timeout(30_000);
      writeFileSync(path.join(dir, 'root-tlog.json'), JSON.stringify(pki.trustedRoot({ tlog: true })));
      const logged = loadTrust({
        trustedRoot: path.join(dir, 'root-tlog.json'),
        maxAgeDays: 30,
        cacheDir: path.join(dir, 'tlog-cache'),
      });
      const r = await release();
      const amd = r.pushed.platforms['linux/amd64'];
      const arm = r.pushed.platforms['linux/arm64'];
      const signed = (d: string) => simpleSigning(`${reg().host}/${r.name}`, d);
      await pushCosignTag(reg(), r.name, amd.digest, 'sig', [
        await cosignSigLayer(pki, { leaf: good }, signed(amd.digest), { rekor: true }),
      ]);
      await pushCosignTag(reg(), r.name, arm.digest, 'sig', [
        await cosignSigLayer(pki, { leaf: good }, signed(arm.digest)),
      ]);
      const report = await gather(r.ref, logged);
      const ok = platform(report, 'linux/amd64').signature;
      assert.equal(ok.verdict, 'verified', ok.reason);
      const unlogged = platform(report, 'linux/arm64').signature;
      assert.equal(unlogged.verdict, 'invalid');
      assert.match(unlogged.reason, /the transparency log entry does not verify: expected 1 tlog entries, got 0/);
    });
  });

  describe('keyed signatures (a public key in the configuration)', () => {
    it('verify with the configured key, and are invalid with another', async function () {
      this.timeout(30_000);
      const { privateKey, publicPem } = pki.keyPair();
      const wrong = pki.keyPair();
      writeFileSync(path.join(dir, 'cosign.pub'), publicPem);
      writeFileSync(path.join(dir, 'other.pub'), wrong.publicPem);
      const r = await signedRelease({ amd64: { key: privateKey } });
      const keyed = (file: string) =>
        loadTrust({ publicKeys: [file], baseDir: dir, maxAgeDays: 30, cacheDir: path.join(dir, 'empty-cache') });
      const ok = platform(await gather(r.ref, keyed('cosign.pub')), 'linux/amd64').signature;
      assert.equal(ok.verdict, 'verified', ok.reason);
      assert.match(ok.reason, /signed with the configured key cosign\.pub/);
      const bad = platform(await gather(r.ref, keyed('other.pub')), 'linux/amd64').signature;
      assert.equal(bad.verdict, 'invalid');
      assert.match(bad.reason, /does not verify with any configured key \(other\.pub: the signature does not match/);
      const noKey = platform(
        await gather(r.ref, loadTrust({ maxAgeDays: 30, cacheDir: path.join(dir, 'empty-cache') })),
        'linux/amd64',
      ).signature;
      assert.equal(noKey.verdict, 'unverified');
    });
  });

  describe('the post-push gate rows', () => {
    const gate = (ref: string, c: ReleaseOperatorConfig, requireReleaseWorkflowSignature = false) => {
      contentCache.clear();
      return postPushSupplyChainChecks({
        client: clientFor(reg()),
        ref,
        config: c,
        root: dir,
        repo,
        gitTag: { name: TAG, commit },
        requireReleaseWorkflowSignature,
        cacheDir: path.join(dir, 'gate-cache'),
      });
    };
    const withRoot = (patch: Partial<ReleaseOperatorConfig['supplyChain']> = {}) => {
      const c = config({ trustedRoot: 'trusted_root.json', ...patch });
      c.github.releaseWorkflow = 'release.yml';
      return c;
    };

    it('are off, advisory or required by configuration', async function () {
      this.timeout(30_000);
      const r = await signedRelease({ amd64: { leaf: good }, arm64: { leaf: good } });
      assert.deepEqual(await gate(r.ref, withRoot({ postPush: 'off' })), { requirement: 'off', checks: [] });
      const advisory = await gate(r.ref, withRoot());
      assert.equal(advisory.requirement, 'advisory');
      assert.ok(
        advisory.checks.every((c) => c.verdict === 'pass'),
        advisory.checks.map((c) => c.summary).join('\n'),
      );
      const required = await gate(r.ref, withRoot({ postPush: 'required' }));
      assert.ok(required.checks.every((c) => (c.evidence as { requirement: string }).requirement === 'required'));
    });

    it('can require a valid signature from the release workflow: a CI-workflow signature then fails', async function () {
      this.timeout(30_000);
      const ci = await pki.leaf({
        identity: `${REPOSITORY}/.github/workflows/ci.yml@refs/heads/main`,
        sourceRepository: REPOSITORY,
      });
      const byCi = await signedRelease({ amd64: { leaf: ci }, arm64: { leaf: ci } });
      const fails = await gate(byCi.ref, withRoot({ postPush: 'off' }), true);
      assert.equal(fails.requirement, 'required');
      const sig = fails.checks.filter((c) => c.id === 'supply-signature');
      assert.deepEqual(
        sig.map((c) => c.verdict),
        ['problem', 'problem'],
      );
      assert.match(sig[0].summary, /identity mismatch: .*ci\.yml@refs\/heads\/main does not match .*release\\\.yml@/);
      const byRelease = await signedRelease({ amd64: { leaf: good }, arm64: { leaf: good } });
      const passes = await gate(byRelease.ref, withRoot({ postPush: 'off' }), true);
      assert.deepEqual(
        passes.checks.filter((c) => c.id === 'supply-signature').map((c) => c.verdict),
        ['pass', 'pass'],
      );
      const noWorkflow = config();
      noWorkflow.github.releaseWorkflow = '';
      const env = await gate(byRelease.ref, noWorkflow, true);
      assert.deepEqual(
        env.checks.map((c) => c.verdict),
        ['environment'],
      );
      assert.match(env.checks[0].summary, /no release workflow is configured/);
    });

    it('a registry that cannot be reached is an environment row with its reason, not a throw', async () => {
      const out = await gate('127.0.0.1:1/acme/none:v1.2.3', withRoot());
      assert.deepEqual(
        out.checks.map((c) => [c.id, c.verdict]),
        [['supply-chain', 'environment']],
      );
      assert.match(out.checks[0].summary, /could not be reached/);
    });
  });

  describe('the referrers API (a proxy of the tests own in front of the registry)', () => {
    it('finds and verifies a bundle through the API, not the fallback tag', async function () {
      this.timeout(30_000);
      const api = await startReferrersApi(reg());
      try {
        const name = `acme/api${++n}`;
        const pushed = await pushBuildKitRelease(api.registry, name, { tag: TAG, commit, repository: REPOSITORY });
        await bundleReferrer(
          api.registry,
          name,
          pushed.platforms['linux/arm64'],
          { leaf: good },
          { viaFallback: false },
        );
        const report = await gather(`${api.registry.host}/${name}:${TAG}`, trust, config(), api.registry);
        const s = platform(report, 'linux/arm64').signature;
        assert.equal(s.verdict, 'verified', s.reason);
        assert.equal(s.decidedBy?.where, 'referrers API');
        assert.ok(report.discovery.every((d) => d.api));
      } finally {
        await api.stop();
      }
    });
  });
});
