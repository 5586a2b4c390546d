/**
 * The lint engine's vocabulary. Positions are 1-based lines and columns (what editors and SARIF show);
 * `endColumn` is exclusive, as in SARIF regions. The VS Code face converts to 0-based itself.
 */
export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';

/**
 * How sure a rule is of one finding. A rule's default severity is what it says when it has proved the
 * problem from the files it read; when it had to assume something (a Dockerfile it could not read, a runner
 * label it does not know) the finding is `likely` (one severity lower) or `possible` (info).
 */
export type Confidence = 'proven' | 'likely' | 'possible';

export interface Region {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** One replacement of text in the linted file; an empty range inserts. */
export interface TextEdit {
  region: Region;
  newText: string;
}

export interface Fix {
  /** What the quick fix does, as a command label: "Pin the builder to bookworm". */
  title: string;
  edits: TextEdit[];
}

/** A place a finding rests on: the builder stage, the COPY --from line, the step that should have run first. */
export interface Evidence {
  message: string;
  /** Path relative to the repository root (the finding's own file when the rule did not say). */
  file: string;
  region: Region;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  confidence: Confidence;
  /** This occurrence, in words: which images, which step. */
  message: string;
  /** Path as given to the engine (the CLI passes it relative to the repository root). */
  file: string;
  region: Region;
  /** What the finding rests on, in the order a reader should check it. */
  evidence: Evidence[];
  /** The line a suppression comment for this finding goes above (the quick fix inserts there). */
  suppressLine: number;
  fix?: Fix;
}

/** A finding an inline `# release-operator-ignore` comment silenced: kept, counted and listed, never dropped. */
export interface SuppressedFinding extends Finding {
  suppression: { line: number; reason: string };
}

export type FileKind = 'dockerfile' | 'workflow';

export interface RuleMeta {
  id: string;
  kind: FileKind | 'any';
  defaultSeverity: Severity;
  /** One line: what is wrong. */
  title: string;
  /** Why it matters, naming the release incident it prevents. */
  explanation: string;
  /** What the rule selects and judges, as a plural noun ("push steps"), for the examined counts. */
  examines?: string;
}

/** A finding as a rule reports it; the engine adds the rule id, severity and file. */
export interface RawFinding {
  message: string;
  region: Region;
  /** Defaults to proven. */
  confidence?: Confidence;
  /** `file` defaults to the linted file. */
  evidence?: Array<{ message: string; region: Region; file?: string }>;
  /** Where a suppression comment goes (default: the region's first line). */
  suppressLine?: number;
  fix?: Fix;
}

export interface LintOptions {
  /** Platforms every release must publish, os/arch[/variant]. */
  requiredPlatforms: string[];
  /** configured: the user said so; default: the built-in default (a missing platform is then less certain). */
  requiredPlatformsBasis?: 'configured' | 'default';
  /** Per rule id: a severity or 'off'. */
  severities: Record<string, SeveritySetting>;
  /** owner/name of the repository being linted, when known (for the self-repository `uses:` form). */
  repository?: string;
  /**
   * The lowest glibc a configured policy allows (glibc.policy, glibc.maxGlibc, glibc.assets), with where it came
   * from: binaries released as assets must not need more. Unset: no policy configured.
   */
  releaseGlibc?: { glibc: string; source: string };
}

/** What a lint run looked at, per kind, so that "no findings" can be told from "nothing looked at". */
export interface LintStats {
  dockerfiles: number;
  workflows: number;
  stages: number;
  jobs: number;
  steps: number;
  /** Per rule: how many things it selected and judged ("push steps": 3). */
  rules: Record<string, { what: string; count: number }>;
  /** Steps of the engine's own graph and text walks, for the linear-time test. */
  operations: number;
}

export function emptyStats(): LintStats {
  return { dockerfiles: 0, workflows: 0, stages: 0, jobs: 0, steps: 0, rules: {}, operations: 0 };
}

export function addStats(into: LintStats, from: LintStats): void {
  into.dockerfiles += from.dockerfiles;
  into.workflows += from.workflows;
  into.stages += from.stages;
  into.jobs += from.jobs;
  into.steps += from.steps;
  into.operations += from.operations;
  for (const [id, r] of Object.entries(from.rules)) {
    const have = (into.rules[id] ??= { what: r.what, count: 0 });
    have.count += r.count;
  }
}

const LOWER: Record<Severity, Severity> = { error: 'warning', warning: 'info', info: 'info' };

/** The severity a finding gets from its rule's severity and how sure the rule is. */
export function severityFor(base: Severity, confidence: Confidence): Severity {
  if (confidence === 'proven') return base;
  if (confidence === 'likely') return LOWER[base];
  return 'info';
}
