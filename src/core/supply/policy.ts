/**
 * Who may have signed: the policy `gh attestation verify` applies by default, for this repository. The issuer is
 * GitHub Actions' OIDC issuer; the certificate identity (SAN) is a workflow of this repository (or the configured
 * release workflow); the Source Repository URI extension names this repository; attestations count when their
 * predicate type is SLSA provenance v1. Each check has its own reason when it fails.
 */
import type { SignerInfo, PolicyInfo } from './types';

export interface PolicyConfig {
  issuer: string;
  /** A regular expression for the SAN; empty: inferred from the repository (and signerWorkflow). */
  identity: string;
  /** A workflow path (.github/workflows/release.yml) the signature must come from; empty: any of the repository's. */
  signerWorkflow: string;
  predicateType: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The policy for a repository (owner/name on github.com), or the configured identity. */
export function policyFor(config: PolicyConfig, repo: { owner: string; name: string } | undefined): PolicyInfo {
  const sourceRepository = repo ? `https://github.com/${repo.owner}/${repo.name}` : undefined;
  if (config.identity)
    return {
      issuer: config.issuer,
      identity: config.identity,
      identitySource: 'configured',
      sourceRepository,
      predicateType: config.predicateType,
    };
  const workflow = config.signerWorkflow.replace(/^\/+/, '');
  const identity = sourceRepository ? `^${escape(sourceRepository)}/${workflow ? `${escape(workflow)}@` : ''}` : '';
  return {
    issuer: config.issuer,
    identity,
    identitySource: 'inferred',
    sourceRepository,
    predicateType: config.predicateType,
  };
}

/** Why a verified signer does not satisfy the policy, or undefined when it does. */
export function identityProblem(policy: PolicyInfo, signer: SignerInfo): string | undefined {
  if (signer.key) return undefined; // keyed: the configured key is the policy
  if (!policy.identity)
    return 'no identity policy: the GitHub repository is unknown and supplyChain.identity is not set';
  if (signer.issuer !== policy.issuer)
    return `issuer ${signer.issuer ?? '(none)'} is not the expected ${policy.issuer}`;
  let re: RegExp;
  try {
    re = new RegExp(policy.identity, 'i');
  } catch {
    return `supplyChain.identity ${JSON.stringify(policy.identity)} is not a valid regular expression`;
  }
  if (!signer.identity || !re.test(signer.identity))
    return `certificate identity ${signer.identity ?? '(none)'} does not match ${policy.identity}`;
  if (policy.sourceRepository) {
    if (!signer.sourceRepository)
      return `the certificate has no source repository extension (expected ${policy.sourceRepository})`;
    if (signer.sourceRepository.toLowerCase() !== policy.sourceRepository.toLowerCase())
      return `source repository ${signer.sourceRepository} is not ${policy.sourceRepository}`;
  }
  return undefined;
}
