import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The work tree around `dir` as git would find it, without starting git: the nearest folder, from `dir` up, that
 * holds a `.git` entry that git takes for one: a folder with a HEAD (a folder without one is passed over, as git
 * passes it over), or the `gitdir:` file of a linked worktree or a submodule. Paths are real paths, as
 * `git rev-parse --show-toplevel` gives them. The CLI reads its configuration from there before its first request,
 * and a git process costs about 10 ms of that (more on a loaded machine).
 *
 * Null when there is no `.git` from `dir` up to the file system's root: git finds no work tree there either.
 * Undefined where only git can say: the environment moves or bounds the repository (GIT_DIR, GIT_WORK_TREE,
 * GIT_CEILING_DIRECTORIES, GIT_DISCOVERY_ACROSS_FILESYSTEM), `dir` cannot be read, or a `.git` file is not a
 * `gitdir:` line (git refuses it with its own words). The caller then asks git
 * (GitRepo.open), which also says why there is no repository.
 */
export async function findWorkTree(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null | undefined> {
  if (env.GIT_DIR || env.GIT_WORK_TREE || env.GIT_CEILING_DIRECTORIES || env.GIT_DISCOVERY_ACROSS_FILESYSTEM)
    return undefined;
  let at: string;
  try {
    at = await realpath(dir);
  } catch {
    return undefined;
  }
  for (;;) {
    const dotGit = await kindOf(path.join(at, '.git'));
    if (dotGit === 'repository') return at;
    if (dotGit === 'unknown') return undefined;
    const up = path.dirname(at);
    if (up === at) return null;
    at = up;
  }
}

/** A `.git` entry: a repository git would take, nothing (absent, or a folder without HEAD), or one only git can judge. */
async function kindOf(p: string): Promise<'repository' | 'none' | 'unknown'> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return 'none';
  if (s.isDirectory())
    return (await stat(path.join(p, 'HEAD')).catch(() => undefined))?.isFile() ? 'repository' : 'none';
  if (!s.isFile() || s.size > 4096) return 'unknown';
  return (await readFile(p, 'utf8').catch(() => '')).startsWith('gitdir: ') ? 'repository' : 'unknown';
}
