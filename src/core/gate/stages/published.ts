import { usageError } from '../../errors';
import {
  labelsCheck,
  LABEL_REVISION,
  parseReference,
  platformsCheck,
  repositoryName,
  tagSchemeCheck,
  type ImageInfo,
  type RegistryClient,
  type TagDigest,
} from '../../registry';
import { checkResult, type CheckFinding, type CheckResult } from '../../report';
import { resolveScheme, type TagScheme } from '../../version/scheme';
import { testedCheck, type PushedPlatform } from '../checks/tested';
import { faultResult, guarded, type StageContext } from '../guard';
import { releaseTags, versionTag, type ReleaseTags } from '../plan';
import { readRecords } from '../record';
import { hasSizeBudget, sizeBudgetChecks } from '../../size';
import { postPushSupplyChainChecks } from '../../supply';
import type { GateRequest } from '../types';

export interface PublishedOutcome {
  checks: CheckResult[];
  digest?: string;
  platformDigests: Record<string, string>;
}

/** Rows for checks that could not start because the image itself could not be read. */
const notRun = (id: string, title: string, what: string): CheckResult => ({
  id,
  title,
  verdict: 'nothing-checked',
  summary: 'not run: the image could not be read',
  examined: { count: 0, what },
  findings: [],
});

/** Tags of a repository that may not exist yet (nothing pushed): none, rather than a fault. */
async function tagsOrNone<T>(read: () => Promise<T[]>): Promise<T[]> {
  try {
    return await read();
  } catch (e) {
    if ((e as { kind?: string }).kind === 'check') return [];
    throw e;
  }
}

/**
 * post-push (full: platforms, labels with the commit, pushed-is-tested, the tag scheme) and pre-release (the
 * version's image exists with every platform and its labels), over one read of the image. The checks are the
 * registry engine's own (what `verify` runs), with the gate's additions: the released commit in the labels, the
 * attestations in the evidence, and the comparison with what pre-push tested.
 */
export async function publishedStage(
  req: GateRequest,
  ctx: StageContext,
  full: boolean,
  /** Leave out 'Pushed is tested' (the editor's readiness view has no pre-push record to compare with). */
  options: { tested?: boolean } = {},
): Promise<PublishedOutcome> {
  const withTested = options.tested !== false;
  const { config, registry } = ctx.deps;
  const repository = repositoryName(parseReference(req.image));
  let info: ImageInfo | undefined;
  let tags: TagDigest[] = [];
  let scheme: TagScheme | undefined;
  const platforms = await guarded(
    ctx,
    { id: 'platforms', title: 'Required platforms', what: 'required platforms' },
    async () => {
      // The version tag's prefix is the registry's (configured or inferred): the tags are read first when the
      // reference must be made from the version.
      const names = full
        ? tagsOrNone(() => registry.tagDigests(repository, { signal: ctx.signal }))
        : req.reference
          ? Promise.resolve([] as TagDigest[])
          : tagsOrNone(() => registry.listTags(repository, { signal: ctx.signal })).then((t) =>
              t.map((tag) => ({ tag, digest: '', mediaType: '' })),
            );
      names.catch(() => undefined);
      let ref = req.reference;
      if (!ref) {
        if (!req.version)
          throw usageError(
            `The ${req.stage} stage needs the version (or the reference to check).`,
            'Pass --version X.Y.Z, or --reference REPO@sha256:... (the digest assemble wrote).',
          );
        tags = await names;
        scheme = resolveScheme(config.tags, { imageTags: tags.map((t) => t.tag) });
        ref = `${req.image}:${versionTag(req.version, scheme.imagePrefix)}`;
      }
      info = await registry.inspect(ref, { signal: ctx.signal });
      tags = await names;
      scheme ??= resolveScheme(config.tags, { imageTags: tags.map((t) => t.tag) });
      return withAttestations(platformsCheck(info, req.platforms), info);
    },
    { usage: 'rethrow' },
  );
  if (!info)
    return {
      checks: [
        platforms,
        notRun('labels', 'Labels', 'image configs'),
        ...(full
          ? [
              ...(withTested ? [notRun('tested', 'Pushed is tested', 'platforms')] : []),
              notRun('tag-scheme', 'Tag scheme', 'moving tags'),
            ]
          : []),
      ],
      platformDigests: {},
    };
  const image = info;
  const platformDigests = Object.fromEntries(image.platforms.map((p) => [p.platform, p.digest]));
  const labels = await guarded(ctx, { id: 'labels', title: 'Labels', what: 'image configs' }, () =>
    Promise.resolve(withCommit(labelsCheck(image, req.version), image, req.commit)),
  );
  if (!full) return { checks: [platforms, labels], digest: image.digest, platformDigests };

  const tested = withTested
    ? guarded(ctx, { id: 'tested', title: 'Pushed is tested', what: 'platforms' }, async () => {
        const pushed = await pushedPlatforms(registry, repository, image, ctx.signal);
        const lookup = await readRecords(req.record, { image: req.image, version: req.version });
        return testedCheck(pushed, lookup, req.record);
      })
    : undefined;
  const tagScheme = guarded(ctx, { id: 'tag-scheme', title: 'Tag scheme', what: 'tags' }, () => {
    if (!req.version) throw usageError('The tags of a release need its version.', 'Pass --version X.Y.Z.');
    const plan = releaseTags(
      req.version,
      req.commit,
      config.tags,
      tags.map((t) => t.tag),
    );
    const check = tagSchemeCheck(repository, tags, scheme!, { info: image });
    // The version tag itself must name the image checked (a reference by digest may differ from it).
    const own = plan.tags.find((t) => t.kind === 'version');
    const at = own && tags.find((t) => t.tag === own.tag);
    if (own && at?.digest !== image.digest)
      check.findings.push({
        severity: 'error',
        rule: 'version-tag',
        subject: own.tag,
        message: at
          ? `${repository}:${own.tag} points at ${at.digest.slice(0, 19)}, not the image checked (${image.digest.slice(0, 19)})`
          : `${repository}:${own.tag} is missing; the image checked is ${image.digest.slice(0, 19)}`,
      });
    return Promise.resolve(forRelease(check, plan));
  });
  const supply = supplyRows(req, ctx, repository, image);
  const size = sizeRows(ctx, repository, image);
  const [testedRow, tagRow, supplyChecks, sizeChecks] = await Promise.all([tested, tagScheme, supply, size]);
  return {
    checks: [platforms, labels, ...(testedRow ? [testedRow] : []), tagRow, ...supplyChecks, ...sizeChecks],
    digest: image.digest,
    platformDigests,
  };
}

/**
 * The size budget (core/size), one row per platform of the pushed image: its compressed size against
 * size.budget / size.platformBudgets, its growth since the previous release against size.maxGrowth. Only when a
 * budget is configured: without one the rows could only say "nothing checked".
 */
async function sizeRows(ctx: StageContext, repository: string, image: ImageInfo): Promise<CheckResult[]> {
  const { config, registry } = ctx.deps;
  if (!hasSizeBudget(config)) return [];
  ctx.emit({ type: 'check-started', id: 'size-budget', title: 'Size' });
  const rows = await sizeBudgetChecks(registry, `${repository}@${image.digest}`, config, { signal: ctx.signal });
  for (const check of rows) ctx.emit({ type: 'check-finished', check });
  return rows;
}

/**
 * The supply-chain rows (provenance, SBOM, signatures; core/supply): advisory by default (shown, never deciding
 * the stage), required by configuration or when a signature from the release workflow is asked for.
 */
async function supplyRows(
  req: GateRequest,
  ctx: StageContext,
  repository: string,
  image: ImageInfo,
): Promise<CheckResult[]> {
  const { config, registry, github } = ctx.deps;
  const [owner, name] = (req.repository ?? '').split('/');
  const advisory = !req.requireSignature && config.supplyChain.postPush === 'advisory';
  if (config.supplyChain.postPush === 'off' && !req.requireSignature) return [];
  const { checks } = await postPushSupplyChainChecks({
    client: registry,
    ref: `${repository}@${image.digest}`,
    config,
    root: req.root ?? process.cwd(),
    repo: owner && name ? { owner, name } : undefined,
    gitTag: req.gitTag,
    github: github && 'client' in github ? github.client : undefined,
    requireReleaseWorkflowSignature: req.requireSignature,
    now: () => ctx.now(),
    signal: ctx.signal,
    logger: ctx.logger,
  }).catch((e: unknown) => {
    if (ctx.deps.signal?.aborted) throw e;
    return { checks: [faultResult({ id: 'supply', title: 'Supply chain', what: 'platforms' }, e)] };
  });
  return checks.map((c) =>
    c.evidence?.requirement === 'advisory' || (advisory && c.id === 'supply') ? { ...c, advisory: true } : c,
  );
}

/** Each pushed platform with the config digest its manifest names. */
function pushedPlatforms(
  registry: RegistryClient,
  repository: string,
  image: ImageInfo,
  signal: AbortSignal,
): Promise<PushedPlatform[]> {
  return Promise.all(
    image.platforms.map(async (p) => {
      const { configDigest } = await registry.getImageConfig(`${repository}@${p.digest}`, undefined, { signal });
      return { platform: p.platform, manifestDigest: p.digest, configDigest };
    }),
  );
}

/** The attestations, each under the platform it describes, in the evidence: none is a platform. */
function withAttestations(c: CheckResult, info: ImageInfo): CheckResult {
  const attached = info.platforms.reduce((n, p) => n + p.attestations.length, 0);
  return {
    ...c,
    evidence: {
      ...c.evidence,
      kind: info.kind,
      platforms: info.platforms.map(
        (p) =>
          `${p.platform} ${p.digest.slice(0, 19)}${p.attestations.length ? ` (+${p.attestations.length} attestation)` : ''}`,
      ),
      attestations: `${attached + info.attestations.length} (${attached} under their platform${info.attestations.length ? `, ${info.attestations.length} naming no platform of the index` : ''}; none counted as a platform)`,
    },
  };
}

/** The revision label of every platform names the released commit (a full SHA or a prefix of at least 7). */
function withCommit(c: CheckResult, info: ImageInfo, commit: string | undefined): CheckResult {
  if (!commit) return c;
  const same = (a: string, b: string) =>
    a === b || (a.length >= 7 && b.startsWith(a)) || (b.length >= 7 && a.startsWith(b));
  const extra: CheckFinding[] = info.platforms.flatMap((p) => {
    const rev = p.labels?.[LABEL_REVISION];
    return rev && !same(rev, commit)
      ? [
          {
            severity: 'error' as const,
            rule: 'labels',
            subject: p.platform,
            message: `${info.reference} (${p.platform}): label ${LABEL_REVISION} is ${rev}, but the released commit is ${commit}`,
            evidence: { label: LABEL_REVISION, value: rev, commit },
          },
        ]
      : [];
  });
  if (!extra.length) return { ...c, evidence: { ...c.evidence, commit } };
  const { verdict: _v, summary: _s, ...rest } = c;
  return checkResult({ ...rest, findings: [...c.findings, ...extra], evidence: { ...c.evidence, commit } });
}

/**
 * The tag scheme check narrowed to this release: the tags its plan writes (the version, commit and moving tags it
 * moves) and the moving tags a newer release holds (never moved back to it). A moving tag of another release that
 * is wrong is `verify`'s to report, not a reason to stop this one; the scheme's own findings (mixed prefixes) stay.
 */
function forRelease(c: CheckResult, plan: ReleaseTags): CheckResult {
  const mine = new Set([...plan.tags.map((t) => t.tag), ...plan.held.map((h) => h.tag)]);
  const findings = c.findings.filter((f) => !f.subject || mine.has(f.subject) || f.rule === 'mixed-prefix');
  const { verdict: _v, summary: _s, ...rest } = c;
  return checkResult({
    ...rest,
    findings,
    examined: {
      ...c.examined,
      count: mine.size,
      what: 'tags',
      one: 'tag',
      lookedFor: `the tags of ${plan.tags[0]?.tag ?? 'this release'}`,
    },
    evidence: {
      ...c.evidence,
      planned: plan.tags.map((t) => t.tag),
      held: plan.held.length ? plan.held.map((h) => `${h.tag} stays on ${h.stays}`) : undefined,
      'other releases':
        c.findings.length > findings.length
          ? `${c.findings.length - findings.length} finding(s) about other releases' tags: see release-operator verify`
          : undefined,
    },
  });
}
