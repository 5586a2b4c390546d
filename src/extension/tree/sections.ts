import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import type { ReleaseOperatorConfig } from '../../core/config/schema';
import type { PackageVersionsSource } from '../../core/registry';
import { describeBasis } from '../../core/report';
import { withImageTags, withoutImageTags, type StatusReport } from '../../core/status';
import { versionOfImageTag } from '../../core/version/order';
import { imageTagScheme } from '../../core/version/scheme';
import type { GitHubFacade, JobView, RegistryFacade, RunView } from '../engines';
import type { SmokeResults } from '../smokeResults';
import { stateLabel } from '../statusBar';
import { imageGroupNode, readinessNode } from './imageGroups';
import { imageTagsSection } from './images';
import { warningIcon, type ReleaseNode } from './model';
import type { SupplyChainLoader } from './supply';

export interface SectionDeps {
  registry: () => Promise<RegistryFacade>;
  /** The supply-chain report of an image reference (provenance, SBOM, signatures), for the platform nodes. */
  supplyChain?: SupplyChainLoader;
  /** undefined: no token. */
  github: () => Promise<GitHubFacade | undefined>;
  /** The GitHub Packages API as the image tags' digest source; undefined: no token. */
  packages?: () => Promise<PackageVersionsSource | undefined>;
  smoke: SmokeResults;
  /** Lint findings shown in open Dockerfiles and workflow files. */
  lintCount: () => number;
  /** Reloads one node (live run status). */
  refreshLater: (node: ReleaseNode, ms: number) => void;
  workspaceFolderCount: number;
  /** The configured images with their own facts; with several the view groups its sections by image. */
  images?: ReadonlyArray<{ name: string; status: StatusReport; config: ReleaseOperatorConfig }>;
}

const signInNode = (id: string, what: string): ReleaseNode => ({
  id: `${id}/signin`,
  label: vscode.l10n.t('Sign in to GitHub'),
  description: what,
  icon: 'github',
  contextValue: 'signIn',
  command: { command: 'releaseOperator.signIn', title: vscode.l10n.t('Sign in to GitHub') },
});

function repositoryNode(s: StatusReport, deps: SectionDeps): ReleaseNode {
  const gh = s.repository.github;
  const tip = new vscode.MarkdownString(`**${s.repository.root}**\n\n`);
  tip.appendMarkdown(
    gh
      ? `${vscode.l10n.t('GitHub: {0} (remote `{1}`)', `${gh.owner}/${gh.name}`, gh.remote)}\n\n`
      : `${vscode.l10n.t('No GitHub remote.')}\n\n`,
  );
  tip.appendMarkdown(`HEAD: \`${s.repository.head ?? vscode.l10n.t('no commits')}\``);
  return {
    id: 'repository',
    label: gh ? `${gh.owner}/${gh.name}` : s.repository.root.split('/').pop()!,
    description: `${s.repository.branch ?? vscode.l10n.t('detached')} @ ${s.repository.head?.slice(0, 7) ?? vscode.l10n.t('no commits')}`,
    tooltip: tip,
    icon: 'repo',
    contextValue: `repository${gh ? ' browsable' : ''}${deps.workspaceFolderCount > 1 ? ' pickable' : ''}`,
    data: { url: gh ? `https://github.com/${gh.owner}/${gh.name}` : undefined },
  };
}

/**
 * The version and the tag plan of its release (the engine's one plan: core/status). The plan needs the registry's
 * tags (the image prefix, unless configured, and the versions already released), so its rows load with the node;
 * when the registry cannot be read the plan comes from the git tags alone and the scheme rows say so.
 */
function versionNode(s: StatusReport, config: ReleaseOperatorConfig, deps: SectionDeps): ReleaseNode {
  return {
    id: 'version',
    label: s.version ? vscode.l10n.t('Version {0}', s.version.version) : vscode.l10n.t('Version'),
    description: s.version ? vscode.l10n.t('from {0}', s.version.source) : vscode.l10n.t('none found'),
    tooltip: s.version
      ? vscode.l10n.t(
          'The tags the next release writes, the moving tags it leaves on a newer release, and the scheme they follow.',
        )
      : vscode.l10n.t('No version in package.json, Cargo.toml, pyproject.toml, VERSION or a git tag.'),
    icon: 'tag',
    contextValue: 'version',
    expanded: true,
    data: { version: s.version?.version },
    children: async (signal) => {
      let view = s;
      if (s.image && s.version) {
        const image = s.image;
        const tags = await deps
          .registry()
          .then((r) => r.listTags(image, { signal }))
          .catch((e: unknown) => describeError(e).split('\n')[0]);
        view =
          typeof tags === 'string'
            ? withoutImageTags(s, config, vscode.l10n.t('the registry could not be read: {0}', tags))
            : withImageTags(s, config, imageTagScheme(config.tags, tags));
      }
      return planNodes(view);
    },
  };
}

/** The plan's rows: tags written, tags held on a newer release, then where the scheme's prefixes came from. */
function planNodes(s: StatusReport): ReleaseNode[] {
  return [
    ...s.tagPlan.map((t) => ({
      id: `plan/${t.tag}`,
      label: t.tag,
      description: t.rule,
      icon: 'arrow-small-right',
      contextValue: 'plannedTag',
    })),
    ...s.tagsHeld.map((t) => ({
      id: `plan/held/${t.tag}`,
      label: t.tag,
      description: vscode.l10n.t('not moved: stays on {0}', t.stays),
      tooltip: vscode.l10n.t(
        '{0} stays on {1}, a newer release than {2}: a moving tag never moves back.',
        t.tag,
        t.stays,
        s.version?.version ?? vscode.l10n.t('this one'),
      ),
      icon: 'circle-slash',
      contextValue: 'heldTag',
    })),
    ...(s.version ? s.scheme : []).map((b) => ({
      id: `plan/scheme/${b.subject}`,
      label: `${b.subject}: ${b.value}`,
      description: describeBasis(b).slice(`${b.subject}: ${b.value}, `.length),
      tooltip: describeBasis(b),
      icon: 'info',
      contextValue: 'schemeBasis',
    })),
    ...(s.version ? s.schemeFindings : []).map((f) => ({
      id: `plan/scheme-finding/${f.subject ?? ''}`,
      label: vscode.l10n.t('{0}: mixed prefixes', f.subject ?? vscode.l10n.t('tags')),
      tooltip: f.message,
      ...warningIcon,
      contextValue: 'schemeFinding problem',
    })),
  ];
}

function gitTagsSection(s: StatusReport, config: ReleaseOperatorConfig, deps: SectionDeps): ReleaseNode {
  return {
    id: 'gittags',
    label: vscode.l10n.t('Git tags'),
    description: `${s.gitTags.length}`,
    icon: 'git-commit',
    contextValue: 'gitTags',
    children: async (signal) => {
      if (!s.gitTags.length) return [{ id: 'gittags/none', label: vscode.l10n.t('No version tags yet'), icon: 'info' }];
      // Release state and image existence are best effort: the tags still show when GitHub or the registry cannot be
      // read.
      const [releases, imageTags] = await Promise.all([
        deps
          .github()
          .then((g) => g?.releases(signal))
          .catch(() => undefined),
        s.image
          ? deps
              .registry()
              .then((r) => r.listTags(s.image!, { signal }))
              .catch(() => undefined)
          : Promise.resolve(undefined),
      ]);
      const tagSet = imageTags && new Set(imageTags);
      // Git tags and image tags each have their own prefix (v1.2.3 in git, 1.2.3 in the registry is common).
      const imagePrefix = imageTags ? imageTagScheme(config.tags, imageTags).imagePrefix : s.imagePrefix;
      return s.gitTags.map((t) => {
        const version = versionOfImageTag(t.name, s.gitPrefix);
        const imageTag = version ? `${imagePrefix}${version}` : t.name;
        const release = releases?.find((r) => r.tag === t.name);
        const hasImage = tagSet ? tagSet.has(imageTag) : undefined;
        const releaseText = !releases
          ? vscode.l10n.t('release: ?')
          : release
            ? release.draft
              ? vscode.l10n.t('draft release')
              : release.prerelease
                ? vscode.l10n.t('pre-release')
                : vscode.l10n.t('released')
            : vscode.l10n.t('no release');
        const imageText =
          hasImage === undefined
            ? vscode.l10n.t('image: ?')
            : hasImage
              ? vscode.l10n.t('image ✓')
              : vscode.l10n.t('no image');
        const half = release && !release.draft && hasImage === false;
        return {
          id: `gittag/${t.name}`,
          label: t.name,
          description: `${releaseText} · ${imageText}`,
          tooltip: half
            ? vscode.l10n.t(
                'Half release: GitHub Release {0} exists but image tag {1} is not in {2}. Publish the image or withdraw the Release.',
                t.name,
                imageTag,
                s.image ?? '',
              )
            : `${t.commit.slice(0, 12)} · ${t.date}`,
          ...(half ? warningIcon : { icon: 'tag' }),
          contextValue: `gitTag${release ? ' browsable' : ''}${hasImage ? ' rollbackable' : ''}${half ? ' problem' : ''}`,
          data: {
            tag: imageTag,
            version,
            url: release?.url,
            reference: s.image ? `${s.image}:${imageTag}` : undefined,
          },
        };
      });
    },
  };
}

const RUN_ICONS: Record<string, [string, string?]> = {
  success: ['pass', 'testing.iconPassed'],
  failure: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash'],
  skipped: ['debug-step-over'],
  timed_out: ['watch', 'testing.iconFailed'],
  action_required: ['warning', 'problemsWarningIcon.foreground'],
  in_progress: ['sync~spin'],
  queued: ['clock'],
  waiting: ['clock'],
  pending: ['clock'],
};
const runIcon = (status: string, conclusion: string | null) => {
  const [icon, iconColor] = RUN_ICONS[status === 'completed' ? (conclusion ?? 'success') : status] ?? [
    'circle-outline',
  ];
  return { icon, iconColor };
};
const isActive = (status: string) => status !== 'completed';

function duration(a?: string, b?: string): string | undefined {
  if (!a || !b) return undefined;
  const s = Math.round((Date.parse(b) - Date.parse(a)) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} m ${s % 60} s` : `${s} s`;
}

function jobNode(runId: number, j: JobView): ReleaseNode {
  return {
    id: `run/${runId}/job/${j.id}`,
    label: j.name,
    description: j.status === 'completed' ? (j.conclusion ?? '') : j.status,
    ...runIcon(j.status, j.conclusion),
    contextValue: `job${j.url ? ' browsable' : ''}`,
    data: { runId, jobId: j.id, url: j.url },
    children: j.steps.map((st, i) => ({
      id: `run/${runId}/job/${j.id}/step/${i}`,
      label: st.name,
      description: duration(st.startedAt, st.completedAt) ?? (st.status === 'completed' ? '' : st.status),
      ...runIcon(st.status, st.conclusion),
      contextValue: 'step',
    })),
  };
}

function runNode(r: RunView, gh: GitHubFacade): ReleaseNode {
  const state = isActive(r.status)
    ? 'active'
    : `completed${r.conclusion === 'failure' || r.conclusion === 'cancelled' || r.conclusion === 'timed_out' ? ' failed' : ''}`;
  return {
    id: `run/${r.id}`,
    label: r.title,
    description: `#${r.id} · ${r.status === 'completed' ? r.conclusion : r.status}${r.branch ? ` · ${r.branch}` : ''}`,
    tooltip: `${r.event ?? ''} ${r.createdAt}\n${r.url}`,
    ...runIcon(r.status, r.conclusion),
    contextValue: `run browsable ${state}`,
    data: { runId: r.id, url: r.url },
    children: async (signal) => (await gh.jobs(r.id, signal)).map((j) => jobNode(r.id, j)),
  };
}

/** Workflow runs of the release workflow; while one is in progress the folder reloads itself every few seconds. */
function runsSection(s: StatusReport, deps: SectionDeps): ReleaseNode {
  const node: ReleaseNode = {
    id: 'runs',
    label: vscode.l10n.t('Workflow runs'),
    icon: 'github-action',
    contextValue: 'runs',
    children: async (signal) => {
      if (!s.repository.github) return [{ id: 'runs/none', label: vscode.l10n.t('No GitHub remote'), icon: 'info' }];
      const gh = await deps.github();
      if (!gh) return [signInNode('runs', vscode.l10n.t('to see release workflow runs'))];
      const runs = await gh.runs(signal);
      if (runs.some((r) => isActive(r.status))) deps.refreshLater(node, 5000);
      return runs.length
        ? runs.map((r) => runNode(r, gh))
        : [{ id: 'runs/none', label: vscode.l10n.t('No runs of the release workflow'), icon: 'info' }];
    },
  };
  return node;
}

/**
 * The last smoke run per platform with its steps and timings (re-read whenever the results change); under an image
 * of several, that image's runs.
 */
function smokeSection(deps: SectionDeps, imageName?: string): ReleaseNode {
  const icons = {
    running: ['sync~spin'],
    passed: ['pass', 'testing.iconPassed'],
    failed: ['error', 'testing.iconFailed'],
    cancelled: ['circle-slash'],
    skipped: ['debug-step-over'],
  } as const;
  const ic = (st: keyof typeof icons) => ({ icon: icons[st][0], iconColor: (icons[st] as readonly string[])[1] });
  const node: ReleaseNode = {
    id: 'smoke',
    label: vscode.l10n.t('Smoke results'),
    icon: 'beaker',
    contextValue: 'smoke',
    expanded: true,
    children: () => Promise.resolve(rows()),
  };
  const rows = (): ReleaseNode[] => {
    const results = deps.smoke.all().filter((r) => r.imageName === imageName);
    if (!results.length)
      return [
        {
          id: 'smoke/none',
          label: vscode.l10n.t('Not run yet'),
          icon: 'info',
          command: {
            command: 'releaseOperator.runSmoke',
            title: vscode.l10n.t('Run Smoke Test'),
            arguments: imageName === undefined ? [] : [{ image: imageName }],
          },
        },
      ];
    return results.map((r) => ({
      id: `smoke/${r.platform}`,
      label: r.platform,
      description: `${stateLabel(r.state)}${r.durationMs !== undefined ? ` · ${(r.durationMs / 1000).toFixed(1)} s` : ''}${r.state === 'failed' && r.exit !== undefined ? ` · ${vscode.l10n.t('exit {0}', r.exit)}` : ''}`,
      tooltip: `${r.image}${r.message ? `\n${r.message}` : ''}`,
      ...ic(r.state),
      contextValue: 'smokePlatform smokeable',
      data: { platform: r.platform, reference: r.image, build: r.build },
      expanded: r.state === 'failed',
      children: r.steps.map((st) => ({
        id: `smoke/${r.platform}/${st.name}`,
        label: st.name,
        // Duration and what the probe answered ("GET /health answered 200 ok"), on the row itself.
        description: [st.detail, st.durationMs !== undefined ? `${(st.durationMs / 1000).toFixed(1)} s` : st.state]
          .filter(Boolean)
          .join(' · '),
        tooltip: st.detail,
        ...ic(st.state),
        contextValue: 'smokeStep',
        // A failed step opens the container output, where the failing step's evidence is.
        command:
          st.state === 'failed'
            ? { command: 'releaseOperator.showContainerLogs', title: vscode.l10n.t('Show Container Logs') }
            : undefined,
      })),
    }));
  };
  return node;
}

export const lintDescription = (n: number) =>
  n === 1
    ? vscode.l10n.t('1 finding in open files')
    : n
      ? vscode.l10n.t('{0} findings in open files', n)
      : vscode.l10n.t('no findings in open files');

export function rootSections(s: StatusReport, config: ReleaseOperatorConfig, deps: SectionDeps): ReleaseNode[] {
  const problems: ReleaseNode[] = s.repository.github
    ? []
    : [
        {
          id: 'nogithub',
          label: vscode.l10n.t('No GitHub remote'),
          tooltip: vscode.l10n.t('Add a remote that points at github.com to see releases and workflow runs.'),
          ...warningIcon,
        },
      ];
  const images = deps.images ?? [];
  // Several images: one node per image with its own plan, git tags x its tags, image tags, smoke and readiness.
  const perImage =
    images.length > 1
      ? images.map((i) =>
          imageGroupNode(i.name, i.status.image, [
            versionNode(i.status, i.config, deps),
            gitTagsSection(i.status, i.config, deps),
            imageTagsSection(i.status.image, i.config, deps.registry, deps.supplyChain, deps.packages),
            smokeSection(deps, i.name),
            readinessNode(i.name, i.status.version?.version),
          ]),
        )
      : [
          versionNode(s, config, deps),
          gitTagsSection(s, config, deps),
          imageTagsSection(s.image, config, deps.registry, deps.supplyChain, deps.packages),
        ];
  return [
    repositoryNode(s, deps),
    ...perImage,
    runsSection(s, deps),
    ...(images.length > 1 ? [] : [smokeSection(deps)]),
    {
      id: 'lint',
      label: vscode.l10n.t('Lint'),
      description: lintDescription(deps.lintCount()),
      tooltip: vscode.l10n.t('Dockerfile and workflow findings of open files; click to open the Problems view.'),
      icon: 'checklist',
      contextValue: 'lint',
      command: { command: 'workbench.actions.view.problems', title: vscode.l10n.t('Show Problems') },
    },
    ...problems,
  ];
}
