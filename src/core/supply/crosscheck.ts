/**
 * What no signing tool checks for the operator: that the provenance, git and the image agree. The provenance's
 * source commit = the commit the git tag points at = the image's org.opencontainers.image.revision label; the
 * provenance's repository = this GitHub repository; every platform was built from the same commit. For GitHub's
 * SLSA v1 provenance: resolvedDependencies[0] (repository, gitCommit) and externalParameters.workflow (repository,
 * ref = the tag, path = the release workflow when one is required). Every difference names both values.
 */
import { githubRepoOf } from './provenance';
import type { CrossCheck, CrossCheckFinding, PlatformSupplyChain, ProvenanceSummary, SignatureItem } from './types';

export interface CrossCheckInput {
  platforms: PlatformSupplyChain[];
  indexSignatures: SignatureItem[];
  /** owner/name of this repository on GitHub. */
  repo?: { owner: string; name: string };
  gitTag?: { name: string; commit?: string };
  /** A workflow path the GitHub provenance must name (.github/workflows/release.yml), when required. */
  signerWorkflow?: string;
}

/** Two commit ids name the same commit when one is a prefix (7+ characters) of the other. */
export function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}

export function crossCheck(input: CrossCheckInput): CrossCheck {
  const findings: CrossCheckFinding[] = [];
  const compared: string[] = [];
  const repo = input.repo ? `${input.repo.owner}/${input.repo.name}`.toLowerCase() : undefined;
  const tag = input.gitTag;
  const commitOf = (p: PlatformSupplyChain) => p.provenance?.source.commit;

  for (const p of input.platforms) {
    const prov = p.provenance;
    const commit = commitOf(p);
    if (prov && !commit)
      findings.push({
        kind: 'commit',
        platform: p.platform,
        message: `${p.platform}: the provenance names no source commit (no vcs metadata, no git material); build with a git context or pass vcs:revision`,
      });
    if (commit && tag?.commit) {
      compared.push(`provenance commit of ${p.platform} = git tag ${tag.name}`);
      if (!sameCommit(commit, tag.commit))
        findings.push({
          kind: 'commit',
          platform: p.platform,
          message: `${p.platform} was built from ${commit}, but the git tag ${tag.name} points at ${tag.commit}`,
          expected: tag.commit,
          found: commit,
        });
    }
    if (p.revisionLabel && tag?.commit) {
      compared.push(`revision label of ${p.platform} = git tag ${tag.name}`);
      if (!sameCommit(p.revisionLabel, tag.commit))
        findings.push({
          kind: 'label',
          platform: p.platform,
          message: `${p.platform}: label org.opencontainers.image.revision is ${p.revisionLabel}, but the git tag ${tag.name} points at ${tag.commit}`,
          expected: tag.commit,
          found: p.revisionLabel,
        });
    } else if (p.revisionLabel && commit) {
      compared.push(`revision label of ${p.platform} = its provenance commit`);
      if (!sameCommit(p.revisionLabel, commit))
        findings.push({
          kind: 'label',
          platform: p.platform,
          message: `${p.platform}: label org.opencontainers.image.revision is ${p.revisionLabel}, the provenance says ${commit}`,
          expected: commit,
          found: p.revisionLabel,
        });
    }
    if (prov) repositoryFinding(prov, repo, p.platform, findings, compared);
  }

  const commits = new Map<string, string[]>();
  for (const p of input.platforms) {
    const c = commitOf(p);
    if (c) commits.set(c.toLowerCase(), [...(commits.get(c.toLowerCase()) ?? []), p.platform]);
  }
  if (commits.size >= 1 && input.platforms.filter(commitOf).length > 1) {
    compared.push('every platform built from the same commit');
    if (commits.size > 1)
      findings.push({
        kind: 'same-commit',
        message: `the platforms were built from different commits: ${[...commits].map(([c, ps]) => `${ps.join(', ')} from ${c}`).join('; ')}`,
        expected: 'one commit',
        found: [...commits.keys()].join(', '),
      });
  }

  // GitHub's own provenance, from verified attestations only: an unverified statement proves nothing.
  const seen = new Set<string>();
  const github = [...input.indexSignatures, ...input.platforms.flatMap((p) => p.signatures)].filter(
    (s) => s.verdict === 'verified' && s.provenance?.flavour === 'github',
  );
  for (const s of github) {
    const prov = s.provenance!;
    const where = s.attachedTo.platform ?? 'the index';
    const key = `${where}|${prov.source.commit}|${prov.workflow?.ref}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (tag?.commit && prov.source.commit) {
      compared.push(`GitHub provenance (${where}) resolvedDependencies[0].gitCommit = git tag ${tag.name}`);
      if (!sameCommit(prov.source.commit, tag.commit))
        findings.push({
          kind: 'commit',
          platform: s.attachedTo.platform,
          message: `GitHub provenance (${where}) was built from ${prov.source.commit}, but the git tag ${tag.name} points at ${tag.commit}`,
          expected: tag.commit,
          found: prov.source.commit,
        });
    }
    if (tag && prov.workflow?.ref) {
      compared.push(`GitHub provenance (${where}) externalParameters.workflow.ref = refs/tags/${tag.name}`);
      if (prov.workflow.ref !== `refs/tags/${tag.name}`)
        findings.push({
          kind: 'workflow',
          platform: s.attachedTo.platform,
          message: `GitHub provenance (${where}) ran the workflow at ${prov.workflow.ref}, not the tag refs/tags/${tag.name}`,
          expected: `refs/tags/${tag.name}`,
          found: prov.workflow.ref,
        });
    }
    if (input.signerWorkflow && prov.workflow?.path !== undefined) {
      compared.push(`GitHub provenance (${where}) externalParameters.workflow.path = ${input.signerWorkflow}`);
      if (prov.workflow.path !== input.signerWorkflow)
        findings.push({
          kind: 'workflow',
          platform: s.attachedTo.platform,
          message: `GitHub provenance (${where}) was made by ${prov.workflow.path}, not the release workflow ${input.signerWorkflow}`,
          expected: input.signerWorkflow,
          found: prov.workflow.path,
        });
    }
    repositoryFinding(prov, repo, s.attachedTo.platform ?? 'index', findings, compared);
  }
  return { gitTag: tag, repository: repo, findings, compared };
}

function repositoryFinding(
  prov: ProvenanceSummary,
  repo: string | undefined,
  where: string,
  findings: CrossCheckFinding[],
  compared: string[],
): void {
  if (!repo || !prov.source.repository) return;
  compared.push(`provenance repository of ${where} = ${repo}`);
  const found = githubRepoOf(prov.source.repository);
  if (found !== repo)
    findings.push({
      kind: 'repository',
      platform: where === 'index' ? undefined : where,
      message: `${where}: the provenance says it was built from ${prov.source.repository}, not github.com/${repo}`,
      expected: `https://github.com/${repo}`,
      found: prov.source.repository,
    });
}
