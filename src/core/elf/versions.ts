/** Version names like GLIBC_2.2.5, GLIBCXX_3.4.30, GCC_7.0.0: a family and a dotted number. */
export interface VersionName {
  family: string;
  numbers: number[];
}

function splitVersion(name: string): VersionName | undefined {
  const m = /^([A-Za-z][A-Za-z0-9_]*?)_(\d+(?:\.\d+)*)$/.exec(name);
  return m ? { family: m[1], numbers: m[2].split('.').map(Number) } : undefined;
}

/** Compares dotted numbers ("2.2.5" < "2.3" < "2.38"); non-numeric parts compare as 0. */
export function compareDotted(a: string | number[], b: string | number[]): number {
  const x = typeof a === 'string' ? a.split('.').map((n) => Number(n) || 0) : a;
  const y = typeof b === 'string' ? b.split('.').map((n) => Number(n) || 0) : b;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** "GLIBC_2.38" -> "2.38"; undefined for other families and GLIBC_PRIVATE. */
export function glibcVersionOf(name: string): string | undefined {
  const v = splitVersion(name);
  return v && v.family === 'GLIBC' ? v.numbers.join('.') : undefined;
}

/** The highest of some dotted versions, or undefined. */
export function maxVersion(versions: Iterable<string | undefined>): string | undefined {
  let best: string | undefined;
  for (const v of versions) if (v && (!best || compareDotted(v, best) > 0)) best = v;
  return best;
}
