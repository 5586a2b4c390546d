/**
 * The lint engine's vocabulary. Positions are 1-based lines and columns (what editors and SARIF show);
 * `endColumn` is exclusive, as in SARIF regions. The VS Code face converts to 0-based itself.
 */
export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';

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

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** This occurrence, in words: which images, which step. */
  message: string;
  /** Path as given to the engine (the CLI passes it relative to the repository root). */
  file: string;
  region: Region;
  fix?: Fix;
}

export type FileKind = 'dockerfile' | 'workflow';

export interface RuleMeta {
  id: string;
  kind: FileKind;
  defaultSeverity: Severity;
  /** One line: what is wrong. */
  title: string;
  /** Why it matters, naming the release incident it prevents. */
  explanation: string;
}

/** A finding as a rule reports it; the engine adds the rule id, severity and file. */
export interface RawFinding {
  message: string;
  region: Region;
  fix?: Fix;
}

export interface LintOptions {
  requiredPlatforms: string[];
  /** Per rule id: a severity or 'off'. */
  severities: Record<string, SeveritySetting>;
}
