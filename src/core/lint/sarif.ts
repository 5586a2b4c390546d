import { ALL_RULES } from './rules';
import type { Finding, Severity } from './types';

/**
 * SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif): one run, the rule catalogue in
 * tool.driver.rules, results with repository-relative URIs under %SRCROOT%, and fixes as replacements.
 */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export function toSarif(findings: Finding[], tool: { version: string; informationUri: string }): object {
  const rules = ALL_RULES.map((r) => ({
    id: r.id,
    name: r.id.replace('-', ''),
    shortDescription: { text: r.title },
    fullDescription: { text: r.explanation },
    help: { text: `${r.title}\n\n${r.explanation}`, markdown: `**${r.title}**\n\n${r.explanation}` },
    defaultConfiguration: { level: LEVEL[r.defaultSeverity] },
    properties: { tags: ['release', r.kind === 'dockerfile' ? 'dockerfile' : 'github-actions'] },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'release-operator',
            semanticVersion: tool.version,
            informationUri: tool.informationUri,
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root.' } } },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId),
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [location(f.file, f.region)],
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
        })),
      },
    ],
  };
}

function location(uri: string, region: Finding['region']) {
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(uri), uriBaseId: '%SRCROOT%' },
      region: sarifRegion(region),
    },
  };
}

function sarifRegion(r: Finding['region']) {
  return { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn };
}
