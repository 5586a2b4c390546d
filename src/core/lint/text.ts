import type { Region } from './types';

/** Maps string offsets to 1-based line/column and back; one instance per linted text. */
export class TextIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }

  region(start: number, end: number): Region {
    const a = this.position(start);
    const b = this.position(Math.max(start, end));
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    const next = this.starts[line];
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, '');
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** The whole of a line from its first non-blank character, a readable default range. */
  lineRegion(line: number): Region {
    const t = this.lineText(line);
    const first = t.length - t.trimStart().length;
    return { line, column: first + 1, endLine: line, endColumn: Math.max(first + 2, t.trimEnd().length + 1) };
  }
}

/** An empty region (an insertion point) at the start of a line. */
export function insertAt(line: number, column = 1): Region {
  return { line, column, endLine: line, endColumn: column };
}
