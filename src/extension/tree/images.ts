import * as vscode from 'vscode';
import type { ReleaseOperatorConfig } from '../../core/config/schema';
import { describeError } from '../../core/errors';
import {
  checkLabels,
  checkPlatforms,
  checkShaTag,
  checkTagScheme,
  type RegistryProblem,
} from '../../core/registry/checks';
import type { ImageInfo, PlatformInfo, TagDigest } from '../../core/registry/types';
import { versionOfImageTag } from '../../core/version/plan';
import type { RegistryFacade } from '../engines';
import { shortDigest, warningIcon, type ReleaseNode } from './model';

/** What is wrong with one image tag, in words (empty: nothing), from the registry engine's checks. */
export function imageTagProblems(
  info: ImageInfo,
  config: ReleaseOperatorConfig,
  all: readonly TagDigest[],
  scheme: readonly RegistryProblem[],
): string[] {
  const version = versionOfImageTag(info.tag ?? '', config.tags.imagePrefix);
  return [
    ...checkPlatforms(info, config.requiredPlatforms),
    ...(version ? [...checkLabels(info, version), ...checkShaTag(info, all, config.tags)] : []),
    ...scheme.filter((p) => p.tag === info.tag),
  ].map((p) => p.message);
}

/** The version a tag names (v1.2.3 -> 1.2.3), or undefined for moving and sha tags. */
export const tagVersion = (tag: string, prefix: string) => versionOfImageTag(tag, prefix);

function labelsMarkdown(title: string, labels: Record<string, string>, problems: string[] = []): vscode.MarkdownString {
  const md = new vscode.MarkdownString(`**${title}**\n\n`);
  for (const p of problems) md.appendMarkdown(`$(warning) ${p}\n\n`);
  md.supportThemeIcons = true;
  const entries = Object.entries(labels);
  if (entries.length)
    md.appendMarkdown(entries.map(([k, v]) => `- \`${k}\`: ${v.replace(/[\\`*_[\]]/g, '\\$&')}`).join('\n'));
  else md.appendMarkdown('_no labels_');
  return md;
}

function platformNode(parentId: string, repository: string, p: PlatformInfo): ReleaseNode {
  const id = `${parentId}/${p.platform}`;
  return {
    id,
    label: p.platform,
    description: shortDigest(p.digest),
    tooltip: labelsMarkdown(`${p.platform} ${p.digest}`, p.labels ?? {}),
    icon: 'vm',
    contextValue: 'platform smokeable',
    data: { reference: `${repository}@${p.digest}`, digest: p.digest, platform: p.platform },
    // Attestations are folded under the platform they describe, never shown as a platform of their own.
    children: p.attestations.map((a) => ({
      id: `${id}/att/${a.digest}`,
      label: a.type === 'attestation-manifest' ? 'attestation' : a.type,
      description: shortDigest(a.digest),
      tooltip: `${a.mediaType}\n${a.digest}`,
      icon: 'verified',
      contextValue: 'attestation',
      data: { digest: a.digest },
    })),
  };
}

export function imageTagNode(
  repository: string,
  tag: string,
  info: ImageInfo,
  config: ReleaseOperatorConfig,
  problems: string[],
): ReleaseNode {
  const reference = `${repository}:${tag}`;
  const id = `image/${tag}`;
  const kind =
    info.kind === 'index'
      ? `index, ${info.platforms.length} platform${info.platforms.length === 1 ? '' : 's'}`
      : 'single manifest';
  const children: ReleaseNode[] = info.platforms.map((p) => platformNode(id, repository, p));
  if (info.attestations.length) {
    children.push({
      id: `${id}/unattached`,
      label: `${info.attestations.length} attestation(s) for no listed platform`,
      icon: 'verified',
      contextValue: 'attestation',
    });
  }
  return {
    id,
    label: tag,
    description: `${shortDigest(info.digest)} · ${kind}`,
    tooltip: labelsMarkdown(`${reference}\n\n${info.digest}`, info.labels, problems),
    ...(problems.length ? warningIcon : { icon: 'package' }),
    contextValue: `imageTag browsable${tagVersion(tag, config.tags.imagePrefix) ? ' rollbackable' : ''}${problems.length ? ' problem' : ''}`,
    data: {
      reference,
      digest: info.digest,
      tag,
      url: browseUrl(repository),
      version: tagVersion(tag, config.tags.imagePrefix),
    },
    children,
  };
}

/** A web page for the image: ghcr.io's package page, else nothing. */
export function browseUrl(repository: string): string | undefined {
  const m = /^ghcr\.io\/([^/]+)\/(.+)$/.exec(repository);
  return m ? `https://github.com/${m[1]}/pkgs/container/${encodeURIComponent(m[2])}` : undefined;
}

/** Orders tags: latest, versions newest first, moving vX.Y / vX tags newest first, then the rest. */
export function sortImageTags(tags: string[], prefix: string): string[] {
  const nums = (t: string) => {
    const v = tagVersion(t, prefix);
    if (v) return { rank: 1, n: v.split(/[-+]/)[0].split('.').map(Number) };
    const m = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)(?:\\.(\\d+))?$`).exec(t);
    if (m) return { rank: 2, n: [Number(m[1]), m[2] === undefined ? Infinity : Number(m[2]), 0] };
    return { rank: t === 'latest' ? 0 : 3, n: [0, 0, 0] };
  };
  return [...tags].sort((a, b) => {
    const x = nums(a),
      y = nums(b);
    return x.rank - y.rank || y.n[0] - x.n[0] || y.n[1] - x.n[1] || y.n[2] - x.n[2] || a.localeCompare(b);
  });
}

/** The "Image tags" folder: tags listed on expansion, each inspected (digest, kind, platforms). */
export function imageTagsSection(
  repository: string | null,
  config: ReleaseOperatorConfig,
  registry: () => Promise<RegistryFacade>,
): ReleaseNode {
  if (!repository) {
    return {
      id: 'images',
      label: 'Image tags',
      description: 'no image configured',
      icon: 'package',
      tooltip: 'Set "image" in release-operator.json or releaseOperator.image, or add a GitHub remote.',
    };
  }
  return {
    id: 'images',
    label: 'Image tags',
    description: repository,
    icon: 'package',
    contextValue: 'images browsable',
    data: { url: browseUrl(repository), reference: repository },
    children: async (signal) => {
      const client = await registry();
      const tags = sortImageTags(await client.listTags(repository, { signal }), config.tags.imagePrefix);
      if (!tags.length) return [{ id: 'images/none', label: 'No tags yet', icon: 'info' }];
      const infos = await Promise.all(
        tags.map((tag) => client.inspect(`${repository}:${tag}`, { signal, labels: true }).catch((e: Error) => e)),
      );
      const digests: TagDigest[] = infos.flatMap((i, n) =>
        i instanceof Error ? [] : [{ tag: tags[n], digest: i.digest, mediaType: i.mediaType }],
      );
      const scheme = checkTagScheme(repository, digests, config.tags);
      return tags.map((tag, n): ReleaseNode => {
        const info = infos[n];
        if (info instanceof Error)
          return {
            id: `image/${tag}`,
            label: tag,
            description: 'cannot be read',
            tooltip: describeError(info),
            ...warningIcon,
          };
        return imageTagNode(repository, tag, info, config, imageTagProblems(info, config, digests, scheme));
      });
    },
  };
}
