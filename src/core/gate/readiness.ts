import { guessReleaseWorkflow, listJobs, listRuns, readWorkflowFiles } from '../github';
import { parseReference, repositoryName } from '../registry';
import { checkResult, readinessReport, type CheckResult, type ReadinessReport } from '../report';
import { resolveScheme } from '../version/scheme';
import { releaseRunCheck } from './checks/run';
import { guarded, stageContext, type StageContext } from './guard';
import { versionTag } from './plan';
import { postRelease } from './stages/post-release';
import { imageDockerfileLintRow, lintRow } from './checks/lint';
import { glibcFor } from './stages/pre-push';
import { publishedStage } from './stages/published';
import type { GateDeps, GateRequest } from './types';

/** A smoke result the face kept (the last run per platform), with the image reference it ran. */
export interface KnownSmoke {
  reference: string;
  check: CheckResult;
}

export interface ReadinessRequest extends Pick<
  GateRequest,
  'image' | 'version' | 'commit' | 'platforms' | 'root' | 'repository' | 'gitTag'
> {
  version: string;
  /** The last smoke results the face has; those of another image count as not run for this version. */
  smoke?: KnownSmoke[];
  timeoutSeconds?: number;
  /**
   * One image of several: its own Dockerfile's lint, and none of the repository's rows (the workflows' lint, the
   * latest release run), which readinessForImages adds once.
   */
  part?: 'image';
}

/**
 * Is this version ready to ship? Every check that can run without pushing, over what is published now: pipeline
 * lint, the published image's platforms, labels, tag scheme and moving tags, signatures and provenance (advisory
 * unless configured), glibc per platform of the published image, smoke per platform from the face's last results,
 * GitHub Release x git tag x image consistency, and the latest run of the release workflow. The same rows the
 * gate's stages make (one model), so the editor's readiness view and `release-operator gate` agree.
 */
export async function readiness(req: ReadinessRequest, deps: GateDeps): Promise<ReadinessReport> {
  const ctx = stageContext(deps, req.timeoutSeconds ?? 600);
  try {
    const repository = repositoryName(parseReference(req.image));
    const tags = await deps.registry.listTags(repository, { signal: ctx.signal }).catch(() => [] as string[]);
    const scheme = resolveScheme(deps.config.tags, { imageTags: tags });
    const reference = `${req.image}:${versionTag(req.version, scheme.imagePrefix)}`;
    const gate: GateRequest = { ...req, stage: 'post-push', record: '', timeoutSeconds: req.timeoutSeconds ?? 600 };
    const lint = req.part === 'image' ? imageDockerfileLintRow(req, ctx) : lintRow(req, ctx);
    const audit = postRelease(gate, ctx);
    const run = req.part === 'image' ? undefined : releaseRunRow(req, ctx);
    const published = await publishedStage(gate, ctx, true, { tested: false });
    const glibc = Promise.all(
      req.platforms.map((platform) => {
        const digest = published.platformDigests[platform];
        if (!digest)
          return Promise.resolve(
            checkResult({
              id: 'glibc',
              title: 'glibc',
              subject: platform,
              examined: { count: 0, what: 'ELF files', lookedFor: `the ${platform} image of ${reference}` },
              findings: [],
            }),
          );
        const pinned = `${repository}@${digest}`;
        return glibcFor(ctx, { platform, reference: pinned, glibcTarget: `docker://${pinned}` });
      }),
    );
    const smoke = req.platforms.map((p) => smokeRow(p, reference, published.digest, req.smoke ?? []));
    const [lintRowDone, glibcRows, auditRows, runRowDone] = await Promise.all([lint, glibc, audit, run]);
    // The platforms row carries each platform's full manifest digest (a face offers them to copy).
    const rows = published.checks.map((c) =>
      c.id === 'platforms' && published.digest
        ? { ...c, evidence: { ...c.evidence, digest: published.digest, digests: published.platformDigests } }
        : c,
    );
    const checks = [lintRowDone, ...rows, ...glibcRows, ...smoke, ...auditRows, ...(runRowDone ? [runRowDone] : [])];
    return readinessReport(checks, {
      image: req.image,
      version: req.version,
      context: { reference, ...(req.commit ? { commit: req.commit } : {}) },
      now: () => ctx.now(),
    });
  } finally {
    ctx.dispose();
  }
}

/**
 * The platform's last smoke result when it ran this version's image (by tag, or by the index digest); else a row
 * that says smoke has not run on it, with the command that runs it. Never a pass for a run of another image.
 */
function smokeRow(platform: string, reference: string, digest: string | undefined, known: KnownSmoke[]): CheckResult {
  const repo = reference.slice(0, reference.lastIndexOf(':'));
  const same = (r: string) => r === reference || (digest !== undefined && r === `${repo}@${digest}`);
  const hit = known.find((k) => k.check.subject === platform && same(k.reference));
  if (hit) return hit.check;
  const other = known.find((k) => k.check.subject === platform);
  return checkResult({
    id: 'smoke',
    title: 'Smoke',
    subject: platform,
    examined: {
      count: 0,
      what: 'steps',
      lookedFor: `a smoke run of ${reference} on ${platform}`,
      foundInstead: other ? `a run of ${other.reference}` : undefined,
    },
    findings: [],
    next: [
      {
        text: `Run the smoke test of ${reference} on ${platform}`,
        command: `release-operator smoke ${reference} --platform ${platform}`,
      },
    ],
  });
}

/** The latest run of the release workflow (the one for the version's git tag when there is one). */
export function releaseRunRow(req: ReadinessRequest, ctx: StageContext): Promise<CheckResult> {
  return guarded(ctx, { id: 'release-run', title: 'Latest release run', what: 'runs' }, async () => {
    const { github, config } = ctx.deps;
    const files = await readWorkflowFiles(req.root ?? process.cwd());
    const { workflow, reason } = guessReleaseWorkflow(files, config.github.releaseWorkflow || undefined);
    if (!workflow)
      return checkResult({
        id: 'release-run',
        title: 'Latest release run',
        examined: { count: 0, what: 'runs', lookedFor: `a release workflow (${reason})` },
        findings: [],
      });
    if (!github || 'unavailable' in github)
      return {
        id: 'release-run',
        title: 'Latest release run',
        verdict: 'environment',
        summary: `could not run: the runs of ${workflow.path} cannot be read (${github && 'unavailable' in github ? github.unavailable : 'no GitHub repository'})`,
        examined: { count: 0, what: 'runs' },
        findings: [],
        next: [{ text: 'Sign in to GitHub (or set GITHUB_TOKEN) so the runs can be read' }],
      };
    const runs = await listRuns(github.client, github.repo, {
      workflow: workflow.file,
      perPage: 20,
      signal: ctx.signal,
    });
    const tagged = req.gitTag && runs.find((r) => r.branch === req.gitTag?.name);
    const latest = tagged ?? runs[0];
    const jobs =
      latest?.status === 'completed' && latest.conclusion !== 'success'
        ? await listJobs(github.client, github.repo, latest.id, ctx.signal)
        : [];
    return releaseRunCheck(
      latest,
      jobs,
      workflow.path,
      tagged ? `the newest run on ${req.gitTag?.name}` : 'the newest run (none ran on the version tag)',
    );
  });
}
