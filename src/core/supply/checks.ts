/**
 * The supply-chain report as rows of the readiness report, so the CLI, the gate's post-push stage and the editor
 * show the same verdicts: per platform its provenance, its SBOM and its signature, and one cross-check with git.
 * Verdicts stay honest whatever the requirement: "advisory" only marks a row as not blocking (evidence.requirement)
 * for the gate to honour; a missing signature is never a pass.
 */
import { checkResult, type CheckFinding, type CheckResult, type NextAction } from '../report';
import type { PlatformSupplyChain, SignatureItem, SupplyChainReport } from './types';
import { TRUSTED_ROOT_HINT } from './trust';

export type Requirement = 'required' | 'advisory';

export interface SupplyChainCheckOptions {
  requirement?: Requirement;
}

const short = (d: string) => d.slice(0, 19);
const shortCommit = (c?: string) => (c ? c.slice(0, 12) : 'unknown commit');

export function supplyChainChecks(report: SupplyChainReport, options: SupplyChainCheckOptions = {}): CheckResult[] {
  const requirement = options.requirement ?? 'required';
  const rows = [
    ...report.platforms.flatMap((p) => [provenanceRow(report, p), sbomRow(report, p), signatureRow(report, p)]),
    crossCheckRow(report),
  ];
  return rows.map((r) => ({ ...r, evidence: { ...r.evidence, requirement } }));
}

function provenanceRow(report: SupplyChainReport, p: PlatformSupplyChain): CheckResult {
  const prov = p.provenance;
  const findings: CheckFinding[] = p.problems.map((message) => ({
    message,
    severity: 'error',
    subject: p.platform,
    rule: 'attestation',
  }));
  return checkResult({
    id: 'supply-provenance',
    title: 'Provenance',
    subject: p.platform,
    examined: {
      count: prov ? 1 : 0,
      what: 'provenance attestations',
      lookedFor: `a BuildKit provenance attestation for ${p.platform} in the index`,
    },
    findings,
    summary: prov
      ? `${prov.predicateType.replace('https://slsa.dev/provenance/', 'SLSA ')}: ` +
        `${shortCommit(prov.source.commit)} from ${prov.source.repository ?? 'an unnamed repository'}, built ` +
        `by ` +
        `${prov.builder ?? 'an unnamed builder'}${findings.length ? `; ${findings.length} problem${findings.length === 1 ? '' : 's'}` : ''}`
      : undefined,
    evidence: { digest: p.digest, provenance: prov },
    next: prov
      ? undefined
      : [
          {
            text: 'Build with provenance attestations (docker buildx build --provenance=mode=max, or build-push-action with provenance: mode=max).',
          },
        ],
  });
}

function sbomRow(report: SupplyChainReport, p: PlatformSupplyChain): CheckResult {
  const onIndex = report.warnings.filter((w) => w.startsWith('SBOM on the index:'));
  return checkResult({
    id: 'supply-sbom',
    title: 'SBOM',
    subject: p.platform,
    examined: {
      count: p.sbom ? 1 : 0,
      what: 'SBOMs',
      lookedFor: `an SPDX or CycloneDX SBOM attestation for ${p.platform}`,
      foundInstead: onIndex.length ? 'an SBOM attached to the whole index only' : undefined,
    },
    findings: onIndex.map((message) => ({
      message,
      severity: 'warning' as const,
      subject: p.platform,
      rule: 'sbom-on-index',
    })),
    summary: p.sbom
      ? `${p.sbom.format.toUpperCase()}, ${p.sbom.packageCount} packages${p.sbom.generator ? ` (${p.sbom.generator})` : ''}`
      : undefined,
    evidence: p.sbom ? { format: p.sbom.format, packageCount: p.sbom.packageCount, generator: p.sbom.generator } : {},
    next: p.sbom ? undefined : [{ text: 'Build with SBOM attestations (docker buildx build --sbom=true).' }],
  });
}

function signatureRow(report: SupplyChainReport, p: PlatformSupplyChain): CheckResult {
  const s = p.signature;
  const items = [...p.signatures, ...report.indexSignatures];
  const base = {
    id: 'supply-signature',
    title: 'Signature',
    subject: p.platform,
    evidence: { digest: p.digest, verdict: s.verdict, items: items.map(itemEvidence) },
    basis: [
      {
        subject: 'signer identity',
        value: report.policy.identity || '(none)',
        source: report.policy.identitySource === 'configured' ? ('configured' as const) : ('inferred' as const),
        detail:
          report.policy.identitySource === 'configured'
            ? 'supplyChain.identity'
            : `a workflow of ${report.policy.sourceRepository ?? 'this repository'}, issuer ${report.policy.issuer}`,
      },
      {
        subject: 'trusted root',
        value: report.trust.path ?? report.trust.state,
        source: 'configured' as const,
        detail: report.trust.reason,
      },
    ],
  };
  // Other items that failed are said even when one verified: a tampered extra signature is worth a look.
  const failed = items
    .filter((i) => i !== s.decidedBy && (i.verdict === 'invalid' || i.verdict === 'identity-mismatch'))
    .map((i) => ({
      message: `${i.kind} (${i.where}): ${i.verdict}: ${i.reason}`,
      severity: 'warning' as const,
      subject: p.platform,
      rule: `signature-${i.verdict}`,
    }));
  const stale =
    report.trust.state === 'stale'
      ? [{ message: report.trust.reason, severity: 'warning' as const, rule: 'trusted-root-stale' }]
      : [];
  switch (s.verdict) {
    case 'verified':
      return checkResult({
        ...base,
        examined: { count: 1, what: 'verified signatures' },
        findings: [...failed, ...stale],
        summary: `verified: ${s.reason}`,
      });
    case 'invalid':
    case 'identity-mismatch':
      return checkResult({
        ...base,
        examined: { count: items.length, what: 'signatures' },
        findings: [
          {
            message: `${s.verdict}: ${s.reason}`,
            severity: 'error',
            subject: p.platform,
            rule: `signature-${s.verdict}`,
          },
          ...failed,
        ],
        summary: `${s.verdict === 'invalid' ? 'invalid' : 'identity mismatch'}: ${s.reason}`,
        next: [{ text: 'Sign the image from the release workflow (cosign sign, or actions/attest-build-provenance).' }],
      });
    case 'unverified': {
      const trustMissing = report.trust.state === 'missing' || report.trust.state === 'invalid';
      if (trustMissing)
        return {
          ...base,
          verdict: 'environment',
          summary: `present but unverified: ${s.reason}`,
          examined: { count: 0, what: 'verified signatures' },
          findings: [],
          next: [{ text: TRUSTED_ROOT_HINT }],
        };
      return checkResult({
        ...base,
        examined: {
          count: 0,
          what: 'verified signatures',
          lookedFor: 'a signature this product can verify',
          foundInstead: `a signature present but unverified (${s.reason})`,
        },
        findings: failed,
        summary: `present but unverified: ${s.reason}`,
      });
    }
    case 'absent':
      return checkResult({
        ...base,
        examined: {
          count: 0,
          what: 'verified signatures',
          lookedFor:
            `a signature or ${report.policy.predicateType} attestation for ${p.platform} or the index ` +
            `(referrers, cosign tags${report.github.read ? ', GitHub attestations' : ''})`,
        },
        findings: failed,
        summary: `absent: ${s.reason}${report.github.read ? '' : ` (${report.github.reason})`}`,
        next: [signNext()],
      });
  }
}

function crossCheckRow(report: SupplyChainReport): CheckResult {
  const cc = report.crossCheck;
  const findings: CheckFinding[] = cc.findings.map((f) => ({
    message: f.message,
    severity: 'error',
    subject: f.platform,
    rule: `crosscheck-${f.kind}`,
    evidence: f.expected || f.found ? { expected: f.expected, found: f.found } : undefined,
  }));
  return checkResult({
    id: 'supply-crosscheck',
    title: 'Provenance × git × labels',
    examined: {
      count: cc.compared.length,
      what: 'comparisons',
      lookedFor: 'provenance commits, a git tag and revision labels to compare',
      foundInstead: cc.gitTag ? undefined : 'no git tag for this reference (pass --git-tag)',
    },
    findings,
    summary:
      cc.compared.length && !findings.length
        ? `${cc.compared.length} comparisons agree${cc.gitTag?.commit ? `: every platform from ${shortCommit(cc.gitTag.commit)} (${cc.gitTag.name})` : ''}`
        : undefined,
    evidence: { compared: cc.compared, gitTag: cc.gitTag, repository: cc.repository },
  });
}

function itemEvidence(i: SignatureItem): Record<string, unknown> {
  return {
    kind: i.kind,
    where: i.where,
    digest: i.digest,
    attachedTo: i.attachedTo.is === 'platform' ? i.attachedTo.platform : i.attachedTo.is,
    subjects: i.subjects.map((s) => (s.is === 'platform' ? s.platform : s.is === 'index' ? 'index' : short(s.digest))),
    predicateType: i.predicateType,
    verdict: i.verdict,
    reason: i.reason,
    signer: i.signer,
  };
}

function signNext(): NextAction {
  return {
    text: 'Sign each release in its workflow: cosign sign --yes IMAGE@DIGEST (keyless), or actions/attest-build-provenance with push-to-registry: true.',
  };
}
