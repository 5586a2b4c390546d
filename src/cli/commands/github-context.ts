import { usageError } from '../../core/errors';
import { limitsFrom } from '../../core/limits';
import { pickGitHubRemote } from '../../core/git/remote';
import type { RepoRef } from '../../core/github';
import { askYesNo, canAsk } from '../confirm';
import type { CliContext } from '../framework';

/** What the GitHub commands share: the repository (from --repo or the git remote) and a client. */
export async function githubContext(ctx: CliContext, repoFlag?: string) {
  const { config, root } = await ctx.config();
  const repo = repoFlag ? parseRepoFlag(repoFlag) : await repoFromRemote(ctx.cwd);
  const [{ GitHubClient, cliTokenSource }, { runProcess }] = await Promise.all([
    import('../../core/github'),
    import('../../core/process/run'),
  ]);
  const gh = await GitHubClient.create({
    apiUrl: config.github.apiUrl,
    token: cliTokenSource(ctx.io.env, runProcess, config.github.apiUrl),
    logger: ctx.logger,
    limits: limitsFrom(config),
  });
  return { config, root, repo, gh };
}

export function parseRepoFlag(text: string): RepoRef {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(text.trim());
  if (!m) throw usageError(`--repo expects OWNER/NAME; got '${text}'.`);
  return { owner: m[1], name: m[2] };
}

async function repoFromRemote(cwd: string): Promise<RepoRef> {
  const { GitRepo } = await import('../../core/git/repo');
  const repo = await GitRepo.open(cwd);
  const remote = pickGitHubRemote(await repo.remotes());
  if (!remote?.repo)
    throw usageError(
      `No GitHub remote in ${repo.root}.`,
      'Add one (git remote add origin https://github.com/OWNER/NAME) or pass --repo OWNER/NAME.',
    );
  return { owner: remote.repo.owner, name: remote.repo.name };
}

export function parseId(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw usageError(`${what} must be a number; got '${text}'.`, 'IDs are shown by `runs` (runs) and `run ID` (jobs).');
  return Number(text.trim());
}

/**
 * Asks before a destructive action. --yes skips the question; without a terminal and without --yes the command
 * refuses (exit 2) rather than act unasked.
 */
export async function confirm(
  ctx: CliContext,
  question: string,
  yes: boolean | undefined,
  flagHint: string,
): Promise<void> {
  if (yes) return;
  if (!canAsk(ctx))
    throw usageError(
      `${question} needs confirmation, and there is no terminal to ask.`,
      `Pass --yes to ${flagHint} without asking.`,
    );
  const ok = await askYesNo(ctx, question);
  if (!ok) throw usageError('Not confirmed; nothing was changed.');
}
