/** A GitHub (or GitHub Enterprise) repository named by a git remote URL. */
export interface GitHubRepo {
  host: string;
  owner: string;
  name: string;
}

/**
 * Parses the remote URL shapes git accepts: https://host/owner/name(.git), ssh://git@host[:port]/owner/name,
 * git@host:owner/name (scp-like), git://host/owner/name. Returns undefined for anything else (a local path).
 */
export function parseRemoteUrl(url: string): GitHubRepo | undefined {
  const u = url.trim();
  let host: string | undefined;
  let repoPath: string | undefined;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(u);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
    try {
      const parsed = new URL(u);
      if (!['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:'].includes(parsed.protocol)) return undefined;
      host = parsed.hostname;
      repoPath = decodeURIComponent(parsed.pathname);
    } catch {
      return undefined;
    }
  } else if (scp) {
    host = scp[1];
    repoPath = scp[2];
  }
  if (!host || !repoPath) return undefined;
  const parts = repoPath
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  const valid = /^[A-Za-z0-9_.-]+$/;
  if (!valid.test(parts[0]) || !valid.test(parts[1])) return undefined;
  return { host: host.toLowerCase(), owner: parts[0], name: parts[1] };
}

export interface Remote {
  name: string;
  url: string;
  repo?: GitHubRepo;
}

/**
 * Picks the GitHub repository among the remotes: `upstream`-style forks are common, so prefer `origin` when it
 * is on GitHub, then any remote on github.com, then any remote that parses (GitHub Enterprise).
 */
export function pickGitHubRemote(remotes: Remote[], preferHost?: string): Remote | undefined {
  const parsed = remotes.filter((r) => r.repo);
  const onHost = (r: Remote) => (preferHost ? r.repo!.host === preferHost : r.repo!.host === 'github.com');
  return (
    parsed.find((r) => r.name === 'origin' && onHost(r)) ??
    parsed.find(onHost) ??
    parsed.find((r) => r.name === 'origin') ??
    parsed[0]
  );
}
