/**
 * SLSA provenance v0.2 and v1, reduced to what an operator asks: who built it, from which repository and commit,
 * started by what, with which build arguments and base images. Three producers are read: BuildKit (v0.2 and v1,
 * https://docs.docker.com/build/metadata/attestations/slsa-definitions/), GitHub's actions/attest-build-provenance
 * (v1, buildType https://actions.github.io/buildtypes/workflow/v1) and anything else SLSA-shaped (builder only).
 */
import { isObject, obj, str } from './intoto';
import { PREDICATE, type ProvenanceSummary } from './types';

const BUILDKIT_V02 = 'https://mobyproject.org/buildkit@v1';
const BUILDKIT_V1 = 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md';
const GITHUB_WORKFLOW = 'https://actions.github.io/buildtypes/workflow/v1';
const BUILDKIT_METADATA_V02 = 'https://mobyproject.org/buildkit@v1#metadata';

export function isProvenance(predicateType: string): boolean {
  return predicateType === PREDICATE.slsaV02 || predicateType.startsWith(PREDICATE.slsaV1);
}

export function summarizeProvenance(predicateType: string, predicate: Record<string, unknown>): ProvenanceSummary {
  return predicateType === PREDICATE.slsaV02 ? fromV02(predicate) : fromV1(predicateType, predicate);
}

function fromV02(p: Record<string, unknown>): ProvenanceSummary {
  const buildType = str(p, 'buildType');
  const vcs = obj(p, 'metadata', BUILDKIT_METADATA_V02, 'vcs');
  const materials = Array.isArray(p.materials) ? p.materials : [];
  const configSource = obj(p, 'invocation', 'configSource');
  const git = gitMaterial(materials) ?? gitMaterial(configSource ? [configSource] : []);
  const builder = str(p, 'builder', 'id');
  return {
    predicateType: PREDICATE.slsaV02,
    flavour: buildType === BUILDKIT_V02 ? 'buildkit' : 'other',
    builder,
    buildType,
    workflow: runOf(builder),
    source: sourceOf(vcs, git),
    buildArgs: buildArgsOf(obj(p, 'invocation', 'parameters', 'args')),
    baseImages: imagesOf(materials),
    invocationId: str(p, 'metadata', 'buildInvocationID') ?? str(p, 'metadata', 'buildInvocationId'),
    startedOn: str(p, 'metadata', 'buildStartedOn'),
    finishedOn: str(p, 'metadata', 'buildFinishedOn'),
  };
}

function fromV1(predicateType: string, p: Record<string, unknown>): ProvenanceSummary {
  const def = obj(p, 'buildDefinition') ?? {};
  const run = obj(p, 'runDetails') ?? {};
  const buildType = str(def, 'buildType');
  const deps = Array.isArray(def.resolvedDependencies) ? def.resolvedDependencies : [];
  const builder = str(run, 'builder', 'id');
  const base = {
    predicateType,
    builder,
    buildType,
    invocationId: str(run, 'metadata', 'invocationId') ?? str(run, 'metadata', 'invocationID'),
    startedOn: str(run, 'metadata', 'startedOn'),
    finishedOn: str(run, 'metadata', 'finishedOn'),
  };
  if (buildType === GITHUB_WORKFLOW) {
    const wf = obj(def, 'externalParameters', 'workflow') ?? {};
    const first: unknown = deps[0];
    const commit = isObject(first) ? str(first, 'digest', 'gitCommit') : undefined;
    const uri = isObject(first) ? str(first, 'uri') : undefined;
    return {
      ...base,
      flavour: 'github',
      trigger: str(def, 'internalParameters', 'github', 'event_name'),
      workflow: {
        repository: str(wf, 'repository'),
        path: str(wf, 'path'),
        ref: str(wf, 'ref'),
        run: base.invocationId,
      },
      source: {
        repository: uri ? repoOfGitUri(uri) : str(wf, 'repository'),
        commit,
        ref: uri?.includes('@') ? uri.slice(uri.lastIndexOf('@') + 1) : str(wf, 'ref'),
        from: 'resolvedDependencies[0]',
      },
      buildArgs: {},
      baseImages: [],
    };
  }
  const vcs = obj(run, 'metadata', 'buildkit_metadata', 'vcs');
  const configSource = obj(def, 'externalParameters', 'configSource');
  const git = gitMaterial(deps) ?? gitMaterial(configSource ? [configSource] : []);
  return {
    ...base,
    flavour: buildType === BUILDKIT_V1 ? 'buildkit' : 'other',
    workflow: runOf(builder),
    source: sourceOf(vcs, git),
    buildArgs: buildArgsOf(obj(def, 'externalParameters', 'request', 'args')),
    baseImages: imagesOf(deps),
  };
}

/** BuildKit's vcs metadata (vcs:source, vcs:revision) first; a git material or config source otherwise. */
function sourceOf(
  vcs: Record<string, unknown> | undefined,
  git: { uri: string; commit?: string } | undefined,
): ProvenanceSummary['source'] {
  const repository = str(vcs, 'source') ?? (git ? repoOfGitUri(git.uri) : undefined);
  const commit = str(vcs, 'revision') ?? git?.commit;
  const from = str(vcs, 'revision') ? 'vcs metadata' : git ? 'git material' : undefined;
  const ref = git?.uri.includes('#') ? git.uri.slice(git.uri.indexOf('#') + 1) : undefined;
  return { repository, commit, ref, from };
}

function gitMaterial(list: unknown[]): { uri: string; commit?: string } | undefined {
  for (const m of list) {
    const uri = str(m, 'uri');
    if (!uri || uri.startsWith('pkg:')) continue;
    const commit = str(m, 'digest', 'sha1') ?? str(m, 'digest', 'gitCommit');
    if (/\.git(#|$)|^git\+|^git@/.test(uri) || commit) return { uri, commit };
  }
  return undefined;
}

/** A GitHub Actions run URL in builder.id (BuildKit sets it from the build-push-action's builder-id). */
function runOf(builder: string | undefined): ProvenanceSummary['workflow'] {
  const m = builder ? /^https:\/\/github\.com\/([^/]+\/[^/]+)\/actions\/runs\/\d+/.exec(builder) : null;
  return m ? { repository: `https://github.com/${m[1]}`, run: builder } : undefined;
}

/** Build arguments that matter: build-arg:* and target; labels, contexts and BuildKit's own switches left out. */
function buildArgsOf(args: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args ?? {})) {
    if (typeof v !== 'string') continue;
    if (k.startsWith('build-arg:')) {
      const name = k.slice('build-arg:'.length);
      if (!name.startsWith('BUILDKIT_')) out[name] = v;
    } else if (k === 'target') out.target = v;
  }
  return out;
}

/** pkg:docker/NAME@TAG?platform=... materials: the images the build used, with the digest they resolved to. */
function imagesOf(list: unknown[]): ProvenanceSummary['baseImages'] {
  const out: ProvenanceSummary['baseImages'] = [];
  for (const m of list) {
    const uri = str(m, 'uri');
    if (!uri?.startsWith('pkg:docker/')) continue;
    const [pathPart, query] = uri.slice('pkg:docker/'.length).split('?');
    const platform = new URLSearchParams(query ?? '').get('platform') ?? undefined;
    const sha = str(m, 'digest', 'sha256');
    out.push({ name: decodeURIComponent(pathPart), digest: sha ? `sha256:${sha}` : undefined, platform });
  }
  return out;
}

/** owner/name-bearing URL of a git URI: git+https://github.com/o/r@refs/tags/v1 or https://github.com/o/r.git#ref. */
function repoOfGitUri(uri: string): string {
  return uri
    .replace(/^git\+/, '')
    .replace(/[#@](refs\/.*|[0-9a-f]{40})$/, '')
    .replace(/#.*$/, '')
    .replace(/\.git$/, '');
}

/** "owner/name" of a GitHub repository URL in any of its spellings, lower-cased; undefined when not GitHub's. */
export function githubRepoOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m =
    /^(?:git\+)?(?:https?:\/\/|ssh:\/\/git@|git@)github\.com[/:]([^/]+)\/([^/#@?]+?)(?:\.git)?(?:[/#@?].*)?$/i.exec(
      url,
    );
  return m ? `${m[1]}/${m[2]}`.toLowerCase() : undefined;
}
