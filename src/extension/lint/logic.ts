/**
 * The editor face's decisions that do not need VS Code (so they are unit-tested without it): which documents
 * are linted, debouncing per document, positions (VS Code is 0-based, findings 1-based) (all in editor.ts), and
 * hover text, which needs the rules (here: lint/index.ts loads this file with the lint engine, when first needed).
 */
import { ruleMeta } from '../../core/lint/rules';
import type { Finding } from '../../core/lint/types';
// npm run l10n (@vscode/l10n-dev export) reads l10n.t() only in files that import vscode; a type import is free at
// run time, so the file stays vscode-free for its unit tests.
import type * as vscode from 'vscode';
import { english, type Translator } from '../translator';

/** vscode.l10n itself, or the English default (tests). */
type L10n = Translator & Partial<Pick<typeof vscode.l10n, 'bundle'>>;
import { contains } from './editor';

export * from './editor';

/** Markdown for the findings under the cursor: title, this occurrence, why it matters. */
export function hoverMarkdown(
  findings: Finding[],
  line0: number,
  character0: number,
  l10n: L10n = english,
): string | undefined {
  const here = findings.filter((f) => contains(f.region, line0, character0));
  if (here.length === 0) return undefined;
  return here
    .map((f) => {
      const meta = ruleMeta(f.ruleId);
      const fix = f.fix ? `\n\n${l10n.t('Quick fix available: *{0}*.', f.fix.title)}` : '';
      return `**${f.ruleId}: ${meta?.title ?? ''}** (${f.severity})\n\n${f.message}\n\n${meta?.explanation ?? ''}${fix}`;
    })
    .join('\n\n---\n\n');
}
