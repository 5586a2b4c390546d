import type { SupplyChainReport } from '../../core/supply';
// npm run l10n (@vscode/l10n-dev export) reads l10n.t() only in files that import vscode; a type import is free at
// run time, so the file stays vscode-free for its unit tests.
import type * as vscode from 'vscode';
import { english, type Translator } from '../translator';

/** vscode.l10n itself, or the English default (tests). */
type L10n = Translator & Partial<Pick<typeof vscode.l10n, 'bundle'>>;
import type { ReleaseNode } from './model';

/**
 * The "Supply chain" node under a platform: commit, builder, SBOM and signature verdict from the supply-chain
 * report of the image (loaded on expansion, one report per image shared by its platforms). vscode-free, so the rows
 * are tested as plain data.
 */
export type SupplyChainLoader = (reference: string, signal: AbortSignal) => Promise<SupplyChainReport>;

const WARN = { icon: 'warning', iconColor: 'problemsWarningIcon.foreground' } as const;
const OK = { icon: 'pass', iconColor: 'testing.iconPassed' } as const;
const verdictText = (l10n: L10n, verdict: string): string =>
  ({
    verified: l10n.t('verified'),
    unverified: l10n.t('present but unverified'),
    absent: l10n.t('no signature'),
    invalid: l10n.t('invalid signature'),
    'identity-mismatch': l10n.t('signed by someone else'),
  })[verdict] ?? verdict;

export function supplyChainNode(
  parentId: string,
  reference: string,
  platform: string,
  load: SupplyChainLoader,
  l10n: L10n = english,
): ReleaseNode {
  const id = `${parentId}/supply`;
  return {
    id,
    label: l10n.t('Supply chain'),
    description: l10n.t('provenance, SBOM, signature'),
    icon: 'shield',
    contextValue: 'supplyChain',
    children: async (signal) => supplyChainRows(id, await load(reference, signal), platform, l10n),
  };
}

export function supplyChainRows(
  id: string,
  report: SupplyChainReport,
  platform: string,
  l10n: L10n = english,
): ReleaseNode[] {
  const p = report.platforms.find((x) => x.platform === platform);
  if (!p) return [{ id: `${id}/none`, label: l10n.t('{0} is not in {1}', platform, report.reference), ...WARN }];
  const prov = p.provenance;
  const findings = report.crossCheck.findings.filter((f) => !f.platform || f.platform === platform);
  const tag = report.crossCheck.gitTag;
  const commit: ReleaseNode = {
    id: `${id}/commit`,
    label: prov?.source.commit ? l10n.t('commit {0}', prov.source.commit.slice(0, 12)) : l10n.t('commit'),
    description: findings.length
      ? findings[0].message
      : tag?.commit && prov?.source.commit
        ? l10n.t('= git tag {0}, label {1}', tag.name, p.revisionLabel ? '✓' : l10n.t('missing'))
        : prov?.source.commit
          ? (prov.source.repository ?? '')
          : prov
            ? l10n.t('not in the provenance')
            : l10n.t('no provenance attestation'),
    tooltip: [
      prov?.source.repository && l10n.t('source {0}', prov.source.repository),
      p.revisionLabel && l10n.t('label org.opencontainers.image.revision {0}', p.revisionLabel),
      tag && l10n.t('git tag {0} {1}', tag.name, tag.commit ?? l10n.t('(not in this clone)')),
      ...findings.map((f) => f.message),
    ]
      .filter(Boolean)
      .join('\n'),
    ...(findings.length || !prov?.source.commit ? WARN : { icon: 'git-commit' }),
    contextValue: 'supplyCommit',
  };
  const builder: ReleaseNode = {
    id: `${id}/builder`,
    label: l10n.t('builder'),
    description: prov?.builder ?? (prov ? l10n.t('not in the provenance') : l10n.t('no provenance attestation')),
    tooltip: prov
      ? [
          `${prov.predicateType} (${prov.flavour})`,
          ...Object.entries(prov.buildArgs).map(([k, v]) => l10n.t('build arg {0}={1}', k, v)),
          ...prov.baseImages.map((b) => l10n.t('base {0}', `${b.name}${b.digest ? `@${b.digest}` : ''}`)),
        ].join('\n')
      : l10n.t('No provenance attestation for this platform.'),
    icon: 'tools',
    contextValue: 'supplyBuilder',
  };
  const sbom: ReleaseNode = {
    id: `${id}/sbom`,
    label: 'SBOM',
    description: p.sbom
      ? `${l10n.t('{0}, {1} packages', p.sbom.format.toUpperCase(), p.sbom.packageCount)}${p.sbom.generator ? ` (${p.sbom.generator})` : ''}`
      : l10n.t('none'),
    ...(p.sbom ? { icon: 'list-unordered' } : WARN),
    contextValue: 'supplySbom',
  };
  const s = p.signature;
  const signature: ReleaseNode = {
    id: `${id}/signature`,
    label: l10n.t('signature'),
    description: verdictText(l10n, s.verdict),
    tooltip: `${s.reason}\n\n${report.trust.reason}`,
    ...(s.verdict === 'verified' ? OK : WARN),
    contextValue: `supplySignature ${s.verdict}`,
  };
  return [commit, builder, sbom, signature];
}
