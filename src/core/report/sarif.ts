import { oneLine } from './escape';
import type { CheckFinding, ReadinessReport } from './model';

/** What SARIF says about a rule (lint passes its catalogue; other checks are described by their title). */
export interface SarifRule {
  id: string;
  title: string;
  explanation?: string;
}

/** SARIF's level for each finding severity (shared by lint's own SARIF). */
export const SARIF_LEVEL: Record<CheckFinding['severity'], 'error' | 'warning' | 'note'> = {
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
  const results = located.map(({ finding: f, ruleId }) => ({
    ruleId,
    ruleIndex: ids.indexOf(ruleId),
    level: SARIF_LEVEL[f.severity],
    message: { text: oneLine(f.subject ? `${f.subject}: ${f.message}` : f.message) },
    locations: [sarifLocation(f.location!.file, f.location)],
  }));
  return sarifLog(tool, rules, results);
}

/** A place in the repository: a repository-relative URI under %SRCROOT% and the region's parts that are known. */
export function sarifLocation(
  file: string,
  region?: { line?: number; column?: number; endLine?: number; endColumn?: number },
) {
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(file), uriBaseId: '%SRCROOT%' },
      ...(region?.line ? { region: sarifRegion(region) } : {}),
    },
  };
}

/** A region with only the parts that are known (SARIF forbids nulls). */
export function sarifRegion(r: { line?: number; column?: number; endLine?: number; endColumn?: number }) {
  return {
    ...(r.line ? { startLine: r.line } : {}),
    ...(r.column ? { startColumn: r.column } : {}),
    ...(r.endLine ? { endLine: r.endLine } : {}),
    ...(r.endColumn ? { endColumn: r.endColumn } : {}),
  };
}

/** The SARIF 2.1.0 log around one run of this tool: the envelope every SARIF file of the product shares. */
export function sarifLog(
  tool: { version: string; informationUri: string },
  rules: readonly object[],
  results: readonly object[],
): object {
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
        results,
      },
    ],
  };
}
