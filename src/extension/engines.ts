import type { ReleaseOperatorConfig } from '../core/config/schema';
import type { AuditReport } from '../core/audit';
import type { KnownSmoke } from '../core/gate';
import type { ReadinessReport } from '../core/report';
import type { GlibcReport } from '../core/glibc';
import type { DispatchResult, GitHubClient, Job, Release, RepoRef, WorkflowFile, WorkflowRun } from '../core/github';
import type { PackageVersionsSource, RegistryClient, RollbackPlan, RollbackResult } from '../core/registry';
import type { PrunePlan, PruneResult } from '../core/retention';
import type { PlatformResult, SmokeCleanupResult, SmokeEvent } from '../core/smoke';
import type { StatusReport } from '../core/status';
import type { SupplyChainReport } from '../core/supply';
import { usageError } from '../core/errors';
import { limitsFrom } from '../core/limits';
import { neutralize, neutralizeBlock } from '../core/neutralize';
import type { GitHubAuth } from './auth';
import type { Facts } from './facts';
import type { ReleaseOperatorServices } from './services';
import type { Section } from './documents';
import type { PlatformSmoke, SmokeStepView } from './smokeResults';

/** The registry facts the tree reads (RegistryClient satisfies it). */
export type RegistryFacade = Pick<
  RegistryClient,
  'listTags' | 'inspect' | 'tagDigests' | 'protocolOf' | 'holdCacheWrites'
>;

/** A GitHub Release as the tree shows it. */
export type ReleaseView = Pick<Release, 'tag' | 'draft' | 'prerelease' | 'url'>;

/** A workflow run as the tree shows it: titled by its name, else by its workflow file and number. */
export type RunView = Pick<WorkflowRun, 'id' | 'status' | 'conclusion' | 'event' | 'url' | 'createdAt'> & {
  title: string;
  branch?: string;
};

/** A job of a run, with its steps, as the engine reads it. */
export type JobView = Pick<Job, 'id' | 'name' | 'status' | 'conclusion' | 'url' | 'steps'>;

/** The GitHub facts the tree reads, for one repository and its release workflow. */
export interface GitHubFacade {
  releases(signal?: AbortSignal): Promise<ReleaseView[]>;
  runs(signal?: AbortSignal): Promise<RunView[]>;
  jobs(runId: number, signal?: AbortSignal): Promise<JobView[]>;
}

export interface SmokeListener {
  step(platform: string, step: SmokeStepView): void;
  containerLog(platform: string, text: string): void;
}

/** One platform's engine result as the view shows it. */
function toPlatformSmoke(r: PlatformResult, image: string, startedAt: number): PlatformSmoke {
  const failed = r.steps.find((s) => s.name === r.failedStep);
  const message =
    r.outcome === 'environment'
      ? `could not be checked here: ${r.environmentProblem?.message ?? ''}${r.environmentProblem?.hint ? ` (${r.environmentProblem.hint})` : ''}`
      : failed
        ? `${failed.name}: ${failed.detail}`
        : undefined;
  return {
    platform: r.platform,
    image,
    state: r.outcome === 'passed' ? 'passed' : r.outcome === 'cancelled' ? 'cancelled' : 'failed',
    startedAt,
    durationMs: r.durationMs,
    message,
    exit: r.exit ? `${r.exit.exitCode}${r.exit.oomKilled ? ' (out of memory)' : ''}` : undefined,
    ...(r.psRow ? { psRow: r.psRow } : {}),
    ...(r.logs?.length ? { logs: r.logs } : {}),
    steps: r.steps.map((s) => ({
      name: s.name,
      state: s.skipped ? 'skipped' : s.passed ? 'passed' : 'failed',
      durationMs: s.skipped ? undefined : s.durationMs,
      detail: s.detail,
    })),
  };
}

/**
 * Where the face meets the engines: one place builds engine clients from the configuration, the runner,
 * the logger and the GitHub token, so the tree and the commands never construct them themselves.
 * Each engine is loaded here with import() when first used (a chunk of its own in dist/esm): the Release view's
 * first items need none of them.
 */
export class Engines {
  private registryClient?: { key: string; client: RegistryClient };
  private githubCache?: { key: string; client: Promise<GitHubClient> };

  constructor(
    private readonly services: ReleaseOperatorServices,
    private readonly auth: GitHubAuth,
  ) {}

  /** One client per configuration and token, so its token cache and request limiter are shared. */
  async registry(config: ReleaseOperatorConfig): Promise<RegistryClient> {
    const token = await this.auth.token(false).catch(() => undefined);
    const key = JSON.stringify([config.insecureRegistries, config.registry, config.limits, token ? 1 : 0]);
    if (this.registryClient?.key !== key) {
      const { logger, run: runner } = this.services;
      // ghcr.io takes the GitHub session's token (scope read:packages) when no other credential is configured.
      const explicit = token ? { 'ghcr.io': { username: 'x-access-token', password: token } } : undefined;
      const { registryClientFromConfig } = await import('../core/registry');
      // Another call may have made the client while the engine loaded.
      if (this.registryClient?.key === key) return this.registryClient.client;
      const client = registryClientFromConfig(config, logger, { explicit, runner });
      this.registryClient = { key, client };
    }
    return this.registryClient.client;
  }

  /** The GitHub client, or undefined without a token (`createIfNone` asks the user to sign in). */
  async githubClient(config: ReleaseOperatorConfig, createIfNone = false): Promise<GitHubClient | undefined> {
    const token = await this.auth.token(createIfNone);
    if (!token) return undefined;
    const key = `${config.github.apiUrl}\n${token}\n${JSON.stringify([config.github.timeoutSeconds, config.limits])}`;
    if (this.githubCache?.key !== key) {
      const client = import('../core/github').then(({ GitHubClient }) =>
        GitHubClient.create({
          apiUrl: config.github.apiUrl,
          token: () => this.auth.token(false),
          logger: this.services.logger,
          limits: limitsFrom(config),
        }),
      );
      client.catch(() => (this.githubCache = undefined));
      this.githubCache = { key, client };
    }
    return this.githubCache.client;
  }

  /**
   * The supply-chain report of an image reference for the tree: trust material from the configuration (relative to
   * the repository), the git tag named after the image tag, GitHub's attestations when signed in (never asking).
   */
  async supplyChain(
    config: ReleaseOperatorConfig,
    status: StatusReport,
    reference: string,
    signal: AbortSignal,
  ): Promise<SupplyChainReport> {
    const [supply, { parseReference }] = await Promise.all([import('../core/supply'), import('../core/registry')]);
    const r = parseReference(reference);
    const gh = status.repository.github;
    const trust = supply.loadTrust({
      trustedRoot: config.supplyChain.trustedRoot,
      publicKeys: config.supplyChain.publicKeys,
      baseDir: status.repository.root,
      maxAgeDays: config.supplyChain.trustedRootMaxAgeDays,
    });
    return supply.gatherSupplyChain({
      client: await this.registry(config),
      ref: r,
      config,
      trust,
      repo: gh ? { owner: gh.owner, name: gh.name } : undefined,
      gitTag: supply.gitTagFor(r.tag, status.gitTags, config),
      github: await this.githubClient(config).catch(() => undefined),
      signal,
      logger: this.services.logger,
    });
  }

  /** The release workflow of the repository (configured, else guessed from .github/workflows). */
  async releaseWorkflow(f: Facts): Promise<{ workflow?: WorkflowFile; reason: string }> {
    const { guessReleaseWorkflow, readWorkflowFiles } = await import('../core/github');
    return guessReleaseWorkflow(
      await readWorkflowFiles(f.status.repository.root),
      f.config.github.releaseWorkflow || undefined,
    );
  }

  async github(
    config: ReleaseOperatorConfig,
    repo: RepoRef,
    createIfNone = false,
    root?: string,
  ): Promise<GitHubFacade | undefined> {
    const gh = await this.githubClient(config, createIfNone);
    if (!gh) return undefined;
    const { guessReleaseWorkflow, listJobs, listReleases, listRuns, readWorkflowFiles } =
      await import('../core/github');
    const workflow = root
      ? guessReleaseWorkflow(await readWorkflowFiles(root), config.github.releaseWorkflow || undefined).workflow
      : undefined;
    return {
      releases: async (signal) =>
        (await listReleases(gh, repo, signal)).map((r) => ({
          tag: r.tag,
          draft: r.draft,
          prerelease: r.prerelease,
          url: r.url,
        })),
      runs: async (signal) =>
        (await listRuns(gh, repo, { workflow: workflow?.file, perPage: 15, signal })).map((r) => ({
          id: r.id,
          title: r.name || `${r.path} #${r.runNumber}`,
          status: r.status,
          conclusion: r.conclusion,
          branch: r.branch ?? undefined,
          event: r.event,
          url: r.url,
          createdAt: r.createdAt,
        })),
      jobs: (runId, signal) => listJobs(gh, repo, runId, signal),
    };
  }

  /**
   * The GitHub Packages API as a tag digest source (100 versions with their tags and digests a page), when a token
   * is at hand without asking for one; undefined otherwise (the registry is asked tag by tag then).
   */
  async packageVersions(config: ReleaseOperatorConfig): Promise<PackageVersionsSource | undefined> {
    const gh = await this.githubClient(config).catch(() => undefined);
    if (!gh) return undefined;
    const { listContainerVersions } = await import('../core/github');
    return (owner, name, signal) =>
      listContainerVersions(gh, owner, name, { signal, maxPages: config.limits.listingPages });
  }

  private async requireGitHub(f: Facts): Promise<{ gh: GitHubClient; repo: RepoRef }> {
    const repo = f.status.repository.github!;
    const gh = (await this.githubClient(f.config, true))!;
    return { gh, repo: { owner: repo.owner, name: repo.name } };
  }

  /** Runs the smoke gate; every event goes to the listener as it happens. Cancel = abort the signal. */
  /** `target.build`: the repository's Dockerfile built per platform (smoke --build); `label` names it in results. */
  async smoke(
    f: Facts,
    target: { reference: string } | { build: true; label: string },
    platforms: string[],
    signal: AbortSignal,
    on: SmokeListener,
  ): Promise<PlatformSmoke[]> {
    const { runSmoke, smokeOptionsFromConfig } = await import('../core/smoke');
    const build = 'build' in target;
    const reference = build ? target.label : target.reference;
    const options = smokeOptionsFromConfig(f.config, f.status.repository.root, {
      image: build ? undefined : reference,
      build,
      platforms,
      version: f.status.version?.version,
    });
    const started = Date.now();
    const onEvent = (e: SmokeEvent) => {
      if (e.type === 'step-started') on.step(e.platform, { name: e.step, state: 'running' });
      else if (e.type === 'step-finished')
        on.step(e.platform, {
          name: e.step.name,
          state: e.step.skipped ? 'skipped' : e.step.passed ? 'passed' : 'failed',
          durationMs: e.step.skipped ? undefined : e.step.durationMs,
          detail: e.step.detail,
        });
      else if (e.type === 'output') on.containerLog(e.platform, e.line);
      else if (e.type === 'note') this.services.logger.info(`smoke: ${e.message}`);
    };
    const report = await runSmoke(options, {
      runner: this.services.run,
      signal,
      logger: this.services.logger,
      onEvent,
      registry: build ? undefined : await this.registry(f.config),
    });
    if (report.cleanup.leftoverContainers || report.cleanup.errors.length)
      this.services.logger.warn(`smoke cleanup: ${JSON.stringify(report.cleanup)}`);
    // Each platform's result as the gate's smoke row (one model): the Readiness view takes it as it is.
    const { smokeChecks } = await import('../core/gate');
    const checks = build ? [] : smokeChecks(report, {});
    return report.platforms.map((p) => ({
      ...toPlatformSmoke(p, reference, started),
      ...(build ? { build: true } : {}),
      check: checks.find((c) => c.subject === p.platform),
    }));
  }

  /**
   * The readiness report of a version (the gate's rows over what is published now, plus the last smoke result per
   * platform): the Readiness view renders exactly this. Several images: each image's rows as it would be alone,
   * their subjects saying the image, as `gate` over several images says them (core/gate readinessForImages).
   */
  async readiness(
    f: Facts,
    version: string,
    smoke: KnownSmoke[],
    signal: AbortSignal,
    onCheck?: (title: string) => void,
  ): Promise<ReadinessReport> {
    const { readinessForImages } = await import('../core/gate');
    const gh = f.status.repository.github;
    const client = gh ? await this.githubClient(f.config, false).catch(() => undefined) : undefined;
    const tagName = `${f.status.gitPrefix}${version}`;
    const gitTag = f.status.gitTags.find((t) => t.name === tagName);
    return readinessForImages(
      f.images.map((i) => ({
        name: i.name,
        config: i.config,
        request: {
          image: i.status.image!,
          version,
          commit: gitTag?.commit ?? (version === f.status.version?.version ? f.status.repository.head : undefined),
          platforms: i.config.requiredPlatforms,
          root: f.status.repository.root,
          repository: gh ? `${gh.owner}/${gh.name}` : undefined,
          gitTag: { name: tagName, commit: gitTag?.commit },
          smoke,
        },
      })),
      {
        runner: this.services.run,
        registry: await this.registry(f.config),
        github:
          gh && client
            ? { client, repo: { owner: gh.owner, name: gh.name } }
            : { unavailable: gh ? 'not signed in to GitHub' : 'no GitHub remote' },
        gitTags: f.status.gitTags,
        signal,
        logger: this.services.logger,
        onEvent: (e) => e.type === 'check-started' && onCheck?.(e.subject ? `${e.title} ${e.subject}` : e.title),
      },
    );
  }

  /** Containers and temporary images crashed runs left (`release-operator cleanup`); runs in progress are spared. */
  async cleanup(f: Facts, signal: AbortSignal): Promise<SmokeCleanupResult> {
    const { cleanupSmoke } = await import('../core/smoke');
    return cleanupSmoke({
      runner: this.services.run,
      dockerPath: f.config.dockerPath,
      engines: f.config.engines,
      signal,
      logger: this.services.logger,
    });
  }

  async checkGlibc(
    f: Facts,
    reference: string,
    platforms: string[] | undefined,
    signal: AbortSignal,
  ): Promise<GlibcReport> {
    const { checkGlibc } = await import('../core/glibc');
    return checkGlibc(
      {
        target: reference,
        platforms,
        maxGlibc: f.config.glibc.maxGlibc || undefined,
        policy: f.config.glibc.policy || undefined,
        paths: f.config.glibc.paths,
      },
      {
        runner: this.services.run,
        dockerPath: f.config.dockerPath,
        engines: f.config.engines,
        registry: await this.registry(f.config),
        cwd: f.status.repository.root,
        logger: this.services.logger,
        signal,
        limits: { files: f.config.limits.files },
      },
    );
  }

  /** A glibc report as readiness rows (one per platform, the gate's glibc row), and its one-line summary. */
  async glibcRows(report: GlibcReport, reference: string): Promise<{ report: ReadinessReport; summary: string }> {
    const [{ driftSummary }, { glibcCheck }, { readinessReport }] = await Promise.all([
      import('../core/glibc'),
      import('../core/gate'),
      import('../core/report'),
    ]);
    const checks = report.platforms.map((p) => glibcCheck(p.platform, p, reference));
    return { report: readinessReport(checks, { image: reference }), summary: driftSummary(report) };
  }

  async audit(f: Facts, signal: AbortSignal): Promise<AuditReport> {
    const registry = await this.registry(f.config);
    const gh = f.status.repository.github ? await this.githubClient(f.config, false) : undefined;
    const { gatherAndAudit } = await import('../core/audit');
    return gatherAndAudit({
      image: f.status.image!,
      gitTags: f.status.gitTags,
      config: f.config,
      source: { listTags: (r) => registry.listTags(r, { signal }), inspect: (r) => registry.inspect(r, { signal }) },
      github: gh && f.status.repository.github ? { client: gh, repo: f.status.repository.github } : undefined,
      githubUnavailable: f.status.repository.github ? 'not signed in to GitHub' : 'no GitHub remote',
      signal,
    });
  }

  async rollback(
    f: Facts,
    sourceTag: string,
    confirm: (plan: RollbackPlan) => Promise<boolean>,
    signal: AbortSignal,
  ): Promise<RollbackResult> {
    const { rollback } = await import('../core/registry');
    return rollback(await this.registry(f.config), f.status.image!, {
      source: sourceTag,
      tag: 'latest',
      confirm,
      signal,
    });
  }

  /** What prune needs besides the plan: the registry, the clock, GitHub (asked for only on ghcr.io's path). */
  private async pruneOptions(config: ReleaseOperatorConfig, now: () => Date) {
    return {
      client: await this.registry(config),
      now,
      github: async () => {
        const gh = await this.githubClient(config, true);
        if (!gh)
          throw usageError(
            'Pruning ghcr.io reads its package versions through GitHub, and no GitHub token is available.',
            'Sign in to GitHub (enough to plan), or set GITHUB_TOKEN with read:packages and delete:packages to apply.',
          );
        return gh;
      },
    };
  }

  /** Prune's plan for a repository under the configured retention rules; nothing changes. */
  async prunePlan(
    config: ReleaseOperatorConfig,
    repository: string,
    now: () => Date,
    signal: AbortSignal,
  ): Promise<PrunePlan> {
    const { planRetention, policyFromConfig } = await import('../core/retention');
    return planRetention(repository, policyFromConfig(config), { ...(await this.pruneOptions(config, now)), signal });
  }

  /** Applies a plan the user agreed to, then resolves every kept tag again (the result's verification). */
  async pruneApply(
    config: ReleaseOperatorConfig,
    plan: PrunePlan,
    now: () => Date,
    signal: AbortSignal,
    onProgress: (done: number, total: number) => void,
  ): Promise<PruneResult> {
    const { applyRetention } = await import('../core/retention');
    return applyRetention(plan, { ...(await this.pruneOptions(config, now)), signal, onProgress });
  }

  /** The plan (and the result, once applied) as the CLI prints them. */
  async pruneText(plan: PrunePlan, result?: PruneResult): Promise<string> {
    const { formatPlan, formatResult } = await import('../core/retention');
    return result ? `${formatPlan(plan)}\n\n${formatResult(result)}` : formatPlan(plan, { dryRun: true });
  }

  /**
   * Inputs checked against the types the workflow declares; what would be sent, or a usage error saying what is
   * wrong.
   */
  async prepareInputs(
    workflow: WorkflowFile,
    given: Record<string, string>,
  ): Promise<{ send: Record<string, string> }> {
    const { prepareInputs } = await import('../core/github');
    return prepareInputs(workflow.dispatchInputs ?? [], given, workflow.file);
  }

  async dispatch(
    f: Facts,
    workflow: WorkflowFile,
    ref: string,
    inputs: Record<string, string>,
    signal: AbortSignal,
  ): Promise<DispatchResult> {
    const { gh, repo } = await this.requireGitHub(f);
    const { dispatchWorkflow } = await import('../core/github');
    return dispatchWorkflow(gh, repo, { workflow: workflow.file, ref, inputs, signal });
  }

  async rerun(f: Facts, runId: number, signal: AbortSignal): Promise<void> {
    const { gh, repo } = await this.requireGitHub(f);
    const { rerunRun } = await import('../core/github');
    await rerunRun(gh, repo, runId, true, signal);
  }

  async cancelRun(f: Facts, runId: number, signal: AbortSignal): Promise<void> {
    const { gh, repo } = await this.requireGitHub(f);
    const { cancelRun } = await import('../core/github');
    await cancelRun(gh, repo, runId, signal);
  }

  /**
   * A run's (or one job's) log as sections, one per step ("job / 3. Build (failure)"), each line made safe by the
   * engine; `failing` names the first section whose step failed (the document opens there).
   */
  async runLogs(
    f: Facts,
    runId: number,
    jobId: number | undefined,
    signal: AbortSignal,
  ): Promise<{ sections: Section[]; failing?: string }> {
    const { gh, repo } = await this.requireGitHub(f);
    const { jobLog, runLogs } = await import('../core/github');
    const logs = jobId ? [await jobLog(gh, repo, jobId, signal)] : await runLogs(gh, repo, runId, signal);
    const sections: Section[] = [];
    let failing: string | undefined;
    for (const log of logs) {
      for (const s of log.sections) {
        const title = neutralize(
          `${log.jobName} / ${s.step !== undefined ? `${s.step}. ` : ''}${s.name}${s.conclusion ? ` (${s.conclusion})` : ''}`,
        );
        if (!failing && s.conclusion && !['success', 'skipped'].includes(s.conclusion)) failing = title;
        sections.push({ title, lines: s.lines.map((l) => neutralizeBlock(l).replace(/\n/g, '\\n')) });
      }
      if (log.cut) sections.push({ title: neutralize(`${log.jobName} / cut`), lines: [log.cut.message] });
    }
    return { sections, failing };
  }
}
