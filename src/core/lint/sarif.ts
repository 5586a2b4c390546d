import { SARIF_LEVEL as LEVEL, sarifLocation, sarifLog, sarifRegion } from '../report';
import { ALL_RULES } from './rules';
import type { Finding, SuppressedFinding } from './types';

/**
 * SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif): one run, the rule catalogue in
 * tool.driver.rules, results with repository-relative URIs under %SRCROOT%, the evidence as relatedLocations,
 * fixes as replacements, and suppressed findings as results with an in-source suppression and its reason
 * (code scanning shows them as dismissed, not as gone).
 */

export function toSarif(
  findings: Finding[],
  tool: { version: string; informationUri: string },
  suppressed: SuppressedFinding[] = [],
): object {
  const rules = ALL_RULES.map((r) => ({
    id: r.id,
    name: r.id.replace('-', ''),
    shortDescription: { text: r.title },
    fullDescription: { text: r.explanation },
    help: { text: `${r.title}\n\n${r.explanation}`, markdown: `**${r.title}**\n\n${r.explanation}` },
    defaultConfiguration: { level: LEVEL[r.defaultSeverity] },
    properties: {
      tags: ['release', r.kind === 'dockerfile' ? 'dockerfile' : r.kind === 'workflow' ? 'github-actions' : 'lint'],
    },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const result = (f: Finding, suppression?: SuppressedFinding['suppression']) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId),
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [sarifLocation(f.file, f.region)],
    ...(f.evidence.length
      ? {
          relatedLocations: f.evidence.map((e, i) => ({
            id: i + 1,
            ...sarifLocation(e.file, e.region),
            message: { text: e.message },
          })),
        }
      : {}),
    properties: { confidence: f.confidence },
    ...(suppression ? { suppressions: [{ kind: 'inSource', justification: suppression.reason }] } : {}),
    ...(f.fix
      ? {
          fixes: [
            {
              description: { text: f.fix.title },
              artifactChanges: [
                {
                  artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' },
                  replacements: f.fix.edits.map((e) => ({
                    deletedRegion: sarifRegion(e.region),
                    insertedContent: { text: e.newText },
                  })),
                },
              ],
            },
          ],
        }
      : {}),
  });
  return sarifLog(tool, rules, [...findings.map((f) => result(f)), ...suppressed.map((f) => result(f, f.suppression))]);
}
