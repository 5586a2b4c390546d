import { open } from 'node:fs/promises';
import { CancelledError, ReleaseOperatorError, environmentError } from '../errors';
import { list, num, obj, str } from '../untrusted';
import type { GitHubClient, RepoRef } from './client';
import { isHttpError, toUserError } from './errors';
import { mapRelease } from './map';
import { listReleases } from './releases';
import type { Release } from './types';

/** One file attached to a Release. */
export interface ReleaseAsset {
  id: number;
  name: string;
  size: number;
  contentType: string;
  /** "uploaded", or "open" while an upload is still running. */
  state: string;
}

/**
 * The Release of a tag, a draft included: GitHub's by-tag route answers only published Releases, so a draft (the
 * state a release workflow leaves a Release in until its assets are checked) is found among all Releases, which
 * GitHub lists with drafts for a token that may push. Undefined when there is none.
 */
export async function findRelease(
  gh: GitHubClient,
  repo: RepoRef,
  tag: string,
  signal?: AbortSignal,
): Promise<Release | undefined> {
  try {
    const { data } = await gh.octokit.request('GET /repos/{owner}/{repo}/releases/tags/{tag}', {
      owner: repo.owner,
      repo: repo.name,
      tag,
      request: { signal },
    });
    return mapRelease(data);
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    if (!(isHttpError(e) && e.status === 404))
      throw toUserError(e, `read the Release ${tag} of ${repo.owner}/${repo.name}`);
  }
  const all = await listReleases(gh, repo, signal);
  return all.find((r) => r.tag === tag && r.draft);
}

/** Every asset of a Release (GitHub allows 1000), 100 a page. */
export async function listReleaseAssets(
  gh: GitHubClient,
  repo: RepoRef,
  releaseId: number,
  signal?: AbortSignal,
): Promise<ReleaseAsset[]> {
  const out: ReleaseAsset[] = [];
  for (let page = 1; page <= 10; page++) {
    const { data } = await gh.call(
      'GET /repos/{owner}/{repo}/releases/{release_id}/assets',
      { owner: repo.owner, repo: repo.name, release_id: releaseId, per_page: 100, page },
      `list the assets of Release ${releaseId} of ${repo.owner}/${repo.name}`,
      'repo',
      signal,
    );
    const items = list(data);
    for (const a of items.map(obj))
      out.push({
        id: num(a.id),
        name: str(a.name),
        size: num(a.size),
        contentType: str(a.content_type),
        state: str(a.state, 'uploaded'),
      });
    if (items.length < 100) break;
  }
  return out;
}

export interface DownloadOptions {
  /** More bytes than this (announced or sent) is a limit error; `onLimit` makes it (limits.assetMegabytes). */
  maxBytes: number;
  onLimit(bytes: number): ReleaseOperatorError;
  /** No byte for this long ends the download (ms). */
  idleMs?: number;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;

/**
 * Downloads an asset through the API (which works for drafts, unlike the browser URL) into `dest`, created anew.
 * GitHub answers with a redirect to its storage host, a signed URL: it is followed by hand, and the token goes to
 * GitHub's own origin only, never to where it redirects. The body streams to disk, held to `maxBytes` and an
 * idle timeout; nothing is kept in memory.
 */
export async function downloadReleaseAsset(
  gh: GitHubClient,
  repo: RepoRef,
  asset: Pick<ReleaseAsset, 'id' | 'name'>,
  dest: string,
  opts: DownloadOptions,
): Promise<{ bytes: number; from: string }> {
  const what = `download the asset ${asset.name} of ${repo.owner}/${repo.name}`;
  const base = gh.apiUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  let url = `${base}/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/releases/assets/${asset.id}`;
  const idleMs = opts.idleMs ?? 30_000;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), idleMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
    const here = new URL(url);
    const ours = here.origin === origin;
    let res: Response;
    try {
      res = await gh.fetchImpl(url, {
        redirect: 'manual',
        signal,
        headers: {
          ...(ours ? { authorization: gh.authorization } : {}),
          accept: 'application/octet-stream',
          'user-agent': 'release-operator',
        },
      });
    } catch (e) {
      clearTimeout(timer);
      if (opts.signal?.aborted) throw new CancelledError();
      throw environmentError(
        idle.signal.aborted
          ? `${here.host} did not answer within ${Math.round(idleMs / 1000)} s when trying to ${what}.`
          : `Cannot reach ${here.host} to ${what}: ${e instanceof Error ? e.message : String(e)}.`,
        'Check the network and try again.',
      );
    }
    try {
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        url = new URL(res.headers.get('location')!, url).href;
        continue;
      }
      if (res.status !== 200) {
        const body = await res.text().catch(() => '');
        if (!ours)
          throw environmentError(
            `The asset host ${here.host} answered ${res.status} when trying to ${what}.`,
            'Its signed link may have expired; try again.',
          );
        throw toUserError(
          { status: res.status, message: res.statusText, response: { headers: headersOf(res), data: safeJson(body) } },
          what,
        );
      }
      const announced = Number(res.headers.get('content-length') ?? 0);
      if (announced > opts.maxBytes) throw opts.onLimit(announced);
      const fh = await open(dest, 'wx', 0o600);
      let bytes = 0;
      try {
        for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
          clearTimeout(timer);
          timer = setTimeout(() => idle.abort(), idleMs);
          bytes += chunk.length;
          if (bytes > opts.maxBytes) throw opts.onLimit(bytes);
          await fh.write(chunk);
        }
      } catch (e) {
        if (e instanceof ReleaseOperatorError) throw e;
        if (opts.signal?.aborted) throw new CancelledError();
        throw environmentError(
          idle.signal.aborted
            ? `${here.host} sent no byte for ${Math.round(idleMs / 1000)} s when trying to ${what}.`
            : `The download broke off when trying to ${what}: ${e instanceof Error ? e.message : String(e)}.`,
          'Try again.',
        );
      } finally {
        await fh.close();
      }
      return { bytes, from: here.host };
    } finally {
      clearTimeout(timer);
      await res.body?.cancel().catch(() => undefined);
    }
  }
  throw environmentError(`More than ${MAX_REDIRECTS} redirects when trying to ${what}.`);
}

const headersOf = (res: Response): Record<string, string> => Object.fromEntries(res.headers.entries());

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) };
  }
}
