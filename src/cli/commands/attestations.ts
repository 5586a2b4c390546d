import type { Command } from 'commander';
import { isReleaseOperatorError } from '../../core/errors';
import type { ReadinessReport } from '../../core/report';
import type { PlatformSupplyChain, SignatureItem, SupplyChainReport } from '../../core/supply';
import { defineCommand, type CliContext, type CliRuntime } from '../framework';
import { parseRepoFlag } from './github-context';

interface Options {
  gitTag?: string;
  trustedRoot?: string;
  key?: string[];
  identity?: string;
  signerWorkflow?: string;
  search?: string[];
  repo?: string;
  github?: boolean;
}

const collect = (v: string, all: string[] = []) => [...all, v];

/** `attestations REF`: per platform, who built it from what, what is inside, and who signed it. */
export function register(program: Command, rt: CliRuntime): void {
  defineCommand<[string], Options>(program, rt, {
    name: 'attestations',
    summary:
      'per platform: provenance (builder, commit, build args, base images), SBOM, signatures verified, cross-checked with git',
    configure: (cmd) =>
      cmd
        .argument('<ref>', 'image reference of a release, e.g. ghcr.io/owner/name:v1.2.3')
        .option('--git-tag <tag>', 'the git tag of the release (default: the tag named after the image tag)')
        .option(
          '--trusted-root <file>',
          'Sigstore trusted_root.json (default: supplyChain.trustedRoot, then the cache)',
        )
        .option('--key <file>', 'a PEM public key for keyed signatures (repeatable)', collect)
        .option('--identity <regex>', 'the signing certificate identity (SAN) to accept')
        .option('--signer-workflow <path>', 'require signatures from this workflow, e.g. .github/workflows/release.yml')
        .option('--search <package>', "find a package in each platform's SBOM, e.g. openssl (repeatable)", collect)
        .option('--repo <owner/name>', 'the GitHub repository (default: from the git remote)')
        .option('--no-github', "do not read GitHub's attestations API"),
    async run(ctx, [ref], o) {
      const { report, readiness } = await inspect(ctx, ref, o);
      const { exitCodeOf } = await import('../../core/report');
      return {
        ok: readiness.verdict === 'pass',
        data: { ...report, readiness },
        text: formatSupplyChain(report, readiness),
        exitCode: exitCodeOf(readiness.verdict),
      };
    },
  });
}

async function inspect(
  ctx: CliContext,
  ref: string,
  o: Options,
): Promise<{ report: SupplyChainReport; readiness: ReadinessReport }> {
  const [{ config, root }, supply, registry, { readinessReport }] = await Promise.all([
    ctx.config(),
    import('../../core/supply'),
    import('../../core/registry'),
    import('../../core/report'),
  ]);
  if (o.identity !== undefined) config.supplyChain.identity = o.identity;
  if (o.signerWorkflow !== undefined) config.supplyChain.signerWorkflow = o.signerWorkflow;
  if (o.github === false) config.supplyChain.githubAttestations = false;
  const r = registry.parseReference(ref);
  const facts = await readRepo(ctx);
  const repo = o.repo ? parseRepoFlag(o.repo) : facts?.repo;
  const gitTag = o.gitTag
    ? { name: o.gitTag, commit: facts?.tags.find((t) => t.name === o.gitTag)?.commit }
    : supply.gitTagFor(r.tag, facts?.tags ?? [], config);
  if (gitTag && !gitTag.commit && o.gitTag)
    ctx.logger.warn(`The git tag ${gitTag.name} is not in ${root}; the provenance cannot be compared with it.`);
  const trust = supply.loadTrust({
    trustedRoot: o.trustedRoot ?? config.supplyChain.trustedRoot,
    publicKeys: o.key ?? config.supplyChain.publicKeys,
    baseDir: o.trustedRoot || o.key ? ctx.cwd : root,
    maxAgeDays: config.supplyChain.trustedRootMaxAgeDays,
    cacheDir: ctx.io.env.RELEASE_OPERATOR_CACHE_DIR || supply.defaultCacheDir(ctx.io.env),
  });
  const { github, githubUnavailable } = await githubClient(
    ctx,
    config,
    Boolean(repo) && config.supplyChain.githubAttestations,
  );
  const client = registry.registryClientFromConfig(config, ctx.logger, { env: ctx.io.env });
  const report = await supply.gatherSupplyChain({
    client,
    ref: r,
    config,
    trust,
    repo,
    gitTag: gitTag?.commit || o.gitTag ? gitTag : undefined,
    github,
    githubUnavailable,
    search: o.search,
    signal: ctx.signal,
    logger: ctx.logger,
  });
  const checks = supply.supplyChainChecks(report, {
    requirement: config.supplyChain.postPush === 'required' ? 'required' : 'advisory',
  });
  return { report, readiness: readinessReport(checks, { image: report.repository, stage: 'attestations' }) };
}

async function readRepo(ctx: CliContext) {
  try {
    const [{ GitRepo }, { pickGitHubRemote }] = await Promise.all([
      import('../../core/git/repo'),
      import('../../core/git/remote'),
    ]);
    const { facts } = await GitRepo.read(ctx.cwd);
    const remote = pickGitHubRemote(facts.remotes);
    return { tags: facts.tags, repo: remote?.repo ? { owner: remote.repo.owner, name: remote.repo.name } : undefined };
  } catch (e) {
    // Outside a repository the image can still be read; the cross-check with git then says it had no tag.
    ctx.logger.debug(`no git repository: ${isReleaseOperatorError(e) ? e.message : String(e)}`);
    return undefined;
  }
}

async function githubClient(
  ctx: CliContext,
  config: { github: { apiUrl: string } },
  wanted: boolean,
): Promise<{ github?: import('../../core/github').GitHubClient; githubUnavailable?: string }> {
  if (!wanted) return {};
  const [{ GitHubClient, cliTokenSource }, { runProcess }] = await Promise.all([
    import('../../core/github'),
    import('../../core/process/run'),
  ]);
  try {
    const github = await GitHubClient.create({
      apiUrl: config.github.apiUrl,
      token: cliTokenSource(ctx.io.env, runProcess, config.github.apiUrl),
      logger: ctx.logger,
    });
    return { github };
  } catch (e) {
    return { githubUnavailable: isReleaseOperatorError(e) ? e.message : String(e) };
  }
}

const VERDICT_WORD: Record<string, string> = {
  verified: 'verified',
  unverified: 'present but unverified',
  absent: 'absent',
  invalid: 'INVALID',
  'identity-mismatch': 'IDENTITY MISMATCH',
};

function formatSupplyChain(report: SupplyChainReport, readiness: ReadinessReport): string {
  const lines = [
    `${report.reference}`,
    `digest ${report.digest} (${report.kind}${report.kind === 'index' ? `, ${report.platforms.length} platforms` : ''})`,
  ];
  for (const p of report.platforms) lines.push('', ...formatPlatform(report, p));
  if (report.indexSignatures.length) {
    lines.push('', 'signed for the whole index');
    for (const s of report.indexSignatures) lines.push(`  ${itemLine(s)}`);
  }
  const cc = report.crossCheck;
  lines.push(
    '',
    `cross-check with git${cc.gitTag ? ` (tag ${cc.gitTag.name} -> ${cc.gitTag.commit ?? 'not in this clone'})` : ''}`,
  );
  if (!cc.compared.length) lines.push('  nothing compared: no provenance commit, git tag or label to compare');
  else if (!cc.findings.length) lines.push(`  ok: ${cc.compared.length} comparisons agree`);
  for (const f of cc.findings) lines.push(`  problem: ${f.message}`);
  lines.push('', 'trust');
  lines.push(`  ${report.trust.state === 'ok' ? '' : `${report.trust.state.toUpperCase()}: `}${report.trust.reason}`);
  if (report.trust.keys.length) lines.push(`  public keys: ${report.trust.keys.join(', ')}`);
  lines.push(
    `  policy: issuer ${report.policy.issuer}; identity ` +
      `${report.policy.identity || '(none: set supplyChain.identity)'} (${report.policy.identitySource}); ` +
      `predicate ${report.policy.predicateType}`,
  );
  lines.push(`  ${report.github.reason}`);
  const where = report.discovery.map((d) => (d.api ? 'referrers API' : 'fallback tag'));
  if (where.length) lines.push(`  referrers read through: ${[...new Set(where)].join(', ')}, and cosign tags`);
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  lines.push('', `${readiness.verdict === 'pass' ? 'ok' : readiness.verdict}: ${readiness.summary}`);
  return lines.join('\n');
}

function formatPlatform(report: SupplyChainReport, p: PlatformSupplyChain): string[] {
  const out = [`${p.platform}  ${p.digest}`];
  const prov = p.provenance;
  const tag = report.crossCheck.gitTag;
  const row = (k: string, v: string) => out.push(`  ${k.padEnd(10)} ${v}`);
  if (prov) {
    const also = [
      p.revisionLabel ? `label ${p.revisionLabel.slice(0, 12)}` : 'no revision label',
      tag?.commit ? `git tag ${tag.name} ${tag.commit.slice(0, 12)}` : undefined,
    ].filter(Boolean);
    row('commit', `${prov.source.commit ?? '(none)'}  (${also.join('; ')})`);
    row('source', `${prov.source.repository ?? '(none)'}${prov.source.ref ? ` ${prov.source.ref}` : ''}`);
    row(
      'builder',
      `${prov.builder ?? '(none)'}  (${prov.predicateType.replace('https://slsa.dev/provenance/', 'SLSA ')}, ${prov.flavour})`,
    );
    if (prov.trigger || prov.workflow?.path)
      row('workflow', [prov.trigger, prov.workflow?.path, prov.workflow?.ref].filter(Boolean).join(' '));
    const args = Object.entries(prov.buildArgs);
    if (args.length) row('build args', args.map(([k, v]) => `${k}=${v}`).join(' '));
    for (const b of prov.baseImages) row('base', `${b.name}${b.digest ? `@${b.digest}` : ''}`);
  } else row('provenance', 'none');
  for (const problem of p.problems) row('problem', problem);
  row(
    'sbom',
    p.sbom
      ? `${p.sbom.format.toUpperCase()}, ${p.sbom.packageCount} packages${p.sbom.generator ? ` (${p.sbom.generator})` : ''}`
      : 'none',
  );
  for (const s of report.searches) {
    const hits = s.matches[p.platform] ?? [];
    row(
      `'${s.query}'`,
      hits.length
        ? hits.map((h) => `${h.name} ${h.version ?? ''}`.trim()).join(', ')
        : p.sbom
          ? 'not in the SBOM'
          : 'no SBOM to search',
    );
  }
  row('signature', `${VERDICT_WORD[p.signature.verdict]}: ${p.signature.reason}`);
  for (const s of p.signatures.filter((x) => x !== p.signature.decidedBy)) out.push(`             also ${itemLine(s)}`);
  return out;
}

function itemLine(s: SignatureItem): string {
  const about = s.subjects.length
    ? ` about ${s.subjects.map((x) => (x.is === 'platform' ? x.platform : x.is === 'index' ? 'the index' : x.digest.slice(0, 19))).join(', ')}`
    : '';
  return `${s.kind} (${s.where})${s.predicateType ? ` ${s.predicateType}` : ''}${about}: ${VERDICT_WORD[s.verdict]}: ${s.reason}`;
}
