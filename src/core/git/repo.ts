import path from 'node:path';
import { environmentError, usageError } from '../errors';
import { runProcess, type Runner, type RunResult, lastLine } from '../process/run';
import { parseRemoteUrl, type Remote } from './remote';

export interface GitTag {
  name: string;
  /** The commit the tag points at (peeled for annotated tags). */
  commit: string;
  /** Creator date as ISO text (tagger date for annotated tags, commit date otherwise). */
  date: string;
}

export interface RepoFacts {
  root: string;
  head?: string;
  branch?: string;
  remotes: Remote[];
  tags: GitTag[];
}

const GIT_HINT = 'Install git (apt-get install git) or put it on PATH.';
const TAG_FORMAT = '%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(creatordate:iso-strict)';

/** git could not be started in `dir`: a folder that does not exist is a usage error. */
const notFound =
  (dir: string) =>
  (e: unknown): never => {
    if ((e as { code?: string }).code === 'ENOENT') throw usageError(`Folder ${dir} does not exist.`);
    throw e;
  };

function openError(dir: string, r: RunResult): Error {
  if (/not a git repository/i.test(r.stderr)) {
    return usageError(
      `${dir} is not inside a git repository.`,
      'Run the command in a clone of the repository you release, or pass --cwd DIR.',
    );
  }
  return environmentError(
    `git could not read ${dir}: ${lastLine(r)}`,
    'Check that the folder is readable and git works there.',
  );
}

/** `git remote -v`: one entry per remote (its fetch URL, which git lists first). */
function parseRemotes(out: string): Remote[] {
  const seen = new Map<string, Remote>();
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+(\S+)\s+\((fetch|push)\)$/.exec(line.trim());
    if (!m || seen.has(m[1])) continue;
    seen.set(m[1], { name: m[1], url: m[2], repo: parseRemoteUrl(m[2]) });
  }
  return [...seen.values()];
}

function parseTags(out: string): GitTag[] {
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, obj, peeled, date] = line.split('\0');
      return { name, commit: peeled || obj, date };
    });
}

/** Reads repository facts with git itself, so worktrees, packed refs and odd layouts all just work. */
export class GitRepo {
  private constructor(
    readonly root: string,
    private readonly run: Runner,
  ) {}

  /** Finds the repository that contains `dir`; a usage error (exit 2) when there is none. */
  static async open(dir: string, run: Runner = runProcess): Promise<GitRepo> {
    const r = await run('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      timeoutMs: 15_000,
      missingHint: GIT_HINT,
    }).catch(notFound(dir));
    if (r.exitCode !== 0) throw openError(dir, r);
    return new GitRepo(r.stdout.trim(), run);
  }

  /**
   * The repository around `dir` and its facts, with three git processes started at once (from `dir`: git finds
   * the repository itself): rev-parse for the root, HEAD and its branch; for-each-ref for the tags; remote -v.
   * The same facts as open() then facts(), which take five processes, two of them one after the other.
   */
  static async read(dir: string, run: Runner = runProcess): Promise<{ repo: GitRepo; facts: RepoFacts }> {
    const opts = { cwd: dir, timeoutMs: 30_000, missingHint: GIT_HINT };
    // Settled together, so that no process is left unawaited when one of them fails.
    const [where, tagsOut, remotesOut] = await Promise.allSettled([
      run('git', ['rev-parse', '--show-toplevel', 'HEAD', '--symbolic-full-name', 'HEAD', '--'], opts),
      run('git', ['for-each-ref', `--format=${TAG_FORMAT}`, 'refs/tags'], opts),
      run('git', ['remote', '-v'], opts),
    ]);
    if (where.status === 'rejected') return notFound(dir)(where.reason);
    const w = where.value;
    const [root, ...rest] = w.stdout.split('\n').map((l) => l.trim());
    // The root comes first, so it is there even when HEAD could not be read.
    if (!root || !path.isAbsolute(root)) throw openError(dir, w);
    const repo = new GitRepo(root, run);
    let head: string | undefined;
    let branch: string | undefined;
    if (w.exitCode === 0) {
      // HEAD's commit, then its full name: refs/heads/NAME on a branch, HEAD itself when detached (then '--').
      head = rest[0] || undefined;
      branch = rest[1]?.startsWith('refs/heads/') ? rest[1].slice('refs/heads/'.length) : undefined;
    } else {
      // HEAD names no commit yet (an unborn branch: "bad revision 'HEAD'"), so ask as open() and facts() do.
      [head, branch] = await Promise.all([repo.head(), repo.branch()]);
    }
    const out = (r: PromiseSettledResult<RunResult>, what: string): string => {
      if (r.status === 'rejected') throw r.reason;
      if (r.value.exitCode !== 0) throw environmentError(`git ${what} failed in ${root}: ${lastLine(r.value)}`);
      return r.value.stdout;
    };
    return {
      repo,
      facts: {
        root,
        head,
        branch,
        remotes: parseRemotes(out(remotesOut, 'remote')),
        tags: parseTags(out(tagsOut, 'for-each-ref')),
      },
    };
  }

  private async git(args: string[], allowFail = false): Promise<string> {
    const r = await this.run('git', args, { cwd: this.root, timeoutMs: 30_000, missingHint: GIT_HINT });
    if (r.exitCode !== 0) {
      if (allowFail) return '';
      throw environmentError(`git ${args[0]} failed in ${this.root}: ${lastLine(r)}`);
    }
    return r.stdout;
  }

  async head(): Promise<string | undefined> {
    return (await this.git(['rev-parse', '--verify', '-q', 'HEAD'], true)).trim() || undefined;
  }

  async branch(): Promise<string | undefined> {
    return (await this.git(['symbolic-ref', '--short', '-q', 'HEAD'], true)).trim() || undefined;
  }

  async remotes(): Promise<Remote[]> {
    return parseRemotes(await this.git(['remote', '-v']));
  }

  async tags(): Promise<GitTag[]> {
    return parseTags(await this.git(['for-each-ref', `--format=${TAG_FORMAT}`, 'refs/tags']));
  }

  async facts(): Promise<RepoFacts> {
    const [head, branch, remotes, tags] = await Promise.all([this.head(), this.branch(), this.remotes(), this.tags()]);
    return { root: this.root, head, branch, remotes, tags };
  }

  /** Reads a file at a revision without touching the work tree. */
  async show(rev: string, file: string): Promise<string | undefined> {
    const r = await this.run('git', ['show', `${rev}:${file}`], { cwd: this.root, timeoutMs: 30_000 });
    return r.exitCode === 0 ? r.stdout : undefined;
  }
}
