/**
 * The supply-chain report of one reference: per platform its BuildKit provenance and SBOM, every signature and
 * attestation found for the index and for the platform (referrers, cosign tags, GitHub's API) with a verdict, the
 * cross-check with git, and package searches. Reads only; the checks (supply/checks.ts) turn it into verdicts.
 */
import type { ReleaseOperatorConfig } from '../config/schema';
import type { GitHubClient } from '../github';
import { nullLogger, type Logger } from '../log';
import type { RefInput, RegistryClient } from '../registry';
import { LABEL_REVISION } from '../registry';
import { parseReference, repositoryName, formatReference } from '../registry';
import { discoverReferrers } from '../registry';
import { readBuildKitAttestations, type BuildKitAttestations } from './buildkit';
import { crossCheck } from './crosscheck';
import { listGitHubAttestations } from './github-attestations';
import { policyFor } from './policy';
import { searchPackages } from './sbom';
import { githubItems, referrerItems, summarize, type DigestMap, type UnsignedArtifact } from './signatures';
import type { Trust } from './trust';
import type { PlatformSupplyChain, SignatureItem, SignatureSummary, SupplyChainReport } from './types';
import type { VerifyContext } from './verify';

export interface GatherOptions {
  client: RegistryClient;
  ref: RefInput;
  config: ReleaseOperatorConfig;
  trust: Trust;
  /** This repository on GitHub (owner/name), for the identity policy and the cross-check. */
  repo?: { owner: string; name: string };
  /** The git tag of the release and the commit it points at. */
  gitTag?: { name: string; commit?: string };
  /** GitHub's API, for artifact attestations; without it they are not read (and the report says so). */
  github?: GitHubClient;
  githubUnavailable?: string;
  /** Package names to look for in each platform's SBOM ("openssl", "glibc"). */
  search?: string[];
  signal?: AbortSignal;
  logger?: Logger;
  /** fetch for GitHub's bundle_url (blob storage). */
  fetch?: typeof fetch;
}

export async function gatherSupplyChain(o: GatherOptions): Promise<SupplyChainReport> {
  const log = o.logger ?? nullLogger;
  const r = typeof o.ref === 'string' ? parseReference(o.ref) : o.ref;
  const repo = { registry: r.registry, repository: r.repository };
  const call = { signal: o.signal };
  const info = await o.client.inspect(r, call);
  const policy = policyFor(o.config.supplyChain, o.repo);
  const ctx: VerifyContext = { trust: o.trust, policy };
  const map: DigestMap = {
    index: info.kind === 'index' ? info.digest : undefined,
    platforms: info.platforms.map((p) => ({ platform: p.platform, digest: p.digest })),
  };
  const warnings: string[] = [...o.trust.keyProblems];
  const discovery: SupplyChainReport['discovery'] = [];
  const unsigned: UnsignedArtifact[] = [];

  const readGitHub = o.config.supplyChain.githubAttestations && o.github && o.repo;
  const github = {
    read: Boolean(readGitHub),
    reason: readGitHub
      ? `GitHub attestations of ${o.repo!.owner}/${o.repo!.name} read`
      : !o.config.supplyChain.githubAttestations
        ? 'GitHub attestations not read: supplyChain.githubAttestations is off'
        : !o.repo
          ? 'GitHub attestations not read: the GitHub repository is unknown'
          : `GitHub attestations not read: ${o.githubUnavailable ?? 'no GitHub token'}`,
  };

  /** Every signature item for one digest: its referrers and cosign tags, then GitHub's API. */
  const itemsFor = async (digest: string): Promise<SignatureItem[]> => {
    const found = await discoverReferrers(o.client, repo, digest, call);
    discovery.push({ digest, api: found.api, warnings: found.warnings });
    warnings.push(...found.warnings);
    const fromRegistry = await referrerItems(o.client, repo, found, map, ctx, call);
    unsigned.push(...fromRegistry.unsigned);
    let fromGitHub: SignatureItem[] = [];
    if (readGitHub && github.read) {
      try {
        const list = await listGitHubAttestations(o.github!, o.repo!, digest, { signal: o.signal, fetch: o.fetch });
        fromGitHub = githubItems(list, digest, map, ctx);
      } catch (e) {
        github.read = false;
        github.reason = `GitHub attestations could not be read: ${(e as Error).message}`;
        log.warn(github.reason);
      }
    }
    return [...fromRegistry.items, ...fromGitHub];
  };

  const indexSignatures = info.kind === 'index' ? await itemsFor(info.digest) : [];
  const indexSummary = summarize(indexSignatures, policy.predicateType);
  const platforms: PlatformSupplyChain[] = await Promise.all(
    info.platforms.map(async (p) => {
      const [att, signatures] = await Promise.all([
        info.kind === 'index'
          ? readBuildKitAttestations(o.client, repo, p, call)
          : Promise.resolve<BuildKitAttestations>({ problems: [], other: [] }),
        itemsFor(p.digest),
      ]);
      return {
        platform: p.platform,
        digest: p.digest,
        revisionLabel: p.labels?.[LABEL_REVISION],
        provenance: att.provenance,
        sbom: att.sbom,
        problems: att.problems,
        signatures,
        signature: platformVerdict(summarize(signatures, policy.predicateType), indexSummary),
      };
    }),
  );

  for (const u of unsigned.filter((x) => x.sbom && x.attachedTo.is === 'index'))
    warnings.push(indexSbomWarning(`the SBOM ${u.digest.slice(0, 19)} (${u.where})`));
  for (const s of indexSignatures.filter((x) => x.predicateType && /spdx|cyclonedx/i.test(x.predicateType)))
    warnings.push(
      indexSbomWarning(`the ${s.predicateType} attestation${s.digest ? ` ${s.digest.slice(0, 19)}` : ''} (${s.where})`),
    );

  const report: SupplyChainReport = {
    reference: formatReference(r),
    repository: repositoryName(r),
    digest: info.digest,
    kind: info.kind,
    platforms,
    indexSignatures,
    discovery,
    github,
    trust: o.trust.status,
    policy,
    crossCheck: crossCheck({
      platforms,
      indexSignatures,
      repo: o.repo,
      gitTag: o.gitTag,
      signerWorkflow: o.config.supplyChain.signerWorkflow || undefined,
    }),
    searches: (o.search ?? []).map((query) => ({
      query,
      matches: Object.fromEntries(
        platforms.map((p) => [
          p.platform,
          p.sbom ? searchPackages(p.sbom, query).map(({ name, version }) => ({ name, version })) : [],
        ]),
      ),
    })),
    warnings,
  };
  return report;
}

/** A platform's own signature decides; a verified signature on the index covers it (the index names its digest). */
function platformVerdict(own: SignatureSummary, index: SignatureSummary): SignatureSummary {
  if (own.verdict === 'verified' || index.verdict !== 'verified') return own;
  return { ...index, reason: `through the index: ${index.reason}` };
}

function indexSbomWarning(what: string): string {
  return (
    `SBOM on the index: ${what} is attached to the whole index: it can describe one platform's packages at ` +
    `most, yet it claims them all (actions/attest-sbom #60). Attach one SBOM per platform manifest.`
  );
}
