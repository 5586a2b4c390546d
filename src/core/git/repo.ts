import { environmentError, usageError } from '../errors';
import { runProcess, type Runner, lastLine } from '../process/run';
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

/** Reads repository facts with git itself, so worktrees, packed refs and odd layouts all just work. */
export class GitRepo {
  private constructor(
    readonly root: string,
    private readonly run: Runner,
  ) {}

  /** Finds the repository that contains `dir`; a usage error (exit 2) when there is none. */
  static async open(dir: string, run: Runner = runProcess): Promise<GitRepo> {
    const r = await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir, timeoutMs: 15_000, missingHint: GIT_HINT }).catch((e) => {
      if ((e as { code?: string }).code === 'ENOENT') throw usageError(`Folder ${dir} does not exist.`);
      throw e;
    });
    if (r.exitCode !== 0) {
      if (/not a git repository/i.test(r.stderr)) {
        throw usageError(`${dir} is not inside a git repository.`, 'Run the command in a clone of the repository you release, or pass --cwd DIR.');
      }
      throw environmentError(`git could not read ${dir}: ${lastLine(r)}`, 'Check that the folder is readable and git works there.');
    }
    return new GitRepo(r.stdout.trim(), run);
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
    const out = await this.git(['remote', '-v']);
    const seen = new Map<string, Remote>();
    for (const line of out.split('\n')) {
      const m = /^(\S+)\s+(\S+)\s+\((fetch|push)\)$/.exec(line.trim());
      if (!m || seen.has(m[1])) continue;
      seen.set(m[1], { name: m[1], url: m[2], repo: parseRemoteUrl(m[2]) });
    }
    return [...seen.values()];
  }

  async tags(): Promise<GitTag[]> {
    const fmt = '%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(creatordate:iso-strict)';
    const out = await this.git(['for-each-ref', `--format=${fmt}`, 'refs/tags']);
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, obj, peeled, date] = line.split('\0');
        return { name, commit: peeled || obj, date };
      });
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
