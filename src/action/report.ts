import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  mdCell,
  reportMarkdown,
  VERDICT_WORDS,
  type CheckFinding,
  type ReadinessReport,
  type Verdict,
} from '../core/report';
import { oneLine } from '../core/report';

/** The runner shows ten annotations of each kind per step; past that they are only in the log. */
const MAX_ANNOTATIONS = 10;

/**
 * Findings as annotations: at their file and line when they have one (a lint finding, a failing step's Dockerfile
 * line), else on the step. Problems are errors, warnings warnings; info stays in the log.
 */
export function annotate(r: ReadinessReport): void {
  const shown = { error: 0, warning: 0 };
  for (const c of r.checks)
    for (const f of c.findings) {
      if (f.severity === 'info') continue;
      if (c.verdict === 'pass' && f.severity === 'error') continue;
      if (shown[f.severity]++ >= MAX_ANNOTATIONS) continue;
      const title = `${c.title}${c.subject ? ` ${c.subject}` : ''}${f.rule && f.rule.startsWith('RO-') ? ` ${f.rule}` : ''}`;
      // An advisory row never fails the step: its problems are warnings.
      const say = f.severity === 'error' && !c.advisory ? core.error : core.warning;
      say(oneLine(f.message), { title, ...where(f) });
    }
  for (const c of r.checks)
    if (
      !c.advisory &&
      (c.verdict === 'environment' || c.verdict === 'nothing-checked') &&
      shown.error++ < MAX_ANNOTATIONS
    )
      core.error(oneLine(c.summary), { title: `${c.title}${c.subject ? ` ${c.subject}` : ''}` });
}

function where(f: CheckFinding): core.AnnotationProperties {
  const l = f.location;
  if (!l) return {};
  return {
    file: l.file,
    startLine: l.line,
    endLine: l.endLine ?? l.line,
    // The runner takes columns only on one line.
    ...(l.column && (l.endLine ?? l.line) === l.line ? { startColumn: l.column, endColumn: l.endColumn } : {}),
  };
}

/** One image's part of a step's outcome: the `images` output (JSON keyed by the image's name). */
export interface ImageOutput {
  image: string;
  verdict: Verdict;
  digest: string;
  'platform-digests': Record<string, string>;
  'record-path'?: string;
}

/**
 * The job summary: the report as Markdown, added once per step. Several images: a table of each image's verdict
 * first (the report's rows below name the image).
 */
export async function writeSummary(
  r: ReadinessReport,
  title: string,
  images?: Record<string, ImageOutput>,
): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return core.info('(no GITHUB_STEP_SUMMARY: the summary is not written)');
  const table = images
    ? [
        '| Image | Repository | Verdict |',
        '|---|---|---|',
        ...Object.entries(images).map(
          ([name, i]) =>
            `| ${mdCell(name)} | \`${mdCell(i.image)}\` | ${VERDICT_WORDS[i.verdict] ?? mdCell(i.verdict)} |`,
        ),
        '',
        '',
      ].join('\n')
    : '';
  await core.summary.addRaw(reportMarkdown(r, { title }).replace(/\n/, `\n\n${table}`), true).write();
}

/** The report as JSON under RUNNER_TEMP (the `report-path` output) for later steps and artifacts. */
export async function writeReportFile(
  r: ReadinessReport,
  extra: Record<string, unknown>,
  dir: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `report-${(r.stage ?? 'gate').replace(/[^a-z0-9-]+/gi, '-')}.json`);
  await writeFile(file, JSON.stringify({ ...r, ...extra }, null, 2) + '\n');
  return file;
}
