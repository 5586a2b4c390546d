/**
 * Readers for data that came from outside (API answers, YAML and JSON files): a field of the wrong type becomes a
 * safe default instead of flowing on as `any`. A string where a list belongs is no list of one-character items.
 */
export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
export const optStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const nullableStr = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
export const optNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
