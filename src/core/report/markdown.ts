import { neutralize } from '../neutralize';
import { mdCell, mdText, multiLine } from './escape';
import { checkName, evidenceBlock, evidencePairs, examinedText, nextText, VERDICT_WORDS } from './evidence';
import type { Basis, CheckResult, NextAction, ReadinessReport, Verdict } from './model';

/**
 * The report as GitHub-flavoured Markdown, for a job summary (the Action writes it with core.summary) or a pull
 * request comment: a heading with the verdict, one overview row per check, then a table per check (verdict,
 * what it examined, evidence, next action) with its findings and, when it failed, the log tail.
 */
const ICON: Record<Verdict, string> = { pass: '✅', problem: '❌', 'nothing-checked': '⭕', environment: '⚠️' };

export function reportMarkdown(r: ReadinessReport, options: { title?: string } = {}): string {
  const title = options.title ?? `Release Operator${r.stage ? ` ${r.stage}` : ''}`;
  const out: string[] = [`## ${ICON[r.verdict]} ${mdText(title)}: ${mdText(r.summary)}`, ''];
  const facts = [
    r.image && `image \`${code(r.image)}\``,
    r.version && `version **${mdText(r.version)}**`,
    ...Object.entries(r.context ?? {}).map(([k, v]) => `${mdText(k)}: ${mdText(v)}`),
  ].filter(Boolean);
  if (facts.length) out.push(facts.join(' · '), '');
  if (r.checks.length) {
    out.push('| Check | Verdict | What it saw |', '|---|---|---|');
    for (const c of r.checks)
      out.push(
        `| ${mdCell(checkName(c))} | ${ICON[c.verdict]} ${VERDICT_WORDS[c.verdict]}${c.advisory ? ' (advisory)' : ''} | ${mdCell(c.summary)} |`,
      );
    out.push('');
  } else out.push('No check ran, so nothing vouches for this release.', '');
  for (const c of r.checks) out.push(...checkSection(c));
  if (r.basis.length) {
    out.push('**Based on**', '');
    for (const b of r.basis) out.push(`- ${basisText(b)}`);
    out.push('');
  }
  return out.join('\n');
}

function checkSection(c: CheckResult): string[] {
  const evidence = evidencePairs(c).map(([k, v]) => `${mdCell(k)}: ${mdCell(v)}`);
  const next = [...(c.next ?? []), ...c.findings.flatMap((f) => findingNext(f))];
  const rows: Array<[string, string]> = [
    [
      'Verdict',
      `${ICON[c.verdict]} ${VERDICT_WORDS[c.verdict]}${c.advisory ? ' (advisory: shown, never blocks)' : ''}: ${mdCell(c.summary)}`,
    ],
    ['Examined', mdCell(examinedText(c.examined))],
    ['Evidence', evidence.length ? evidence.join('<br>') : '—'],
    ['Next action', next.length ? next.map((n) => mdCell(nextText(n))).join('<br>') : '—'],
  ];
  if (c.durationMs !== undefined) rows.push(['Time', `${(c.durationMs / 1000).toFixed(1)} s`]);
  const out = [`### ${ICON[c.verdict]} ${mdText(checkName(c))}`, '', '| | |', '|---|---|'];
  for (const [k, v] of rows) out.push(`| ${k} | ${v} |`);
  out.push('');
  for (const f of c.findings) {
    const where = f.location ? ` (\`${code(f.location.file)}${f.location.line ? `:${f.location.line}` : ''}\`)` : '';
    const rule = f.rule ? ` ${mdText(f.rule)}` : '';
    out.push(`- **${f.severity}**${rule}${f.subject ? ` ${mdText(f.subject)}:` : ''} ${mdText(f.message)}${where}`);
  }
  if (c.findings.length) out.push('');
  const block = evidenceBlock(c);
  if (block.length) {
    const text = multiLine(block.join('\n'));
    const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    out.push('<details><summary>Log tail</summary>', '', `${fence}text`, text, fence, '', '</details>', '');
  }
  return out;
}

/** A finding's own next action, for models that carry one per finding. */
const findingNext = (f: object): NextAction[] => {
  const n = (f as { next?: NextAction }).next;
  return n ? [n] : [];
};

/** Inside inline code: backticks cannot be escaped, so they are replaced. */
const code = (s: string) => neutralize(s).replace(/[`|]/g, "'");

function basisText(b: Basis): string {
  const how = b.source === 'inferred' ? 'inferred from' : b.source === 'configured' ? 'configured in' : 'default:';
  return `${mdText(b.subject)}: **${mdText(b.value)}** (${how} ${mdText(b.detail)})`;
}
