/**
 * The editor face's decisions that do not need VS Code (so they are unit-tested without it): which documents
 * are linted, debouncing per document, positions (VS Code is 0-based, findings 1-based). Hover text, which needs
 * the rules, is in logic.ts; this file stays light, so that activation does not load the lint engine.
 */
import { fileKind } from '../../core/lint/kind';
import type { FileKind, Finding, Region, TextEdit } from '../../core/lint/types';

/** Dockerfiles and .github/workflows/*.y?ml on disk; everything else is left alone. */
export function lintKindFor(uri: { scheme: string; fsPath: string }): FileKind | undefined {
  if (uri.scheme !== 'file') return undefined;
  return fileKind(uri.fsPath, false);
}

export interface Range0 {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

export function toRange0(r: Region): Range0 {
  return { startLine: r.line - 1, startCharacter: r.column - 1, endLine: r.endLine - 1, endCharacter: r.endColumn - 1 };
}

export function edits0(edits: TextEdit[]): Array<Range0 & { newText: string }> {
  return edits.map((e) => ({ ...toRange0(e.region), newText: e.newText }));
}

export function contains(r: Region, line0: number, character0: number): boolean {
  const l = line0 + 1;
  const c = character0 + 1;
  if (l < r.line || l > r.endLine) return false;
  if (l === r.line && c < r.column) return false;
  if (l === r.endLine && c > r.endColumn) return false;
  return true;
}

/** The finding a diagnostic stands for (same rule, same start). */
export function findingFor(findings: Finding[], code: string, range: Range0): Finding | undefined {
  return findings.find(
    (f) => f.ruleId === code && f.region.line - 1 === range.startLine && f.region.column - 1 === range.startCharacter,
  );
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Runs the last scheduled action per key once typing pauses for `ms`. */
export class Debouncer {
  private readonly pending = new Map<string, unknown>();
  constructor(
    private readonly ms: number,
    private readonly timers: Timers = realTimers,
  ) {}

  schedule(key: string, action: () => void): void {
    this.cancel(key);
    this.pending.set(
      key,
      this.timers.set(() => {
        this.pending.delete(key);
        action();
      }, this.ms),
    );
  }

  cancel(key: string): void {
    const h = this.pending.get(key);
    if (h !== undefined) this.timers.clear(h);
    this.pending.delete(key);
  }

  dispose(): void {
    for (const k of [...this.pending.keys()]) this.cancel(k);
  }
}
