import { readinessReport, type CheckResult, type ReadinessReport } from './model';

/**
 * Several images' reports as one: every row's subject says its image ("worker linux/arm64", or "worker" for a row
 * without a subject), the context names each image's reference, and the verdict is the worst of all rows. The
 * gate (`gate` over several images) and the editor's Readiness view make their rows this one way.
 */
export function combineImageReports(
  done: ReadonlyArray<{ name: string; report: ReadinessReport }>,
  now?: () => Date,
  /** The repository's own rows (the workflows' lint, the release run), first and once, with no image in them. */
  repositoryRows: readonly CheckResult[] = [],
): ReadinessReport {
  const checks: CheckResult[] = [
    ...repositoryRows,
    ...done.flatMap(({ name, report }) =>
      report.checks.map((c) => ({ ...c, subject: c.subject ? `${name} ${c.subject}` : name })),
    ),
  ];
  const context: Record<string, string> = {};
  for (const { name, report } of done) {
    context[`${name} image`] = report.image ?? '';
    for (const [k, v] of Object.entries(report.context ?? {})) context[`${name} ${k}`] = v;
  }
  const first = done[0].report;
  return readinessReport(checks, {
    image: done.map((d) => d.report.image).join(', '),
    version: first.version,
    stage: first.stage,
    context,
    now,
  });
}

/** The image a combined row belongs to and the row's own subject (the image's name taken off), else undefined. */
export function imageOfRow(
  names: readonly string[],
  subject: string | undefined,
): { name: string; subject?: string } | undefined {
  if (!subject) return undefined;
  // The longest name first: "api" must not claim a row of "api-worker".
  for (const name of [...names].sort((a, b) => b.length - a.length)) {
    if (subject === name) return { name };
    if (subject.startsWith(`${name} `)) return { name, subject: subject.slice(name.length + 1) };
  }
  return undefined;
}
