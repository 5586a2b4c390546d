import type { TextEdit } from './types';

/** Applies non-overlapping edits to a text (last first, so earlier offsets stay valid). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const offset = (line: number, column: number) => {
    const lines = text.split('\n');
    let o = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) o += lines[i].length + 1;
    return Math.min(text.length, o + column - 1);
  };
  const spans = edits
    .map((e) => ({
      start: offset(e.region.line, e.region.column),
      end: offset(e.region.endLine, e.region.endColumn),
      text: e.newText,
    }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const s of spans) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}
