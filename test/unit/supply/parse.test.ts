import assert from 'node:assert/strict';
import {
  githubRepoOf,
  identityProblem,
  policyFor,
  sameCommit,
  searchPackages,
  summarizeProvenance,
  summarizeSbom,
  crossCheck,
  type PlatformSupplyChain,
  type PolicyInfo,
} from '../../../src/core/supply';
import { parseStatement } from '../../../src/core/supply/intoto';
import {
  buildkitProvenanceV02,
  buildkitProvenanceV1,
  cyclonedx,
  githubProvenance,
  spdx,
} from '../../helpers/supply/release';

const C1 = 'a'.repeat(40);
const C2 = 'c'.repeat(40);
const REPO = 'https://github.com/acme/rocket';

describe('supply chain: provenance, SBOM, policy and cross-check logic', () => {
  describe('SLSA provenance', () => {
    it('BuildKit v0.2: commit from the vcs metadata, builder, build args without BuildKit switches, base images', () => {
      const p = summarizeProvenance(
        'https://slsa.dev/provenance/v0.2',
        buildkitProvenanceV02({ commit: C1, repository: REPO, platform: 'linux/arm64', version: '2.0.0' }),
      );
      assert.equal(p.flavour, 'buildkit');
      assert.deepEqual(p.source, { repository: `${REPO}.git`, commit: C1, ref: undefined, from: 'vcs metadata' });
      assert.deepEqual(p.buildArgs, { VERSION: '2.0.0' });
      assert.deepEqual(p.baseImages, [
        { name: 'debian@bookworm-slim', digest: `sha256:${'b'.repeat(64)}`, platform: 'linux/arm64' },
      ]);
      assert.deepEqual(p.workflow, { repository: REPO, run: `${REPO}/actions/runs/4242` });
    });

    it('BuildKit v1: the same facts from buildDefinition and runDetails', () => {
      const p = summarizeProvenance(
        'https://slsa.dev/provenance/v1',
        buildkitProvenanceV1({ commit: C1, repository: REPO, platform: 'linux/amd64', version: '2.0.0' }),
      );
      assert.equal(p.flavour, 'buildkit');
      assert.equal(p.source.commit, C1);
      assert.deepEqual(p.buildArgs, { VERSION: '2.0.0', target: 'runtime' });
      assert.equal(p.builder, `${REPO}/actions/runs/4242`);
    });

    it('BuildKit without vcs metadata: the git material gives repository, commit and ref', () => {
      const pred = buildkitProvenanceV02({ commit: C1, repository: REPO, platform: 'linux/amd64', version: '1' });
      delete (pred.metadata as Record<string, unknown>)['https://mobyproject.org/buildkit@v1#metadata'];
      (pred.materials as unknown[]).push({ uri: `${REPO}.git#refs/tags/v1`, digest: { sha1: C2 } });
      const p = summarizeProvenance('https://slsa.dev/provenance/v0.2', pred);
      assert.deepEqual(p.source, { repository: REPO, commit: C2, ref: 'refs/tags/v1', from: 'git material' });
    });

    it("GitHub's workflow provenance: resolvedDependencies[0], the workflow, the trigger", () => {
      const p = summarizeProvenance(
        'https://slsa.dev/provenance/v1',
        githubProvenance({
          repository: REPO,
          commit: C1,
          tag: 'v1.2.3',
          workflowPath: '.github/workflows/release.yml',
        }),
      );
      assert.equal(p.flavour, 'github');
      assert.equal(p.trigger, 'push');
      assert.deepEqual(p.source, {
        repository: REPO,
        commit: C1,
        ref: 'refs/tags/v1.2.3',
        from: 'resolvedDependencies[0]',
      });
      assert.deepEqual(p.workflow, {
        repository: REPO,
        path: '.github/workflows/release.yml',
        ref: 'refs/tags/v1.2.3',
        run: `${REPO}/actions/runs/4242/attempts/1`,
      });
    });

    it('GitHub repository URLs in every spelling', () => {
      for (const u of [
        'https://github.com/Acme/Rocket',
        'https://github.com/acme/rocket.git',
        'git+https://github.com/acme/rocket@refs/tags/v1',
        'git@github.com:acme/rocket.git',
        'https://github.com/acme/rocket.git#refs/heads/main',
      ])
        assert.equal(githubRepoOf(u), 'acme/rocket', u);
      assert.equal(githubRepoOf('https://gitlab.com/acme/rocket'), undefined);
    });

    it('in-toto statements: subjects as sha256 digests; anything else is a reason, not a throw', () => {
      const st = parseStatement(
        Buffer.from(
          JSON.stringify({
            _type: 'https://in-toto.io/Statement/v1',
            predicateType: 'x',
            subject: [{ digest: { sha256: 'a'.repeat(64) } }, { digest: { sha1: 'x' } }],
          }),
        ),
      );
      assert.ok(typeof st !== 'string');
      assert.deepEqual(st.subjects, [`sha256:${'a'.repeat(64)}`]);
      assert.equal(parseStatement(Buffer.from('nope')), 'not JSON');
      assert.match(parseStatement(Buffer.from('{"_type":"x"}')) as string, /not an in-toto statement/);
    });
  });

  describe('SBOMs', () => {
    it('SPDX and CycloneDX: packages, generator; glibc and openssl found under their Debian names', () => {
      const s = summarizeSbom(
        spdx([
          ['libc6', '2.36'],
          ['libssl3', '3.0.13'],
          ['zlib1g', '1.2'],
        ]),
      )!;
      assert.deepEqual([s.format, s.packageCount, s.generator], ['spdx', 3, 'syft-v1.4.1']);
      assert.deepEqual(
        searchPackages(s, 'glibc').map((p) => p.name),
        ['libc6'],
      );
      assert.deepEqual(
        searchPackages(s, 'OpenSSL').map((p) => p.name),
        ['libssl3'],
      );
      assert.deepEqual(searchPackages(s, 'curl'), []);
      const c = summarizeSbom(cyclonedx([['openssl', '3.3.1']]))!;
      assert.deepEqual([c.format, c.packageCount, c.generator], ['cyclonedx', 1, 'syft 1.4.1']);
      assert.equal(summarizeSbom({ hello: 1 }), undefined);
    });
  });

  describe('identity policy (gh attestation verify defaults)', () => {
    const repo = { owner: 'acme', name: 'rocket' };
    const base = {
      issuer: 'https://token.actions.githubusercontent.com',
      identity: '',
      signerWorkflow: '',
      predicateType: 'https://slsa.dev/provenance/v1',
    };
    const signer = {
      identity: `${REPO}/.github/workflows/release.yml@refs/tags/v1`,
      issuer: 'https://token.actions.githubusercontent.com',
      sourceRepository: REPO,
    };

    it('inferred from the repository, narrowed to the release workflow, or configured', () => {
      const any = policyFor(base, repo);
      assert.equal(any.identitySource, 'inferred');
      assert.equal(identityProblem(any, signer), undefined);
      const wf = policyFor({ ...base, signerWorkflow: '.github/workflows/release.yml' }, repo);
      assert.equal(identityProblem(wf, signer), undefined);
      assert.match(
        identityProblem(wf, { ...signer, identity: `${REPO}/.github/workflows/ci.yml@refs/heads/main` })!,
        /does not match/,
      );
      const configured = policyFor({ ...base, identity: '^https://github\\.com/acme/' }, undefined);
      assert.equal(configured.identitySource, 'configured');
    });

    it('each failure has its own reason', () => {
      const p: PolicyInfo = policyFor(base, repo);
      assert.match(
        identityProblem(p, { ...signer, issuer: 'https://accounts.google.com' })!,
        /^issuer https:\/\/accounts\.google\.com is not the expected/,
      );
      assert.match(
        identityProblem(p, {
          ...signer,
          identity: 'https://github.com/evil/x/.github/workflows/r.yml@refs/heads/main',
        })!,
        /^certificate identity .* does not match/,
      );
      assert.match(identityProblem(p, { ...signer, sourceRepository: undefined })!, /no source repository extension/);
      assert.match(
        identityProblem(p, { ...signer, sourceRepository: 'https://github.com/evil/x' })!,
        /^source repository https:\/\/github\.com\/evil\/x is not/,
      );
      assert.match(identityProblem(policyFor(base, undefined), signer)!, /no identity policy/);
      assert.equal(identityProblem(p, { key: 'cosign.pub' }), undefined, 'a configured key is its own policy');
    });
  });

  describe('cross-check', () => {
    const platform = (
      name: string,
      commit: string | undefined,
      label?: string,
      repository = REPO,
    ): PlatformSupplyChain => ({
      platform: name,
      digest: `sha256:${name.length.toString().repeat(64)}`,
      revisionLabel: label,
      provenance: commit
        ? { predicateType: 'x', flavour: 'buildkit', source: { repository, commit }, buildArgs: {}, baseImages: [] }
        : undefined,
      problems: [],
      signatures: [],
      signature: { verdict: 'absent', reason: '' },
    });

    it('short commits compare by prefix; labels, repository and same-commit findings carry both values', () => {
      assert.ok(sameCommit(C1, C1.slice(0, 7)));
      assert.ok(!sameCommit(C1, C1.slice(0, 6)), 'too short to mean anything');
      const cc = crossCheck({
        platforms: [
          platform('linux/amd64', C1, C1.slice(0, 7)),
          platform('linux/arm64', C1, C2, 'https://github.com/evil/fork'),
        ],
        indexSignatures: [],
        repo: { owner: 'acme', name: 'rocket' },
        gitTag: { name: 'v1', commit: C1 },
      });
      assert.deepEqual(
        cc.findings.map((f) => [f.kind, f.platform, f.expected, f.found]),
        [
          ['label', 'linux/arm64', C1, C2],
          ['repository', 'linux/arm64', REPO, 'https://github.com/evil/fork'],
        ],
      );
    });

    it('without a git tag the labels are compared with the provenance, and nothing is called compared that was not', () => {
      const none = crossCheck({ platforms: [platform('linux/amd64', undefined)], indexSignatures: [] });
      assert.deepEqual([none.compared, none.findings], [[], []]);
      const cc = crossCheck({ platforms: [platform('linux/amd64', C1, C2)], indexSignatures: [] });
      assert.deepEqual(
        cc.findings.map((f) => [f.kind, f.expected, f.found]),
        [['label', C1, C2]],
      );
    });
  });
});
