import { parseDockerfile } from './dockerfile/model';
import { RULES } from './rules';
import { dockerfileSyntax, workflowSyntax } from './rules/parse-errors';
import type { DockerfileRule, WorkflowRule } from './rules/rule';
import { TextIndex } from './text';
import type { FileKind, Finding, LintOptions, RawFinding, RuleMeta } from './types';
import { parseWorkflow, type WorkflowModel } from './workflow/model';

export interface LintInput {
  /** The path findings carry (the CLI passes it relative to the repository root). */
  file: string;
  text: string;
  kind: FileKind;
  /** The repository's other workflows, for rules about publishing paths and reusable workflows. */
  siblings?: Array<{ file: string; text: string }>;
}

/**
 * Lints one file. Never throws: a file that does not parse gets exactly one finding saying where, and a rule
 * that fails on an input nobody foresaw is reported through `onRuleError` and skipped.
 */
export function lintText(
  input: LintInput,
  options: LintOptions,
  onRuleError?: (ruleId: string, error: unknown) => void,
): Finding[] {
  const out: Finding[] = [];
  const text = new TextIndex(input.text);
  const emit = (meta: RuleMeta, raw: RawFinding) => {
    const setting = options.severities[meta.id];
    if (setting === 'off') return;
    out.push({
      ruleId: meta.id,
      severity: setting ?? meta.defaultSeverity,
      message: raw.message,
      file: input.file,
      region: raw.region,
      ...(raw.fix ? { fix: raw.fix } : {}),
    });
  };
  const run = <R extends DockerfileRule | WorkflowRule>(rule: R, check: () => RawFinding[]) => {
    if (options.severities[rule.id] === 'off') return;
    try {
      for (const f of check()) emit(rule, f);
    } catch (e) {
      onRuleError?.(rule.id, e);
    }
  };

  try {
    if (input.kind === 'dockerfile') {
      const model = parseDockerfile(input.text);
      if (model.syntaxError) emit(dockerfileSyntax, model.syntaxError);
      else
        for (const rule of RULES) if (rule.kind === 'dockerfile') run(rule, () => rule.check({ model, text, options }));
    } else {
      const model = parseWorkflow(input.file, input.text);
      if (model.syntaxError) emit(workflowSyntax, model.syntaxError);
      else {
        const siblings: WorkflowModel[] = (input.siblings ?? [])
          .filter((s) => s.file !== input.file)
          .map((s) => parseWorkflow(s.file, s.text));
        for (const rule of RULES)
          if (rule.kind === 'workflow') run(rule, () => rule.check({ model, text, options, siblings }));
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
  return out.sort(
    (a, b) => a.region.line - b.region.line || a.region.column - b.region.column || a.ruleId.localeCompare(b.ruleId),
  );
}

export function lintOptions(config: {
  requiredPlatforms: string[];
  lint: { rules: Record<string, string> };
}): LintOptions {
  return {
    requiredPlatforms: [...config.requiredPlatforms],
    severities: { ...config.lint.rules } as LintOptions['severities'],
  };
}
