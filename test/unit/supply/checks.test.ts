import assert from 'node:assert/strict';
import {
  supplyChainChecks,
  type SignatureSummary,
  type SupplyChainReport,
  type TrustStatus,
} from '../../../src/core/supply';
import { supplyChainRows } from '../../../src/extension/tree/supply';

const C = 'a'.repeat(40);

function report(
  signature: SignatureSummary,
  trust: Partial<TrustStatus> = {},
  withProvenance = true,
): SupplyChainReport {
  return {
    reference: 'ghcr.io/acme/rocket:v1.2.3',
    repository: 'ghcr.io/acme/rocket',
    digest: `sha256:${'1'.repeat(64)}`,
    kind: 'index',
    platforms: [
      {
        platform: 'linux/amd64',
        digest: `sha256:${'2'.repeat(64)}`,
        revisionLabel: C,
        provenance: withProvenance
          ? {
              predicateType: 'https://slsa.dev/provenance/v0.2',
              flavour: 'buildkit',
              builder: 'https://github.com/acme/rocket/actions/runs/1',
              source: { repository: 'https://github.com/acme/rocket', commit: C },
              buildArgs: {},
              baseImages: [],
            }
          : undefined,
        sbom: { format: 'spdx', packageCount: 12, packages: [] },
        problems: [],
        signatures: [],
        signature,
      },
    ],
    indexSignatures: [],
    discovery: [],
    github: { read: false, reason: 'GitHub attestations not read: no GitHub token' },
    trust: { state: 'ok', reason: 'trusted root x', keys: [], ...trust },
    policy: {
      issuer: 'https://token.actions.githubusercontent.com',
      identity: '^https://github\\.com/acme/rocket/',
      identitySource: 'inferred',
      sourceRepository: 'https://github.com/acme/rocket',
      predicateType: 'https://slsa.dev/provenance/v1',
    },
    crossCheck: {
      gitTag: { name: 'v1.2.3', commit: C },
      findings: [],
      compared: ['provenance commit of linux/amd64 = git tag v1.2.3'],
    },
    searches: [],
    warnings: [],
  };
}

const row = (r: SupplyChainReport, id: string) => supplyChainChecks(r).find((c) => c.id === id)!;

describe('supply chain: readiness rows and tree rows', () => {
  it('maps each signature verdict to an honest row verdict: only verified passes', () => {
    const cases: Array<[SignatureSummary['verdict'], Partial<TrustStatus>, string]> = [
      ['verified', {}, 'pass'],
      ['invalid', {}, 'problem'],
      ['identity-mismatch', {}, 'problem'],
      ['absent', {}, 'nothing-checked'],
      ['unverified', {}, 'nothing-checked'],
      ['unverified', { state: 'missing' }, 'environment'],
    ];
    for (const [verdict, trust, expected] of cases) {
      const r = row(report({ verdict, reason: 'why' }, trust), 'supply-signature');
      assert.equal(r.verdict, expected, `${verdict} ${JSON.stringify(trust)}`);
      assert.match(r.summary, /why/);
    }
  });

  it('a stale trusted root is a warning on a verified signature, never hidden', () => {
    const r = row(
      report({ verdict: 'verified', reason: 'ok' }, { state: 'stale', reason: 'it is 40 days old' }),
      'supply-signature',
    );
    assert.equal(r.verdict, 'pass');
    assert.deepEqual(
      r.findings.map((f) => [f.severity, f.rule]),
      [['warning', 'trusted-root-stale']],
    );
  });

  it('no provenance is nothing checked with what to do; advisory only marks the rows', () => {
    const r = report({ verdict: 'verified', reason: 'ok' }, {}, false);
    const prov = row(r, 'supply-provenance');
    assert.equal(prov.verdict, 'nothing-checked');
    assert.match(prov.next?.[0].text ?? '', /--provenance=mode=max/);
    const advisory = supplyChainChecks(r, { requirement: 'advisory' });
    assert.ok(advisory.every((c) => (c.evidence as { requirement: string }).requirement === 'advisory'));
    assert.equal(advisory.find((c) => c.id === 'supply-provenance')!.verdict, 'nothing-checked');
  });

  it('the tree shows commit, builder, SBOM and signature verdict per platform', () => {
    const rows = supplyChainRows('p/supply', report({ verdict: 'verified', reason: 'signed by x' }), 'linux/amd64');
    assert.deepEqual(
      rows.map((n) => [n.label, n.description, n.icon]),
      [
        [`commit ${C.slice(0, 12)}`, '= git tag v1.2.3, label ✓', 'git-commit'],
        ['builder', 'https://github.com/acme/rocket/actions/runs/1', 'tools'],
        ['SBOM', 'SPDX, 12 packages', 'list-unordered'],
        ['signature', 'verified', 'pass'],
      ],
    );
    const bad = supplyChainRows('p/supply', report({ verdict: 'absent', reason: 'none' }), 'linux/amd64');
    assert.deepEqual([bad[3].description, bad[3].icon], ['no signature', 'warning']);
    const missing = supplyChainRows('p/supply', report({ verdict: 'absent', reason: 'none' }), 'linux/s390x');
    assert.match(missing[0].label, /linux\/s390x is not in/);
  });
});
