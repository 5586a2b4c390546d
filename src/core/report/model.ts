/**
 * The readiness report: one model for every check the product runs, rendered by every face (CLI text, --json,
 * JUnit, SARIF, the Action's job summary, the editor's readiness view). A check says what it examined, what it
 * found, what it relied on (a configured or inferred scheme) and what to do next. "Nothing examined" is a verdict
 * of its own and never a pass.
 */

/**
 * - pass: examined at least one thing and found nothing wrong;
 * - problem: found something wrong with the release;
 * - nothing-checked: examined nothing (what it looked for is absent), so it cannot vouch for anything;
 * - environment: could not run (docker missing, registry unreachable, unreadable files, a limit hit).
 */
export type Verdict = 'pass' | 'problem' | 'nothing-checked' | 'environment';

export const VERDICTS: readonly Verdict[] = ['pass', 'problem', 'nothing-checked', 'environment'];

/** What a check counted. `count: 0` makes the verdict nothing-checked unless the check could not run at all. */
export interface Examined {
  count: number;
  /** A plural noun for what was counted: "moving tags", "platforms", "ELF files", "jobs". */
  what: string;
  /** Its singular, when it is not `what` without the final s ("1 moving tag"). */
  one?: string;
  /** What the check looked for, said when it found none ("version tags like v1.2.3 or 1.2.3"). */
  lookedFor?: string;
  /** What it found instead ("12 tags, none version-shaped: main, edge, sha-1a2b3c4"). */
  foundInstead?: string;
}

export interface SourceLocation {
  /** A path relative to the repository root where known. */
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export interface CheckFinding {
  message: string;
  /** error: blocks the release; warning: worth a look; info: said, never blocks. */
  severity: 'error' | 'warning' | 'info';
  /** The tag, platform, file or version the finding is about. */
  subject?: string;
  /** A rule id for lint findings (RO-D001), a kind for others ('moving-tag'). */
  rule?: string;
  location?: SourceLocation;
  /** Machine-readable facts behind the message: digests, versions, platforms. */
  evidence?: Record<string, unknown>;
  /** What to do about this finding in particular (a check's `next` says what to do about the check as a whole). */
  next?: NextAction;
}

/** Something a check relied on that the user did not state, or did: "image tags: no prefix (inferred ...)". */
export interface Basis {
  /** What this is about: "image tag prefix", "git tag prefix", "required platforms". */
  subject: string;
  value: string;
  source: 'configured' | 'inferred' | 'default';
  /** How it was decided: "41 of 43 version tags", "release-operator.json tags.imagePrefix". */
  detail: string;
}

export interface NextAction {
  text: string;
  /** A command line that does it; destructive ones are given as their dry run. */
  command?: string;
  /** The editor command id that does it, with its arguments, for the readiness view. */
  editorCommand?: { id: string; args?: unknown[] };
}

export interface CheckResult {
  /** Stable id of the check: 'platforms', 'labels', 'tag-scheme', 'smoke', 'glibc', 'lint', 'audit', ... */
  id: string;
  /** A short human title: "Tag scheme", "Smoke linux/arm64". */
  title: string;
  /** The platform, tag or image this row is about, when the check runs per subject. */
  subject?: string;
  verdict: Verdict;
  /** One line: what it saw ("3 moving tags checked; v1.2 points at 1.2.2, the scheme says 1.2.3"). */
  summary: string;
  examined: Examined;
  findings: CheckFinding[];
  /** Digests, platforms, log tails: whatever lets a reader check the verdict without re-running it. */
  evidence?: Record<string, unknown>;
  basis?: Basis[];
  next?: NextAction[];
  durationMs?: number;
  /** Shown with its own verdict, but never decides the report's (a row the configuration makes advisory). */
  advisory?: boolean;
}

export interface ReadinessReport {
  schema: 'release-operator/readiness@1';
  /** registry/repository of the image, when the report is about one. */
  image?: string;
  version?: string;
  /** The gate stage that produced it, when a gate did. */
  stage?: string;
  /** Facts about the run a reader needs beside the checks: which flow ran, the commit, where a record was kept. */
  context?: Record<string, string>;
  verdict: Verdict;
  /** One line that agrees with `verdict`: "ready: 9 checks passed" / "not ready: 2 problems, 1 nothing checked". */
  summary: string;
  checks: CheckResult[];
  basis: Basis[];
  /** ISO time from the injected clock. */
  generatedAt?: string;
}

/** The verdict a check earns from what it counted and found; `environment` is set by whoever caught the fault. */
export function verdictOf(
  examined: Pick<Examined, 'count'>,
  findings: readonly Pick<CheckFinding, 'severity'>[],
): Verdict {
  if (findings.some((f) => f.severity === 'error')) return 'problem';
  if (examined.count === 0) return 'nothing-checked';
  return 'pass';
}

/**
 * The verdict of several checks: a problem with the release outranks a check that could not run (the release is
 * known to be wrong either way), which outranks a check that examined nothing. No checks at all is nothing-checked.
 */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) return 'nothing-checked';
  for (const v of ['problem', 'environment', 'nothing-checked'] as const) if (verdicts.includes(v)) return v;
  return 'pass';
}

/**
 * CLI exit code of a verdict: 0 pass, 1 problem or nothing checked, 3 environment. `allowEmpty` (a flag such as
 * --allow-empty) lets nothing-checked exit 0; the verdict itself still says that nothing was checked.
 */
export function exitCodeOf(verdict: Verdict, opts: { allowEmpty?: boolean } = {}): number {
  if (verdict === 'nothing-checked' && opts.allowEmpty) return 0;
  return verdict === 'pass' ? 0 : verdict === 'environment' ? 3 : 1;
}

/** How many things the checks examined in all (`"checked"` in JSON output): 0 means nothing was checked. */
export function totalExamined(checks: readonly CheckResult[]): number {
  return checks.reduce((n, c) => n + c.examined.count, 0);
}

/** A check result with its verdict derived from what it examined and found. */
export function checkResult(input: Omit<CheckResult, 'verdict' | 'summary'> & { summary?: string }): CheckResult {
  const verdict = verdictOf(input.examined, input.findings);
  return { ...input, verdict, summary: input.summary ?? defaultSummary(verdict, input.examined, input.findings) };
}

/** A check that could not run: an environment fault with the reason and what to do. */
export function environmentResult(
  id: string,
  title: string,
  what: string,
  reason: string,
  next?: NextAction[],
  subject?: string,
): CheckResult {
  return {
    id,
    title,
    subject,
    verdict: 'environment',
    summary: `could not run: ${reason}`,
    examined: { count: 0, what },
    findings: [],
    next,
  };
}

function defaultSummary(verdict: Verdict, examined: Examined, findings: readonly CheckFinding[]): string {
  const counted = `${examined.count} ${countNoun(examined)} examined`;
  if (verdict === 'nothing-checked') {
    const looked = examined.lookedFor ? `looked for ${examined.lookedFor}` : `no ${examined.what} to examine`;
    return examined.foundInstead
      ? `nothing checked: ${looked}; found ${examined.foundInstead}`
      : `nothing checked: ${looked}`;
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  if (verdict === 'problem') return `${counted}; ${errors} problem${errors === 1 ? '' : 's'}`;
  return warnings ? `${counted}; ${warnings} warning${warnings === 1 ? '' : 's'}` : counted;
}

/** `what`, or its singular for a count of 1. */
export function countNoun(e: Pick<Examined, 'count' | 'what' | 'one'>): string {
  return e.count === 1 ? (e.one ?? e.what.replace(/s$/, '')) : e.what;
}

/** The report for a set of checks: the combined verdict and a summary line that agrees with it. */
export function readinessReport(
  checks: CheckResult[],
  meta: {
    image?: string;
    version?: string;
    stage?: string;
    context?: Record<string, string>;
    basis?: Basis[];
    now?: () => Date;
  } = {},
): ReadinessReport {
  const verdict = combineVerdicts(checks.filter((c) => !c.advisory).map((c) => c.verdict));
  return {
    schema: 'release-operator/readiness@1',
    image: meta.image,
    version: meta.version,
    stage: meta.stage,
    context: meta.context,
    verdict,
    summary: reportSummary(verdict, checks),
    checks,
    basis: meta.basis ?? dedupeBasis(checks.flatMap((c) => c.basis ?? [])),
    generatedAt: meta.now?.().toISOString(),
  };
}

/** The summary line: the verdict word ("ready" / "not ready") and then the counts. */
export function reportSummary(verdict: Verdict, all: readonly CheckResult[]): string {
  const ready = verdict === 'pass' && all.some((c) => !c.advisory);
  return `${ready ? 'ready' : 'not ready'}: ${reportCounts(verdict, all)}`;
}

/**
 * The counts of a summary without its verdict word (a face that says the verdict elsewhere shows only these).
 * Advisory rows are left out of the counts and said after them, when any did not pass.
 */
export function reportCounts(verdict: Verdict, all: readonly CheckResult[]): string {
  const checks = all.filter((c) => !c.advisory);
  const advisory = all.filter((c) => c.advisory && c.verdict !== 'pass').length;
  const aside = advisory ? `; ${advisory} advisory check${advisory === 1 ? '' : 's'} did not pass` : '';
  const n = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  if (checks.length === 0) return `no checks ran${aside}`;
  if (verdict === 'pass') return `${n('pass')} check${n('pass') === 1 ? '' : 's'} passed${aside}`;
  const parts = [
    n('problem') && `${n('problem')} with problems`,
    n('environment') && `${n('environment')} could not run`,
    n('nothing-checked') && `${n('nothing-checked')} checked nothing`,
    n('pass') && `${n('pass')} passed`,
  ].filter(Boolean);
  return `${parts.join(', ')} (of ${checks.length} checks)${aside}`;
}

function dedupeBasis(all: Basis[]): Basis[] {
  const seen = new Map<string, Basis>();
  for (const b of all) if (!seen.has(`${b.subject}\0${b.value}`)) seen.set(`${b.subject}\0${b.value}`, b);
  return [...seen.values()];
}
