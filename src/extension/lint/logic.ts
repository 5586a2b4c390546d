/**
 * The editor face's decisions that do not need VS Code (so they are unit-tested without it): which documents
 * are linted, debouncing per document, positions (VS Code is 0-based, findings 1-based) (all in editor.ts), and
 * hover text, which needs the rules (here: lint/index.ts loads this file with the lint engine, when first needed).
 */
import { ruleMeta } from '../../core/lint/rules';
import type { Finding } from '../../core/lint/types';
import { contains } from './editor';

export * from './editor';

/** Markdown for the findings under the cursor: title, this occurrence, why it matters. */
export function hoverMarkdown(findings: Finding[], line0: number, character0: number): string | undefined {
  const here = findings.filter((f) => contains(f.region, line0, character0));
  if (here.length === 0) return undefined;
  return here
    .map((f) => {
      const meta = ruleMeta(f.ruleId);
      const fix = f.fix ? `\n\nQuick fix available: *${f.fix.title}*.` : '';
      return `**${f.ruleId}: ${meta?.title ?? ''}** (${f.severity})\n\n${f.message}\n\n${meta?.explanation ?? ''}${fix}`;
    })
    .join('\n\n---\n\n');
}
