import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { throwIfAborted } from '../errors';
// The policy table alone (no I/O): the editor's lint chunk stays small.
import { policyGlibc } from '../glibc';
import { compareVersions } from './distro';
import { stageCopies } from './dockerfile/drift';
import { parseDockerfile } from './dockerfile/model';
import { RepoView } from './repo';
import { ALL_RULES, RULES } from './rules';
import { badSuppression, dockerfileSyntax, unusedSuppression, workflowSyntax } from './rules/parse-errors';
import type { DockerfileContext, WorkflowContext } from './rules/rule';
import { applySuppressions, parseSuppressions, suppressionFindings } from './suppress';
import { TextIndex } from './text';
import {
  emptyStats,
  severityFor,
  type FileKind,
  type Finding,
  type LintOptions,
  type LintStats,
  type RawFinding,
  type RuleMeta,
  type SuppressedFinding,
} from './types';
import { WorkflowFacts } from './workflow/facts';
import { parseWorkflow } from './workflow/model';

export interface LintInput {
  /** The path findings carry (the CLI passes it relative to the repository root). */
  file: string;
  text: string;
  kind: FileKind;
  /** The repository's other files the rules may read (sibling workflows, Dockerfiles, scripts). */
  repo?: RepoView;
  /** The repository's other workflows (older form of `repo`, kept for callers that only have those). */
  siblings?: Array<{ file: string; text: string }>;
}

export interface FileLint {
  file: string;
  kind: FileKind;
  /** Findings still reported, in line order. */
  findings: Finding[];
  /** Findings an inline comment silenced, with its reason. */
  suppressed: SuppressedFinding[];
  stats: LintStats;
}

const KNOWN_IDS = new Set(ALL_RULES.map((r) => r.id));

/**
 * Lints one file. Never throws: a file that does not parse gets exactly one finding saying where, and a rule
 * that fails on an input nobody foresaw is reported through `onRuleError` and skipped.
 */
export function lintDocument(
  input: LintInput,
  options: LintOptions,
  onRuleError?: (ruleId: string, error: unknown) => void,
): FileLint {
  const steps = lintSteps(input, options, onRuleError);
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

/**
 * The same lint, yielding to the event loop between rules and checking `signal` there, so that a signal handler
 * runs (and a cancel takes effect) while a large file is being linted, not only between files.
 */
export async function lintDocumentAsync(
  input: LintInput,
  options: LintOptions,
  hooks: { signal?: AbortSignal; onRuleError?: (ruleId: string, error: unknown) => void } = {},
): Promise<FileLint> {
  const steps = lintSteps(input, options, hooks.onRuleError);
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    await yieldToLoop();
    throwIfAborted(hooks.signal);
  }
}

/** The lint of one file as a generator that pauses between rules (see lintDocumentAsync). */
function* lintSteps(
  input: LintInput,
  options: LintOptions,
  onRuleError?: (ruleId: string, error: unknown) => void,
): Generator<void, FileLint> {
  const raw: Finding[] = [];
  const stats = emptyStats();
  const text = new TextIndex(input.text);
  const repo = input.repo ?? new RepoView(input.siblings ?? [], options.repository);
  const rulesRun = new Set<string>();
  const emit = (meta: RuleMeta, f: RawFinding) => {
    const setting = options.severities[meta.id];
    if (setting === 'off') return;
    const confidence = f.confidence ?? 'proven';
    raw.push({
      ruleId: meta.id,
      severity: severityFor(setting ?? meta.defaultSeverity, confidence),
      confidence,
      message: f.message,
      file: input.file,
      region: f.region,
      evidence: (f.evidence ?? []).map((e) => ({ message: e.message, file: e.file ?? input.file, region: e.region })),
      suppressLine: f.suppressLine ?? f.region.line,
      ...(f.fix ? { fix: f.fix } : {}),
    });
  };
  const run = <C>(rule: RuleMeta & { check(ctx: C): RawFinding[] }, ctx: C) => {
    if (options.severities[rule.id] === 'off') return;
    stats.rules[rule.id] = { what: rule.examines ?? 'items', count: 0 };
    try {
      for (const f of rule.check(ctx)) emit(rule, f);
      rulesRun.add(rule.id);
    } catch (e) {
      onRuleError?.(rule.id, e);
    }
  };
  const base = {
    file: input.file,
    text,
    options,
    repo,
    ops: stats,
  };
  const examineFor =
    (id: string) =>
    (what: string, count = 1) => {
      const r = (stats.rules[id] ??= { what, count: 0 });
      r.what = what;
      r.count += count;
    };

  try {
    if (input.kind === 'dockerfile') {
      const model = parseDockerfile(input.text);
      stats.dockerfiles = 1;
      stats.stages = model.stages.length;
      if (model.syntaxError) emit(dockerfileSyntax, model.syntaxError);
      else {
        const copies = stageCopies(model);
        for (const rule of RULES)
          if (rule.kind === 'dockerfile') {
            const ctx: DockerfileContext = { ...base, model, copies, examine: examineFor(rule.id) };
            run(rule, ctx);
            yield;
          }
      }
    } else {
      // The repository view may have parsed this very text already (discovery reads the workflows first).
      const cached = repo.read(input.file) === input.text ? repo.workflow(input.file) : undefined;
      const model = cached ?? parseWorkflow(input.file, input.text);
      stats.workflows = 1;
      stats.jobs = model.jobs.length;
      stats.steps = model.jobs.reduce((n, j) => n + j.steps.length, 0);
      if (model.syntaxError) emit(workflowSyntax, model.syntaxError);
      else {
        yield;
        const facts = new WorkflowFacts(model, repo, stats);
        for (const rule of RULES)
          if (rule.kind === 'workflow') {
            yield;
            const ctx: WorkflowContext = { ...base, model, facts, examine: examineFor(rule.id) };
            run(rule, ctx);
          }
      }
    }
  } catch (e) {
    // The parsers are lenient, so this is a bug; the file still gets one finding rather than an exception.
    onRuleError?.('parse', e);
    const meta = input.kind === 'dockerfile' ? dockerfileSyntax : workflowSyntax;
    emit(meta, {
      message: `could not be read: ${e instanceof Error ? e.message : String(e)}`,
      region: { line: 1, column: 1, endLine: 1, endColumn: 2 },
    });
  }

  const suppressions = parseSuppressions(input.text, input.kind, KNOWN_IDS);
  const { active, suppressed } = applySuppressions(raw, suppressions);
  for (const f of suppressionFindings(suppressions, rulesRun))
    emit(f.ruleId === badSuppression.id ? badSuppression : unusedSuppression, f);
  const extra = raw.slice(active.length + suppressed.length);
  return { file: input.file, kind: input.kind, findings: sortFindings([...active, ...extra]), suppressed, stats };
}

/** Lints one file and returns the findings still reported (the editor's and the older callers' view). */
export function lintText(
  input: LintInput,
  options: LintOptions,
  onRuleError?: (ruleId: string, error: unknown) => void,
): Finding[] {
  return lintDocument(input, options, onRuleError).findings;
}

/** Line order within one file (a run keeps its files in the order it linted them: Dockerfiles, then workflows). */
function sortFindings<T extends Finding>(list: T[]): T[] {
  return list.sort(
    (a, b) => a.region.line - b.region.line || a.region.column - b.region.column || a.ruleId.localeCompare(b.ruleId),
  );
}

/** Rule ids in a `lint.rules` setting that no rule has (a typo would silently keep a rule on). */
export function unknownRuleIds(severities: Record<string, string>): string[] {
  return Object.keys(severities).filter((id) => !KNOWN_IDS.has(id));
}

export function lintOptions(
  config: {
    requiredPlatforms: string[];
    lint: { rules: Record<string, string> };
    glibc?: { policy: string; maxGlibc: string; assets: Record<string, string> };
  },
  extra: { repository?: string; requiredPlatformsBasis?: 'configured' | 'default' } = {},
): LintOptions {
  return {
    requiredPlatforms: [...config.requiredPlatforms],
    requiredPlatformsBasis: extra.requiredPlatformsBasis,
    severities: { ...config.lint.rules } as LintOptions['severities'],
    repository: extra.repository,
    releaseGlibc: config.glibc ? lowestPolicy(config.glibc) : undefined,
  };
}

/** The strictest glibc the configuration names (a policy that does not resolve is left to the glibc check to say). */
function lowestPolicy(g: { policy: string; maxGlibc: string; assets: Record<string, string> }) {
  const named: Array<[string, string]> = [];
  if (g.maxGlibc) named.push([g.maxGlibc, `glibc.maxGlibc ${g.maxGlibc}`]);
  if (g.policy) named.push([g.policy, `glibc.policy ${g.policy}`]);
  for (const [glob, v] of Object.entries(g.assets)) named.push([v, `glibc.assets "${glob}": ${v}`]);
  let best: { glibc: string; source: string } | undefined;
  for (const [value, source] of named) {
    const glibc = /^\d+\.\d+(\.\d+)?$/.test(value.trim()) ? value.trim() : policyGlibc(value);
    if (glibc && (!best || compareVersions(glibc, best.glibc) < 0))
      best = { glibc, source: `${source} (glibc ${glibc})` };
  }
  return best;
}
