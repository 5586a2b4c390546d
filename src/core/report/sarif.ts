import { oneLine } from './escape';
import type { CheckFinding, ReadinessReport } from './model';

/** What SARIF says about a rule (lint passes its catalogue; other checks are described by their title). */
export interface SarifRule {
  id: string;
  title: string;
  explanation?: string;
}

const LEVEL: Record<CheckFinding['severity'], 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/**
 * The findings of a report that point at a file (lint findings, a failing step with its Dockerfile line) as
 * SARIF 2.1.0 for code scanning. Findings without a location have no place in SARIF and are left out: the
 * other renderers carry them.
 */
export function reportSarif(
  r: ReadinessReport,
  tool: { version: string; informationUri: string; rules?: readonly SarifRule[] },
): object {
  const located = r.checks.flatMap((c) =>
    c.findings.filter((f) => f.location).map((f) => ({ check: c, finding: f, ruleId: f.rule ?? c.id })),
  );
  const known = new Map((tool.rules ?? []).map((rule) => [rule.id, rule]));
  const ids = [...new Set(located.map((l) => l.ruleId))];
  const rules = ids.map((id) => {
    const rule = known.get(id);
    const title = rule?.title ?? located.find((l) => l.ruleId === id)!.check.title;
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: title },
      ...(rule?.explanation ? { fullDescription: { text: rule.explanation } } : {}),
    };
  });
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
        results: located.map(({ finding: f, ruleId }) => {
          const loc = f.location!;
          return {
            ruleId,
            ruleIndex: ids.indexOf(ruleId),
            level: LEVEL[f.severity],
            message: { text: oneLine(f.subject ? `${f.subject}: ${f.message}` : f.message) },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: encodeURI(loc.file), uriBaseId: '%SRCROOT%' },
                  ...(loc.line
                    ? {
                        region: {
                          startLine: loc.line,
                          ...(loc.column ? { startColumn: loc.column } : {}),
                          ...(loc.endLine ? { endLine: loc.endLine } : {}),
                          ...(loc.endColumn ? { endColumn: loc.endColumn } : {}),
                        },
                      }
                    : {}),
                },
              },
            ],
          };
        }),
      },
    ],
  };
}
