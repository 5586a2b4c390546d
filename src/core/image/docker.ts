import { checkError, environmentError } from '../errors';
import { lastLine, type Runner } from '../process/run';
import { imageFromArchive, readSavedArchive, type SavedArchive } from './saved';
import type { PlatformImage } from './source';

const MISSING_HINT = 'Install Docker or set dockerPath / --docker.';

/**
 * A local Docker image, read through `docker save`: no container is created (nothing to clean up in the engine,
 * and an image of another platform is read just the same). `docker image inspect` gives the platform up front;
 * read() streams `docker save IMAGE` from the pipe and reads each layer as it passes (nothing is written to disk),
 * then applies the layers in the order the archive's manifest.json gives, which comes last.
 */
export async function localDockerImage(runner: Runner, docker: string, image: string, signal?: AbortSignal): Promise<PlatformImage> {
  const inspect = await runner(docker, ['image', 'inspect', '--format', '{{json .}}', image], { signal, timeoutMs: 60_000, missingHint: MISSING_HINT });
  if (inspect.exitCode !== 0) {
    const why = lastLine(inspect);
    if (/no such image/i.test(why)) throw checkError(`No local Docker image ${image}.`, 'Build or pull it first, or give a registry reference (docker://REF).');
    throw environmentError(`docker image inspect ${image} failed: ${why}`, 'Is the Docker engine running? Check `docker info`.');
  }
  let info: { Id?: string; Os?: string; Architecture?: string; Variant?: string; RootFS?: { Layers?: unknown[] } };
  try {
    info = JSON.parse(inspect.stdout);
  } catch {
    throw environmentError(`docker image inspect ${image} did not answer with JSON.`, 'Check the docker executable (dockerPath / --docker).');
  }
  const platform = [info.Os || 'linux', info.Architecture || 'unknown', info.Variant].filter(Boolean).join('/');
  return {
    platform,
    source: image,
    layerCount: Array.isArray(info.RootFS?.Layers) ? info.RootFS.Layers.length : 0,
    read: async (readSignal) => {
      const what = `docker save of ${image}`;
      let archive: SavedArchive | undefined;
      const save = await runner(docker, ['save', image], {
        signal: readSignal,
        timeoutMs: 600_000,
        missingHint: MISSING_HINT,
        consumeStdout: async (stdout) => void (archive = await readSavedArchive(stdout, what, readSignal)),
      });
      if (save.exitCode !== 0) {
        throw environmentError(`docker save ${image} failed: ${save.timedOut ? 'no end after 10 minutes' : lastLine(save) || `exit code ${save.exitCode}`}`, 'Check that the Docker engine is running (`docker info`) and try again.');
      }
      if (!archive) throw environmentError(`docker save ${image} gave no archive.`, 'The runner in use does not stream stdout (RunOptions.consumeStdout).');
      return imageFromArchive(archive, { imageId: info.Id, platform });
    },
  };
}
