import type { ReleaseOperatorConfig } from '../core/config/schema';
import { environmentError } from '../core/errors';
import { defaultCredentials, RegistryClient } from '../core/registry/index';
import type { ImageInfo } from '../core/registry/types';
import type { GitHubAuth } from './auth';
import type { Facts } from './extension';
import type { PlatformSmoke, SmokeStepView } from './smokeResults';
import type { ReleaseOperatorServices } from './services';

/** The registry facts the face reads. */
export interface RegistryFacade {
  listTags(repository: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  inspect(reference: string, options?: { signal?: AbortSignal; labels?: boolean }): Promise<ImageInfo>;
}

export interface ReleaseView {
  tag: string;
  draft: boolean;
  prerelease: boolean;
  url: string;
}

export interface RunView {
  id: number;
  title: string;
  status: string;
  conclusion: string | null;
  branch?: string;
  event?: string;
  url: string;
  createdAt: string;
}

export interface JobView {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  url?: string;
  steps: { name: string; status: string; conclusion: string | null; startedAt?: string; completedAt?: string }[];
}

export interface GitHubFacade {
  releases(signal?: AbortSignal): Promise<ReleaseView[]>;
  runs(signal?: AbortSignal): Promise<RunView[]>;
  jobs(runId: number, signal?: AbortSignal): Promise<JobView[]>;
}

export interface SmokeListener {
  step(platform: string, step: SmokeStepView): void;
  containerLog(platform: string, text: string): void;
}

const notYet = (what: string) => environmentError(`${what} is not available in this version of Release Operator.`);

/**
 * Where the face meets the engines: one place builds engine clients from the configuration, the runner,
 * the logger and the GitHub token, so the tree and the commands never construct them themselves.
 */
export class Engines {
  constructor(
    private readonly services: ReleaseOperatorServices,
    private readonly auth: GitHubAuth,
  ) {}

  private registryClient?: { key: string; client: RegistryClient };

  /** One client per configuration and token, so its token cache and request limiter are shared. */
  async registry(config: ReleaseOperatorConfig): Promise<RegistryClient> {
    const token = await this.auth.token(false).catch(() => undefined);
    const key = JSON.stringify([config.insecureRegistries, config.registry, token ? 1 : 0]);
    if (this.registryClient?.key !== key) {
      const { logger, run: runner } = this.services;
      // ghcr.io takes the GitHub session's token (scope read:packages) when no other credential is configured.
      const explicit = token ? { 'ghcr.io': { username: 'x-access-token', password: token } } : undefined;
      const client = new RegistryClient({
        credentials: defaultCredentials({ explicit, runner, logger }),
        insecureRegistries: config.insecureRegistries,
        concurrency: config.registry.concurrency,
        timeoutMs: config.registry.timeoutSeconds * 1000,
        retries: config.registry.retries,
        logger,
      });
      this.registryClient = { key, client };
    }
    return this.registryClient.client;
  }

  /** undefined when there is no GitHub token (the view then offers to sign in). */
  async github(_config: ReleaseOperatorConfig, _repo: { owner: string; name: string }, createIfNone = false): Promise<GitHubFacade | undefined> {
    const token = await this.auth.token(createIfNone);
    if (!token) return undefined;
    throw notYet('GitHub');
  }

  async smoke(_f: Facts, _reference: string, _platforms: string[], _signal: AbortSignal, _on: SmokeListener): Promise<PlatformSmoke[]> {
    throw notYet('The smoke gate');
  }

  async checkGlibc(_f: Facts, _reference: string, _platforms?: string[]): Promise<unknown> {
    throw notYet('The glibc check');
  }

  async audit(_f: Facts): Promise<unknown> {
    throw notYet('The release consistency check');
  }

  async rollback(_f: Facts, _version: string, _signal: AbortSignal): Promise<unknown> {
    throw notYet('Rollback');
  }

  async dispatchWorkflow(_f: Facts, _args?: { ref?: string; inputs?: Record<string, string | boolean>; confirmed?: boolean }): Promise<unknown> {
    throw notYet('Running the release workflow');
  }

  async rerun(_f: Facts, _runId: number, _signal: AbortSignal): Promise<void> {
    throw notYet('Re-running a workflow');
  }

  async cancelRun(_f: Facts, _runId: number, _signal: AbortSignal): Promise<void> {
    throw notYet('Cancelling a workflow run');
  }

  async runLogs(_f: Facts, _runId: number, _jobId: number | undefined, _signal: AbortSignal): Promise<string> {
    throw notYet('Workflow run logs');
  }
}
