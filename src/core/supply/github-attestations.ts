/**
 * GitHub artifact attestations of a digest: GET /repos/{owner}/{repo}/attestations/{subject_digest}, paged by the
 * `after` cursor in the Link header. An entry carries its Sigstore bundle inline (`bundle`) or at `bundle_url`
 * (blob storage, snappy-compressed: the `.json.sn` files; GitHub's description drops `bundle` from 2026-03-10).
 * A 404 means none. What comes back is only found here; supply/verify.ts decides whether it holds.
 */
import { uncompress } from 'snappyjs';
import { isLoopbackRegistry } from '../registry';
import type { GitHubClient, RepoRef } from '../github';
import { isObject } from './intoto';

export interface GitHubAttestation {
  /** The bundle JSON, or why it could not be had. */
  bundle?: unknown;
  problem?: string;
  /** Where it came from: 'inline' or the bundle URL's host. */
  from: string;
}

const MAX_PAGES = 20;
const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

export async function listGitHubAttestations(
  gh: GitHubClient,
  repo: RepoRef,
  digest: string,
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<GitHubAttestation[]> {
  const out: GitHubAttestation[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let res: { data: unknown; headers: Record<string, unknown> };
    try {
      res = await gh.call(
        'GET /repos/{owner}/{repo}/attestations/{subject_digest}',
        { owner: repo.owner, repo: repo.name, subject_digest: digest, per_page: 100, ...(after ? { after } : {}) },
        `list the attestations of ${digest} in ${repo.owner}/${repo.name}`,
        'repo',
        options.signal,
      );
    } catch (e) {
      if (/\(404\)/.test((e as Error).message)) return out; // GitHub answers 404 when there are none
      throw e;
    }
    const list = isObject(res.data) && Array.isArray(res.data.attestations) ? res.data.attestations : [];
    for (const entry of list) out.push(await bundleOf(entry, options.fetch ?? fetch, options.signal));
    after = afterCursor(res.headers.link);
    if (!after || list.length === 0) break;
  }
  return out;
}

async function bundleOf(entry: unknown, fetchFn: typeof fetch, signal?: AbortSignal): Promise<GitHubAttestation> {
  if (isObject(entry) && isObject(entry.bundle)) return { bundle: entry.bundle, from: 'inline' };
  const url = isObject(entry) && typeof entry.bundle_url === 'string' ? entry.bundle_url : undefined;
  if (!url) return { from: 'inline', problem: 'the entry has neither bundle nor bundle_url' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { from: 'bundle_url', problem: `bundle_url ${url} is not a URL` };
  }
  // Blob storage is reached without GitHub's token (a signed URL); plain HTTP only on loopback (tests).
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackRegistry(u.host)))
    return { from: u.host, problem: `bundle_url ${u.origin} is not HTTPS` };
  try {
    const res = await fetchFn(u, { signal, redirect: 'follow' });
    if (!res.ok) return { from: u.host, problem: `bundle_url answered HTTP ${res.status}` };
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > MAX_BUNDLE_BYTES) return { from: u.host, problem: 'the bundle is larger than 16 MiB' };
    const text = bytes[0] === 0x7b ? bytes : Buffer.from(uncompress(bytes, MAX_BUNDLE_BYTES));
    return { bundle: JSON.parse(text.toString('utf8')) as unknown, from: u.host };
  } catch (e) {
    return { from: u.host, problem: `the bundle at bundle_url could not be read: ${(e as Error).message}` };
  }
}

/** The `after` cursor of Link's rel="next". */
function afterCursor(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1];
  if (!next) return undefined;
  try {
    return new URL(next).searchParams.get('after') ?? undefined;
  } catch {
    return undefined;
  }
}
