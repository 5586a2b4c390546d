import type { DockerClient } from './client';
import { claimContainerName, removeContainer } from './commands';
import { environmentError } from '../errors';

/** Rounds before giving up on a name whose holder never shows up as a container (each round is two docker calls). */
const MAX_ROUNDS = 10;

/**
 * Makes sure a `docker run` or `docker create` whose client was killed (a cancel) leaves no container, without
 * waiting to see whether the daemon still creates one. The daemon reserves a container's name atomically at create,
 * so a create of our own under the same name settles it: when ours is created, the killed one can no longer create
 * anything (ours is then removed); when the name is taken, the killed one's container exists (or is being
 * registered) and is removed, again until it is gone. Resolves to whether the killed command's container existed.
 */
export async function settleKilledCreate(
  docker: DockerClient,
  runArgs: readonly string[],
  signal?: AbortSignal,
): Promise<{ name: string; existed: boolean }> {
  const name = runArgs[runArgs.indexOf('--name') + 1];
  if (!runArgs.includes('--name') || !name) throw new Error(`a container create without --name: ${runArgs.join(' ')}`);
  let existed = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const claim = await docker.exec(claimContainerName(runArgs), { signal });
    const removed = await docker.exec(removeContainer(name), { signal });
    existed ||= claim === 'taken';
    // Taken but not found: the killed create holds the name and has not registered its container yet.
    if (claim === 'claimed' || removed) return { name, existed };
  }
  throw environmentError(
    `The container name ${name} stayed reserved without a container after ${MAX_ROUNDS} attempts to remove it.`,
    'Check `docker ps -a` for it and run `release-operator cleanup`.',
  );
}
