import type { FileKind, Finding, RawFinding, Region, SuppressedFinding, TextEdit } from './types';

/**
 * Inline suppressions: `# release-operator-ignore RO-D004: handles SIGTERM itself`.
 *  - On a line of its own it silences the named rules on the next line that is not a comment (so several can
 *    stack above one instruction or step). In a workflow it may also end the line it is about.
 *  - A reason after the colon is required: without one (or with the quick fix's TODO still in it) nothing is
 *    silenced and the comment itself is reported (RO-L001). One that silences nothing is reported too (RO-L002).
 * Findings it silences are kept and counted, never dropped.
 */
export interface Suppression {
  /** The comment's own line. */
  line: number;
  /** The line it silences findings on. */
  target: number;
  ids: string[];
  reason: string;
  region: Region;
  /** Why it cannot silence anything, when it cannot. */
  problem?: string;
  used: boolean;
}

const MARK = /#\s*release-operator-ignore\b(.*)$/;
const IDS = /^\s+((?:RO-[A-Z]\d{3})(?:\s*,\s*RO-[A-Z]\d{3})*)\s*(?::(.*))?$/;
const PLACEHOLDER = /^\s*(TODO\b|say why\b|reason\b|$)/i;

/** Every suppression comment in a text. `knownIds` checks the rule ids; `kind` decides where comments may stand. */
export function parseSuppressions(text: string, kind: FileKind, knownIds: ReadonlySet<string>): Suppression[] {
  const lines = text.split('\n');
  const out: Suppression[] = [];
  const isComment = (l: string) => /^\s*#/.test(l);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const m = MARK.exec(raw);
    if (!m) continue;
    const own = isComment(raw);
    const line = i + 1;
    const region = { line, column: m.index + 1, endLine: line, endColumn: raw.length + 1 };
    let target = line;
    if (own) {
      let j = i + 1;
      while (j < lines.length && isComment(lines[j])) j++;
      target = j < lines.length && lines[j].trim() !== '' ? j + 1 : -1;
    }
    const s: Suppression = { line, target, ids: [], reason: '', region, used: false };
    const body = IDS.exec(m[1]);
    if (!body) {
      s.problem = 'it names no rule: write "# release-operator-ignore RO-D004: why this is safe"';
    } else {
      s.ids = body[1].split(',').map((x) => x.trim());
      s.reason = (body[2] ?? '').trim();
      const unknown = s.ids.filter((id) => !knownIds.has(id));
      if (unknown.length) s.problem = `${unknown.join(', ')} is not a rule id of Release Operator`;
      else if (PLACEHOLDER.test(s.reason))
        s.problem = `it gives no reason: say after the colon why ${s.ids.join(', ')} does not apply here`;
    }
    if (!s.problem && !own && kind === 'dockerfile')
      s.problem = 'Docker does not read a # after an instruction as a comment: put it on a line of its own above';
    if (!s.problem && target < 0) s.problem = 'no instruction or step follows it';
    out.push(s);
  }
  return out;
}

/** Splits findings into the ones still reported and the ones a valid suppression silences. */
export function applySuppressions(
  findings: Finding[],
  suppressions: Suppression[],
): { active: Finding[]; suppressed: SuppressedFinding[] } {
  const byTarget = new Map<number, Suppression[]>();
  for (const s of suppressions) if (!s.problem) byTarget.set(s.target, [...(byTarget.get(s.target) ?? []), s]);
  const active: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const candidates = [...(byTarget.get(f.region.line) ?? []), ...(byTarget.get(f.suppressLine) ?? [])];
    const s = candidates.find((c) => c.ids.includes(f.ruleId));
    if (!s) {
      active.push(f);
      continue;
    }
    s.used = true;
    suppressed.push({ ...f, suppression: { line: s.line, reason: s.reason } });
  }
  return { active, suppressed };
}

/** The findings about the comments themselves: malformed ones (RO-L001) and ones that silence nothing (RO-L002). */
export function suppressionFindings(suppressions: Suppression[], rulesRun: ReadonlySet<string>): RawFindingWithId[] {
  const out: RawFindingWithId[] = [];
  for (const s of suppressions) {
    if (s.problem) {
      out.push({
        ruleId: 'RO-L001',
        message: `This suppression silences nothing: ${s.problem}.`,
        region: s.region,
        suppressLine: s.line,
      });
    } else if (!s.used && s.ids.every((id) => rulesRun.has(id))) {
      out.push({
        ruleId: 'RO-L002',
        message: `No ${s.ids.join(' or ')} finding on line ${s.target}: this suppression is not needed (any more).`,
        region: s.region,
        suppressLine: s.line,
      });
    }
  }
  return out;
}

export type RawFindingWithId = RawFinding & { ruleId: string };

/**
 * The edit the editor's quick fix makes: a suppression comment above the finding's line, indented like it,
 * with a TODO reason that keeps RO-L001 reporting it until someone writes why.
 */
export function suppressionEdit(text: string, finding: Pick<Finding, 'ruleId' | 'suppressLine'>): TextEdit {
  const line = finding.suppressLine;
  const lineText = text.split('\n')[line - 1] ?? '';
  const indent = /^[ \t]*(- )?/.exec(lineText)?.[0].replace('- ', '  ') ?? '';
  const dash = /^[ \t]*- /.test(lineText) ? indent.slice(0, -2) : indent;
  return {
    region: { line, column: 1, endLine: line, endColumn: 1 },
    newText: `${dash}# release-operator-ignore ${finding.ruleId}: TODO say why this is safe\n`,
  };
}
