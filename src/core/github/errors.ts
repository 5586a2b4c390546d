import { ReleaseOperatorError, environmentError, usageError } from '../errors';
import { neutralize } from '../neutralize';

/** The parts of Octokit's RequestError this module reads (kept structural so tests can build one). */
export interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}

export function isHttpError(e: unknown): e is HttpErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as HttpErrorLike).status === 'number' && 'message' in e;
}

const header = (e: HttpErrorLike, name: string) => {
  const v = e.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
};
const scopeList = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A scope implies the narrower ones (repo covers public_repo, write:packages covers read:packages). */
function grants(have: string[], need: string): boolean {
  if (have.includes(need)) return true;
  if (need === 'public_repo' || need.startsWith('repo:')) return have.includes('repo');
  if (need === 'read:packages') return have.includes('write:packages') || have.includes('delete:packages');
  return false;
}

/** The scopes GitHub said the request needs that the token does not have (classic tokens only send these headers). */
export function missingScopes(e: HttpErrorLike, fallbackNeed?: string): string[] {
  const have = header(e, 'x-oauth-scopes');
  if (have === undefined) return [];
  const granted = scopeList(have);
  const accepted = scopeList(header(e, 'x-accepted-oauth-scopes'));
  if (accepted.length) return accepted.some((s) => grants(granted, s)) ? [] : [accepted[0]];
  return fallbackNeed && !grants(granted, fallbackNeed) ? [fallbackNeed] : [];
}

function githubMessage(e: HttpErrorLike): string {
  const data = e.response?.data as { message?: string; errors?: Array<{ message?: string } | string> } | undefined;
  const errors = Array.isArray(data?.errors) ? data.errors.slice(0, 5) : [];
  const extra = errors.map((x) => (typeof x === 'string' ? x : x?.message)).filter((x) => typeof x === 'string');
  const message = typeof data?.message === 'string' ? data.message : e.message;
  // The server's own words, in one of our messages: one line, bounded.
  return neutralize([message, ...extra].join('; '), 400);
}

/**
 * Turns an HTTP failure into a message for a person: what failed, why, what to do. `what` says what was being
 * done ("list the runs of owner/name"); `scope` is the classic-token scope the operation needs.
 */
export function toUserError(e: unknown, what: string, scope = 'repo'): unknown {
  if (e instanceof ReleaseOperatorError || !isHttpError(e)) return e;
  const status = e.status;
  if (status === 401)
    return usageError(
      `GitHub refused the token while trying to ${what} (401 Bad credentials).`,
      'Set GITHUB_TOKEN to a valid token, or run `gh auth login` again.',
    );
  if (status === 403 || status === 404) {
    const missing = missingScopes(e, status === 404 ? undefined : scope);
    if (missing.length) {
      return usageError(
        `The GitHub token lacks the '${missing[0]}' scope needed to ${what}.`,
        `Create a token with the '${missing[0]}' scope (or run \`gh auth refresh --scopes ${missing[0]}\`), then try again.`,
      );
    }
  }
  if (status === 404) {
    const have = header(e, 'x-oauth-scopes');
    const hint =
      have !== undefined && !grants(scopeList(have), scope)
        ? `If it is private, the token needs the '${scope}' scope (it has: ${have || 'none'}).`
        : 'Check the repository and ID; a private repository also answers 404 to a token that cannot see it.';
    return usageError(`GitHub could not find what was asked when trying to ${what} (404).`, hint);
  }
  if (status === 403 || status === 429)
    return environmentError(
      `GitHub refused to ${what}: ${githubMessage(e)} (${status}).`,
      "Wait for the rate limit to reset, or check the token's permissions.",
    );
  if (status === 422 || status === 400 || status === 409)
    return usageError(`GitHub refused to ${what}: ${githubMessage(e)} (${status}).`);
  if (status >= 500 || status === 0)
    return environmentError(
      `GitHub failed to ${what}: ${githubMessage(e)} (${status}).`,
      'GitHub may be having trouble; try again in a minute.',
    );
  return environmentError(`GitHub answered ${status} when trying to ${what}: ${githubMessage(e)}.`);
}
