import type { SupplyChainReport } from '../../core/supply';
import type { ReleaseNode } from './model';

/**
 * The "Supply chain" node under a platform: commit, builder, SBOM and signature verdict from the supply-chain
 * report of the image (loaded on expansion, one report per image shared by its platforms). vscode-free, so the rows
 * are tested as plain data.
 */
export type SupplyChainLoader = (reference: string, signal: AbortSignal) => Promise<SupplyChainReport>;

const WARN = { icon: 'warning', iconColor: 'problemsWarningIcon.foreground' } as const;
const OK = { icon: 'pass', iconColor: 'testing.iconPassed' } as const;
const VERDICT: Record<string, string> = {
  verified: 'verified',
  unverified: 'present but unverified',
  absent: 'no signature',
  invalid: 'invalid signature',
  'identity-mismatch': 'signed by someone else',
};

export function supplyChainNode(
  parentId: string,
  reference: string,
  platform: string,
  load: SupplyChainLoader,
): ReleaseNode {
  const id = `${parentId}/supply`;
  return {
    id,
    label: 'Supply chain',
    description: 'provenance, SBOM, signature',
    icon: 'shield',
    contextValue: 'supplyChain',
    children: async (signal) => supplyChainRows(id, await load(reference, signal), platform),
  };
}

export function supplyChainRows(id: string, report: SupplyChainReport, platform: string): ReleaseNode[] {
  const p = report.platforms.find((x) => x.platform === platform);
  if (!p) return [{ id: `${id}/none`, label: `${platform} is not in ${report.reference}`, ...WARN }];
  const prov = p.provenance;
  const findings = report.crossCheck.findings.filter((f) => !f.platform || f.platform === platform);
  const tag = report.crossCheck.gitTag;
  const commit: ReleaseNode = {
    id: `${id}/commit`,
    label: prov?.source.commit ? `commit ${prov.source.commit.slice(0, 12)}` : 'commit',
    description: findings.length
      ? findings[0].message
      : tag?.commit && prov?.source.commit
        ? `= git tag ${tag.name}, label ${p.revisionLabel ? '✓' : 'missing'}`
        : prov?.source.commit
          ? (prov.source.repository ?? '')
          : prov
            ? 'not in the provenance'
            : 'no provenance attestation',
    tooltip: [
      prov?.source.repository && `source ${prov.source.repository}`,
      p.revisionLabel && `label org.opencontainers.image.revision ${p.revisionLabel}`,
      tag && `git tag ${tag.name} ${tag.commit ?? '(not in this clone)'}`,
      ...findings.map((f) => f.message),
    ]
      .filter(Boolean)
      .join('\n'),
    ...(findings.length || !prov?.source.commit ? WARN : { icon: 'git-commit' }),
    contextValue: 'supplyCommit',
  };
  const builder: ReleaseNode = {
    id: `${id}/builder`,
    label: 'builder',
    description: prov?.builder ?? (prov ? 'not in the provenance' : 'no provenance attestation'),
    tooltip: prov
      ? [
          `${prov.predicateType} (${prov.flavour})`,
          ...Object.entries(prov.buildArgs).map(([k, v]) => `build arg ${k}=${v}`),
          ...prov.baseImages.map((b) => `base ${b.name}${b.digest ? `@${b.digest}` : ''}`),
        ].join('\n')
      : 'No provenance attestation for this platform.',
    icon: 'tools',
    contextValue: 'supplyBuilder',
  };
  const sbom: ReleaseNode = {
    id: `${id}/sbom`,
    label: 'SBOM',
    description: p.sbom
      ? `${p.sbom.format.toUpperCase()}, ${p.sbom.packageCount} packages${p.sbom.generator ? ` (${p.sbom.generator})` : ''}`
      : 'none',
    ...(p.sbom ? { icon: 'list-unordered' } : WARN),
    contextValue: 'supplySbom',
  };
  const s = p.signature;
  const signature: ReleaseNode = {
    id: `${id}/signature`,
    label: 'signature',
    description: VERDICT[s.verdict],
    tooltip: `${s.reason}\n\n${report.trust.reason}`,
    ...(s.verdict === 'verified' ? OK : WARN),
    contextValue: `supplySignature ${s.verdict}`,
  };
  return [commit, builder, sbom, signature];
}
