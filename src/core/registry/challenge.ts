/**
 * WWW-Authenticate challenges as registries send them:
 *   Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/n:pull"
 *   Basic realm="Registry Realm"
 */
export interface Challenge {
  scheme: 'bearer' | 'basic' | string;
  params: Record<string, string>;
}

export function parseChallenge(header: string | null | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = m[2];
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest))) {
    // Defined, not assigned: a parameter named __proto__ is a parameter like any other, not the object's prototype.
    Object.defineProperty(params, p[1].toLowerCase(), {
      value: p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** The scope string for a repository: repository:owner/name:pull, :pull,push or :delete. */
export function repositoryScope(repository: string, actions: string): string {
  return `repository:${repository}:${actions}`;
}
