import { usageError } from '../errors';
import type { Runner } from '../process/run';
import { registerSecret } from '../redact';

/**
 * Where a GitHub token comes from. The CLI reads GITHUB_TOKEN (or GH_TOKEN) and falls back to `gh auth token`;
 * the extension passes a function over its VS Code authentication session. Whatever the source, the token is
 * registered as a secret before anyone else sees it.
 */
export type TokenSource = () => Promise<string | undefined>;

/** Scopes a classic token needs for everything the product does. */
export const GITHUB_SCOPES = ['repo', 'workflow', 'read:packages'] as const;

export function cliTokenSource(env: NodeJS.ProcessEnv, run: Runner, apiUrl: string): TokenSource {
  let cached: Promise<string | undefined> | undefined;
  return () =>
    (cached ??= (async () => {
      const fromEnv = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim();
      if (fromEnv) return fromEnv;
      const host = hostOfApi(apiUrl);
      const r = await run('gh', ['auth', 'token', '--hostname', host], { timeoutMs: 15_000 }).catch(() => undefined);
      const token = r && r.exitCode === 0 ? r.stdout.trim() : '';
      return token || undefined;
    })());
}

/** Resolves a token source, registering the token; a usage error naming the scopes when there is none. */
export async function requireToken(source: TokenSource): Promise<string> {
  const token = (await source())?.trim();
  if (!token) {
    throw usageError(
      'No GitHub token.',
      `Set GITHUB_TOKEN to a token with the scopes ${GITHUB_SCOPES.join(', ')} (or run \`gh auth login --scopes ${GITHUB_SCOPES.join(',')}\`).`,
    );
  }
  registerSecret(token);
  return token;
}

/** github.com for the public API, the host itself for GitHub Enterprise (https://HOST/api/v3). */
export function hostOfApi(apiUrl: string): string {
  try {
    const host = new URL(apiUrl).host;
    return host === 'api.github.com' ? 'github.com' : host;
  } catch {
    return 'github.com';
  }
}
