/**
 * The supply-chain rows of the post-push gate stage, in one call: off, advisory or required by configuration
 * (supplyChain.postPush), or required with signatures from the release workflow when the Action asks for it.
 * A registry or GitHub that cannot be read becomes an environment row with its reason, never a throw or a pass.
 */
import type { ReleaseOperatorConfig } from '../config/schema';
import { describeError, isReleaseOperatorError } from '../errors';
import type { GitHubClient } from '../github';
import type { Logger } from '../log';
import type { RefInput, RegistryClient } from '../registry';
import { environmentResult, type CheckResult } from '../report';
import { supplyChainChecks, type Requirement } from './checks';
import { gatherSupplyChain } from './gather';
import { loadTrust } from './trust';
import type { SupplyChainReport } from './types';

export interface PostPushSupplyChainOptions {
  client: RegistryClient;
  ref: RefInput;
  config: ReleaseOperatorConfig;
  /** The repository root: supplyChain.trustedRoot and publicKeys are relative to it. */
  root: string;
  repo?: { owner: string; name: string };
  gitTag?: { name: string; commit?: string };
  github?: GitHubClient;
  /**
   * The Action's "require a valid signature from the release workflow": makes the rows required and the signer
   * the release workflow (supplyChain.signerWorkflow, else .github/workflows/<github.releaseWorkflow>).
   */
  requireReleaseWorkflowSignature?: boolean;
  cacheDir?: string;
  now?: () => Date;
  signal?: AbortSignal;
  logger?: Logger;
}

export async function postPushSupplyChainChecks(
  o: PostPushSupplyChainOptions,
): Promise<{ checks: CheckResult[]; requirement: Requirement | 'off'; report?: SupplyChainReport }> {
  const config: ReleaseOperatorConfig = { ...o.config, supplyChain: { ...o.config.supplyChain } };
  let requirement: Requirement | 'off' = config.supplyChain.postPush;
  if (o.requireReleaseWorkflowSignature) {
    requirement = 'required';
    if (!config.supplyChain.signerWorkflow && config.github.releaseWorkflow)
      config.supplyChain.signerWorkflow = `.github/workflows/${config.github.releaseWorkflow.replace(/^.*\//, '')}`;
    if (!config.supplyChain.signerWorkflow && !config.supplyChain.identity)
      return {
        requirement,
        checks: [
          environmentResult(
            'supply-signature',
            'Signature from the release workflow',
            'signatures',
            'a signature from the release workflow is required, but no release workflow is configured',
            [
              {
                text: 'Set github.releaseWorkflow (e.g. release.yml) or supplyChain.signerWorkflow in release-operator.json.',
              },
            ],
          ),
        ],
      };
  }
  if (requirement === 'off') return { requirement, checks: [] };
  try {
    const trust = loadTrust({
      trustedRoot: config.supplyChain.trustedRoot,
      publicKeys: config.supplyChain.publicKeys,
      baseDir: o.root,
      maxAgeDays: config.supplyChain.trustedRootMaxAgeDays,
      cacheDir: o.cacheDir,
      now: o.now,
    });
    const report = await gatherSupplyChain({ ...o, config, trust });
    return { requirement, report, checks: supplyChainChecks(report, { requirement }) };
  } catch (e) {
    if (!isReleaseOperatorError(e) || e.kind === 'usage') throw e;
    return {
      requirement,
      checks: [
        environmentResult(
          'supply-chain',
          'Supply chain',
          'platforms',
          describeError(e),
          e.hint ? [{ text: e.hint }] : undefined,
        ),
      ],
    };
  }
}
