import * as vscode from 'vscode';
import type { ReleaseOperatorConfig } from '../../core/config/schema';
import { describeError } from '../../core/errors';
import type {
  ImageInfo,
  ImageOpen,
  PackageVersionsSource,
  PlatformInfo,
  RegistryProblem,
  TagDigest,
} from '../../core/registry';
import { describeBasis, type CheckResult } from '../../core/report';
import { verdictLabel } from '../verdicts';
import { versionOfImageTag } from '../../core/version/order';
import type { TagScheme } from '../../core/version/scheme';
import { markdownCode, markdownText } from '../../core/neutralize';
import type { RegistryFacade } from '../engines';
import { warningIcon, type ReleaseNode } from './model';
import { supplyChainNode, type SupplyChainLoader } from './supply';

/**
 * The registry engine (its checks and digest display) and the size engine's figures, loaded with the folder's first
 * expansion (the Release view's first items need neither).
 */
type RegistryEngine = typeof import('../../core/registry') & Pick<typeof import('../../core/size'), 'formatSize'>;

/** What is wrong with one image tag, in words (empty: nothing), from the registry engine's checks. */
function imageTagProblems(
  { commitTagFinding, labelsCheck, platformsCheck, problemsOf }: RegistryEngine,
  info: ImageInfo,
  all: readonly TagDigest[],
  requiredPlatforms: readonly string[],
  scheme: TagScheme,
  check: CheckResult,
): string[] {
  const version = versionOfImageTag(info.tag ?? '', scheme.imagePrefix);
  const own: RegistryProblem[] = problemsOf([
    platformsCheck(info, requiredPlatforms),
    ...(version ? [labelsCheck(info, version)] : []),
  ]);
  const commit = version && scheme.sha ? commitTagFinding(info, all, scheme) : undefined;
  return [
    ...own.map((p) => p.message),
    ...(commit ? [commit.message] : []),
    ...problemsOf([check])
      .filter((p) => p.tag === info.tag)
      .map((p) => p.message),
  ];
}

/** A hover of labels: keys and values came from the image, so each is escaped (no link, image or HTML from them). */
function labelsMarkdown(title: string, labels: Record<string, string>, problems: string[] = []): vscode.MarkdownString {
  const md = new vscode.MarkdownString(
    `**${title
      .split(/\n+/)
      .map((t) => markdownText(t))
      .join('**\n\n**')}**\n\n`,
  );
  for (const p of problems) md.appendMarkdown(`$(warning) ${markdownText(p, 500)}\n\n`);
  md.supportThemeIcons = true;
  md.supportHtml = false;
  const entries = Object.entries(labels);
  if (entries.length)
    md.appendMarkdown(entries.map(([k, v]) => `- ${markdownCode(k, 200)}: ${markdownText(v, 500)}`).join('\n'));
  else md.appendMarkdown(`_${vscode.l10n.t('no labels')}_`);
  return md;
}

function platformNode(
  { shortDigest, formatSize }: RegistryEngine,
  parentId: string,
  repository: string,
  p: PlatformInfo,
  supply?: { reference: string; load: SupplyChainLoader },
): ReleaseNode {
  const id = `${parentId}/${p.platform}`;
  return {
    id,
    label: p.platform,
    description: `${shortDigest(p.digest)}${p.compressedSize !== undefined ? ` · ${formatSize(p.compressedSize)}` : ''}`,
    tooltip: labelsMarkdown(`${p.platform} ${p.digest}`, p.labels ?? {}),
    icon: 'vm',
    contextValue: 'platform smokeable',
    data: { reference: `${repository}@${p.digest}`, digest: p.digest, platform: p.platform },
    // Attestations are folded under the platform they describe, never shown as a platform of their own.
    children: [
      ...(supply ? [supplyChainNode(id, supply.reference, p.platform, supply.load, vscode.l10n)] : []),
      ...p.attestations.map((a) => ({
        id: `${id}/att/${a.digest}`,
        label: a.type === 'attestation-manifest' ? vscode.l10n.t('attestation') : a.type,
        description: shortDigest(a.digest),
        tooltip: `${a.mediaType}\n${a.digest}`,
        icon: 'verified',
        contextValue: 'attestation',
        data: { digest: a.digest },
      })),
    ],
  };
}

function imageTagNode(
  engine: RegistryEngine,
  repository: string,
  tag: string,
  info: ImageInfo,
  imagePrefix: string,
  problems: string[],
  supply?: SupplyChainLoader,
): ReleaseNode {
  const version = versionOfImageTag(tag, imagePrefix);
  const reference = `${repository}:${tag}`;
  const id = `image/${tag}`;
  const kind =
    info.kind === 'index'
      ? info.platforms.length === 1
        ? vscode.l10n.t('index, 1 platform')
        : vscode.l10n.t('index, {0} platforms', info.platforms.length)
      : vscode.l10n.t('single manifest');
  const children: ReleaseNode[] = info.platforms.map((p) =>
    platformNode(engine, id, repository, p, supply && { reference, load: supply }),
  );
  if (info.attestations.length) {
    children.push({
      id: `${id}/unattached`,
      label: vscode.l10n.t('{0} attestation(s) for no listed platform', info.attestations.length),
      icon: 'verified',
      contextValue: 'attestation',
    });
  }
  return {
    id,
    label: tag,
    description: `${engine.shortDigest(info.digest)} · ${kind}`,
    tooltip: labelsMarkdown(
      `${reference}\n\n${info.digest}${compressedSizes(info, engine.formatSize)}`,
      info.labels,
      problems,
    ),
    ...(problems.length ? warningIcon : { icon: 'package' }),
    contextValue: `imageTag browsable${version ? ' rollbackable' : ''}${problems.length ? ' problem' : ''}`,
    data: {
      reference,
      digest: info.digest,
      tag,
      url: browseUrl(repository),
      version,
    },
    children,
  };
}

/** "compressed: linux/amd64 12.3 MB, linux/arm64 11.8 MB" for a tooltip (`size REF` tells what made them). */
function compressedSizes(info: ImageInfo, formatSize: (bytes: number) => string): string {
  const known = info.platforms.filter((p) => p.compressedSize !== undefined);
  return known.length
    ? `\n\n${vscode.l10n.t('compressed: {0}', known.map((p) => `${p.platform} ${formatSize(p.compressedSize!)}`).join(', '))}`
    : '';
}

/** A web page for the image: ghcr.io's package page, else nothing. */
function browseUrl(repository: string): string | undefined {
  const m = /^ghcr\.io\/([^/]+)\/(.+)$/.exec(repository);
  return m ? `https://github.com/${m[1]}/pkgs/container/${encodeURIComponent(m[2])}` : undefined;
}

/** Tags inspected at a time: the first ones on expansion, the next ones for each "Show more". */
const TAGS_PER_PAGE = 50;

/**
 * The "Image tags" folder. On expansion: which digest every tag points at (GitHub Packages or one HEAD per tag, see
 * core/registry/open), the tag scheme's verdict over all of them, and the newest TAGS_PER_PAGE tags inspected (kind,
 * platforms, labels; manifests by digest come from the disk cache after the first time). A "Show more" node loads
 * the next ones on demand, so 5,000 tags cost their digests and one page of inspections, not 5,000 inspections.
 */
export function imageTagsSection(
  repository: string | null,
  config: ReleaseOperatorConfig,
  registry: () => Promise<RegistryFacade>,
  supplyChain?: SupplyChainLoader,
  packages?: () => Promise<PackageVersionsSource | undefined>,
): ReleaseNode {
  // One supply-chain report per image tag, shared by its platforms' nodes until the view refreshes.
  const reports = new Map<string, ReturnType<SupplyChainLoader>>();
  const supply: SupplyChainLoader | undefined =
    supplyChain &&
    ((reference, signal) => {
      let r = reports.get(reference);
      if (!r) {
        r = supplyChain(reference, signal);
        r.catch(() => reports.delete(reference));
        reports.set(reference, r);
      }
      return r;
    });
  if (!repository) {
    return {
      id: 'images',
      label: vscode.l10n.t('Image tags'),
      description: vscode.l10n.t('no image configured'),
      icon: 'package',
      tooltip: vscode.l10n.t('Set "image" in release-operator.json or releaseOperator.image, or add a GitHub remote.'),
    };
  }
  // What this folder has loaded, kept across "Show more" (a refresh of the view builds a new folder).
  let loaded:
    Promise<{ engine: RegistryEngine; open: ImageOpen; check: CheckResult; nodes: ReleaseNode[] }> | undefined;
  const tagNode = (
    engine: RegistryEngine,
    open: ImageOpen,
    check: CheckResult,
    s: ImageOpen['shown'][number],
  ): ReleaseNode =>
    s.info instanceof Error
      ? {
          id: `image/${s.tag}`,
          label: s.tag,
          description: vscode.l10n.t('cannot be read'),
          tooltip: describeError(s.info),
          ...warningIcon,
        }
      : imageTagNode(
          engine,
          repository,
          s.tag,
          s.info,
          open.scheme.imagePrefix,
          imageTagProblems(engine, s.info, open.ordered, config.requiredPlatforms, open.scheme, check),
          supply,
        );
  const section: ReleaseNode = {
    id: 'images',
    label: vscode.l10n.t('Image tags'),
    description: repository,
    icon: 'package',
    contextValue: 'images browsable',
    data: { url: browseUrl(repository), reference: repository },
    children: async (signal) => {
      loaded ??= (async () => {
        const [client, registryEngine, { formatSize }, source] = await Promise.all([
          registry(),
          import('../../core/registry'),
          import('../../core/size'),
          packages?.().catch(() => undefined),
        ]);
        const engine: RegistryEngine = { ...registryEngine, formatSize };
        const open = await engine.openImageTags(client, repository, config, {
          signal,
          first: TAGS_PER_PAGE,
          labels: true,
          packages: source,
        });
        const check = engine.tagSchemeCheck(repository, open.ordered, open.scheme);
        return { engine, open, check, nodes: open.shown.map((s) => tagNode(engine, open, check, s)) };
      })();
      loaded.catch(() => (loaded = undefined));
      const { engine, open, check, nodes } = await loaded;
      if (!open.ordered.length) return [{ id: 'images/none', label: vscode.l10n.t('No tags yet'), icon: 'info' }];
      const left = open.ordered.length - nodes.length;
      const next = Math.min(left, TAGS_PER_PAGE);
      const more: ReleaseNode[] = left
        ? [
            withCommand({
              id: 'images/more',
              label: vscode.l10n.t('Show {0} more', next),
              description: vscode.l10n.t('{0} of {1} tags shown', nodes.length, open.ordered.length),
              tooltip: vscode.l10n.t(
                'Inspect the next {0} tags (their digests are known: {1}).',
                next,
                open.listing.basis.value,
              ),
              icon: 'ellipsis',
              contextValue: 'showMore',
              more: async (s) => {
                const shown = await open.more(nodes.length, TAGS_PER_PAGE, { signal: s });
                nodes.push(...shown.map((x) => tagNode(engine, open, check, x)));
              },
              parent: section,
            }),
          ]
        : [];
      return [schemeNode(check), ...nodes, ...more];
    },
  };
  return section;
}

/** A node that runs the extension's command for it when clicked (Show more). */
function withCommand(n: ReleaseNode): ReleaseNode {
  n.command = { command: 'releaseOperator.showMore', title: n.label, arguments: [n] };
  return n;
}

/**
 * The tag scheme's verdict over every tag, first in the folder: which prefix it used and where that came from,
 * and, when it examined no moving tag (no version tags of that prefix), "nothing checked" with what it found
 * instead: never a silent pass. Moving tags that point wrong are marked on their own rows.
 */
function schemeNode(check: CheckResult): ReleaseNode {
  const basis = (check.basis ?? []).map(describeBasis);
  const odd = check.findings.filter((f) => f.rule === 'mixed-prefix');
  const title = vscode.l10n.t('Tag scheme: {0}', verdictLabel(check.verdict));
  const tooltip = new vscode.MarkdownString(`**${title}**\n\n${check.summary}\n\n`);
  for (const f of check.findings) tooltip.appendMarkdown(`- ${f.message}\n`);
  for (const b of basis) tooltip.appendMarkdown(`\n_${b}_\n`);
  const flagged = check.verdict !== 'pass' || odd.length > 0;
  return {
    id: 'images/scheme',
    label: title,
    description:
      check.verdict === 'nothing-checked'
        ? check.summary.replace(/^nothing checked: /, '')
        : basis.find((b) => b.startsWith('image tags')),
    tooltip,
    ...(flagged ? warningIcon : { icon: 'pass' }),
    contextValue: `tagScheme ${check.verdict}`,
  };
}
