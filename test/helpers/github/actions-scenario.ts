import { zipSync, strToU8 } from 'fflate';
import type { GitHubFake } from '../github-fake';

/**
 * A repository's Actions state inside the fake: runs that move through a scripted list of states (one step per
 * poll of the run), their jobs and steps, logs (served like GitHub: 302 to blob storage), dispatch and re-run.
 * Every answer starts from the description's example and is patched with the scenario's values.
 */
export interface StepState {
  name: string;
  status: string;
  conclusion: string | null;
  started_at?: string | null;
  completed_at?: string | null;
}

export interface JobState {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  started_at?: string;
  completed_at?: string | null;
  steps: StepState[];
  /** Log text, or the word 'expired' (410), or absent (404: not yet available). */
  log?: string;
}

export interface RunPhase {
  status: string;
  conclusion: string | null;
  jobs: JobState[];
}

export interface RunState {
  id: number;
  workflowFile: string;
  branch: string;
  event: string;
  actor: string;
  createdAt: string;
  attempt: number;
  /** Phases still to come; each GET of the run moves one forward (the last one stays). */
  phases: RunPhase[];
  /** What a re-run goes through (a new attempt). */
  rerunPhases?: RunPhase[];
  current: RunPhase;
  /** The phase the last GET of the run showed: its jobs are what the jobs list answers. */
  shown?: RunPhase;
}

/**
 * The scenario's clock: runs it creates are stamped with it. A fixed instant by default, so nothing a test prints
 * depends on the day it runs; a test whose code under test compares run times with its own clock passes that
 * same clock to both (GitHubClient's `now`).
 */
export const SCENARIO_NOW = Date.parse('2024-05-01T10:00:00Z');

const NOT_FOUND = {
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
};

export class ActionsScenario {
  readonly runs = new Map<number, RunState>();
  readonly dispatches: Array<{ workflow: string; ref: string; inputs: Record<string, unknown> }> = [];
  readonly reruns: Array<{ runId: number; failedOnly: boolean }> = [];
  readonly cancels: number[] = [];
  /** Answer dispatch with the run's ID (GitHub since 2025) or 204 (older servers, GHES). */
  returnRunDetails = true;
  /** The run a dispatch starts. */
  nextDispatch?: { id: number; workflowFile: string; phases: RunPhase[] };
  login = 'octocat';

  constructor(
    readonly fake: GitHubFake,
    readonly owner = 'acme',
    readonly repo = 'app',
    readonly now: () => number = () => SCENARIO_NOW,
  ) {
    this.install();
  }

  addRun(r: Omit<RunState, 'current' | 'attempt' | 'createdAt' | 'shown'> & { createdAt?: string }): RunState {
    const state: RunState = {
      ...r,
      createdAt: r.createdAt ?? new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      attempt: 1,
      current: r.phases[0],
      phases: r.phases.slice(1),
    };
    this.runs.set(r.id, state);
    return state;
  }

  private jobJson(run: RunState, j: JobState) {
    const base = this.fake.example('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}');
    const stepBase = base.steps[0];
    return {
      ...base,
      id: j.id,
      run_id: run.id,
      run_attempt: run.attempt,
      name: j.name,
      status: j.status,
      conclusion: j.conclusion,
      started_at: j.started_at ?? run.createdAt,
      completed_at: j.completed_at ?? null,
      html_url: `https://github.com/${this.owner}/${this.repo}/actions/runs/${run.id}/job/${j.id}`,
      steps: j.steps.map((s, i) => ({ ...stepBase, ...s, number: i + 1 })),
    };
  }

  private runJson(run: RunState) {
    const base = this.fake.example('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}');
    return {
      ...base,
      id: run.id,
      name: 'Release',
      path: `.github/workflows/${run.workflowFile}`,
      head_branch: run.branch,
      event: run.event,
      status: (run.shown ?? run.current).status,
      conclusion: (run.shown ?? run.current).conclusion,
      run_attempt: run.attempt,
      created_at: run.createdAt,
      updated_at: run.createdAt,
      actor: { ...base.actor, login: run.actor },
      triggering_actor: { ...base.triggering_actor, login: run.actor },
      html_url: `https://github.com/${this.owner}/${this.repo}/actions/runs/${run.id}`,
    };
  }

  private find(id: string): RunState | undefined {
    return this.runs.get(Number(id));
  }

  private job(jobId: number): { run: RunState; job: JobState } | undefined {
    for (const run of this.runs.values()) {
      const job = (run.shown ?? run.current).jobs.find((j) => j.id === jobId);
      if (job) return { run, job };
    }
    return undefined;
  }

  private install(): void {
    const f = this.fake;
    f.route('GET', '/repos/{owner}/{repo}', () => ({
      body: { ...f.example<object>('GET', '/repos/{owner}/{repo}'), name: this.repo, default_branch: 'main' },
    }));
    f.route('GET', '/user', () => ({ body: { ...f.example<object>('GET', '/user'), login: this.login } }));
    f.route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}', (req) => {
      const run = this.find(req.params.run_id);
      if (!run) return NOT_FOUND;
      run.shown = run.current;
      if (run.phases.length) run.current = run.phases.shift()!;
      return { body: this.runJson(run) };
    });
    f.route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs', (req) => {
      const run = this.find(req.params.run_id);
      if (!run) return NOT_FOUND;
      const shown = run.shown ?? run.current;
      return { body: { total_count: shown.jobs.length, jobs: shown.jobs.map((j) => this.jobJson(run, j)) } };
    });
    f.route('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}', (req) => {
      const found = this.job(Number(req.params.job_id));
      return found ? { body: this.jobJson(found.run, found.job) } : { status: 404, body: { message: 'Not Found' } };
    });
    f.route('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs', (req) => {
      const found = this.job(Number(req.params.job_id));
      if (!found || found.job.log === undefined) return { status: 404, body: { message: 'Not Found' } };
      if (found.job.log === 'expired') return { status: 410, body: { message: 'Gone' } };
      return { status: 302, headers: { location: f.blob(`job-${found.job.id}.txt`, found.job.log, 'text/plain') } };
    });
    f.route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/logs', (req) => {
      const run = this.find(req.params.run_id);
      if (!run) return NOT_FOUND;
      const jobs = (run.shown ?? run.current).jobs;
      if (jobs.some((j) => j.log === 'expired')) return { status: 410, body: { message: 'Gone' } };
      if (jobs.every((j) => j.log === undefined)) return NOT_FOUND;
      const files: Record<string, Uint8Array> = {};
      jobs.forEach((j, i) => {
        if (typeof j.log === 'string') files[`${i}_${j.name}.txt`] = strToU8(j.log);
      });
      return {
        status: 302,
        headers: { location: f.blob(`run-${run.id}.zip`, Buffer.from(zipSync(files)), 'application/zip') },
      };
    });
    f.route('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', (req) => {
      this.dispatches.push({ workflow: req.params.workflow_id, ref: req.body.ref, inputs: req.body.inputs ?? {} });
      const next = this.nextDispatch;
      if (!next) return { status: 422, body: { message: 'no run scripted for this dispatch' } };
      const run = this.addRun({ ...next, branch: req.body.ref, event: 'workflow_dispatch', actor: this.login });
      this.nextDispatch = undefined;
      if (!this.returnRunDetails || !req.body.return_run_details) return { status: 204 };
      return {
        status: 200,
        body: {
          ...f.example<object>('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', 200),
          workflow_run_id: run.id,
        },
      };
    });
    const listRuns = (req: { params: Record<string, string>; query: URLSearchParams }) => {
      const q = req.query;
      const since = q.get('created')?.replace(/^>=/, '');
      const runs = [...this.runs.values()]
        .filter((r) => !req.params.workflow_id || r.workflowFile === req.params.workflow_id)
        .filter((r) => !q.get('branch') || r.branch === q.get('branch'))
        .filter((r) => !q.get('event') || r.event === q.get('event'))
        .filter((r) => !q.get('actor') || r.actor === q.get('actor'))
        .filter((r) => !since || Date.parse(r.createdAt) >= Date.parse(since))
        .sort((a, b) => b.id - a.id);
      return { body: { total_count: runs.length, workflow_runs: runs.map((r) => this.runJson(r)) } };
    };
    f.route('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', listRuns);
    f.route('GET', '/repos/{owner}/{repo}/actions/runs', listRuns);
    const rerun = (failedOnly: boolean) => (req: { params: Record<string, string> }) => {
      const run = this.find(req.params.run_id);
      if (!run) return NOT_FOUND;
      this.reruns.push({ runId: run.id, failedOnly });
      run.attempt++;
      run.phases = [...(run.rerunPhases ?? [])];
      run.shown = undefined;
      if (run.phases.length) run.current = run.phases.shift()!;
      return { status: 201, body: {} };
    };
    f.route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs', rerun(true));
    f.route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun', rerun(false));
    f.route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel', (req) => {
      const run = this.find(req.params.run_id);
      if (!run) return NOT_FOUND;
      this.cancels.push(run.id);
      return { status: 202, body: {} };
    });
  }
}
