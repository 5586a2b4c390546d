/**
 * GitHub: workflows, runs, jobs, logs, dispatch, Releases and packages, over Octokit (@octokit/rest).
 *
 * Wiring (both faces):
 *   const gh = await GitHubClient.create({ apiUrl: config.github.apiUrl, token, logger });
 *   - token is a TokenSource, `() => Promise<string | undefined>`: the CLI uses cliTokenSource(env, runProcess,
 *     apiUrl) (GITHUB_TOKEN/GH_TOKEN, else `gh auth token`); the extension passes a function over
 *     vscode.authentication.getSession('github', GITHUB_SCOPES, ...) and creates a new client when the session
 *     changes. Every token is registerSecret()ed. No token: a usage error naming the scopes.
 *   - Errors are ReleaseOperatorErrors with a hint; a missing scope is named ("lacks the 'workflow' scope").
 *
 * Events for a live view (the tree in VS Code, `run ID --watch` in the CLI):
 *   const controller = new AbortController();            // abort when nobody is watching (view hidden)
 *   const final = await followRun(gh, repo, runId, {
 *     signal: controller.signal,
 *     onEvent(e) {
 *       // e.type === 'run'  : the run's status/conclusion changed (e.run, e.previous)
 *       // e.type === 'job'  : a job's status/conclusion changed (e.job, e.previous)
 *       // e.type === 'step' : a step started or finished (e.job, e.step, e.previous); steps carry timings
 *       // e.type === 'wait' : the next poll is in e.ms (reason 'interval' backs off x1.5 while quiet, or
 *       //                     'rate-limit' when few requests are left): show "updating in N s"
 *     },
 *   });                                                   // resolves with { run, jobs } once completed;
 *                                                          // rejects with CancelledError when aborted
 *   Dispatch: readWorkflowFiles(root) -> guessReleaseWorkflow(files, config.github.releaseWorkflow) ->
 *   prepareInputs(workflow.dispatchInputs, given) (quick picks: 'choice' options, 'boolean' yes/no) ->
 *   dispatchWorkflow(gh, repo, { workflow, ref, inputs }) -> followRun(...).
 *   Logs: jobLog / runLogs give sections per step; formatLog renders them for an output channel or editor.
 */
export {
  GitHubClient,
  realSleep,
  type GitHubClientOptions,
  type RepoRef,
  type Sleep,
  type RateLimitState,
} from './client';
export { cliTokenSource, requireToken, hostOfApi, GITHUB_SCOPES, type TokenSource } from './token';
export { toUserError, missingScopes } from './errors';
export {
  readWorkflowFiles,
  parseWorkflow,
  listApiWorkflows,
  knownWorkflows,
  guessReleaseWorkflow,
  type KnownWorkflow,
  type WorkflowFile,
  type DispatchInput,
  type InputType,
  type ApiWorkflow,
} from './workflows';
export { prepareInputs, parseInputFlags } from './inputs';
export { listRuns, getRun, listJobs, getJob, rerunRun, cancelRun, defaultBranch, type ListRunsOptions } from './runs';
export { dispatchWorkflow, type DispatchOptions, type DispatchResult } from './dispatch';
export { followRun, type RunEvent, type FollowOptions, type RunSnapshot } from './follow';
export { jobLog, runLogs, splitByStep, formatLog, type JobLog, type LogSection } from './logs';
export { listReleases, listPackageVersions, type PackagesResult } from './releases';
export {
  resolvePackage,
  listAllPackageVersions,
  deletePackageVersion,
  restoreCommand,
  type PackageRef,
} from './package-versions';
export { listContainerVersions, linkPages, type ContainerVersions } from './packages';
export * from './types';
export { githubStatus, type GitHubStatus } from './status';
export {
  findRelease,
  listReleaseAssets,
  downloadReleaseAsset,
  type ReleaseAsset,
  type DownloadOptions,
} from './assets';
