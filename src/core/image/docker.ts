import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { checkError, environmentError } from '../errors';
import { lastLine, type Runner } from '../process/run';
import type { ImageConfig } from '../registry/types';
import type { PlatformImage } from './source';

/**
 * A local Docker image through `docker save`: no container is created (nothing to clean up in the engine,
 * and an image of another platform is read just the same), and the layers come out as tar files, so the
 * same layered reader serves local and registry images. The save is unpacked into a temporary folder
 * because its manifest.json (which gives the layer order) may come after the layers; dispose() removes it.
 */
export async function saveDockerImage(runner: Runner, docker: string, image: string, signal?: AbortSignal): Promise<PlatformImage & { dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'release-operator-save-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const inspect = await runner(docker, ['image', 'inspect', '--format', '{{.Id}}', image], { signal, timeoutMs: 60_000, missingHint: 'Install Docker or set dockerPath / --docker.' });
    if (inspect.exitCode !== 0) {
      const why = lastLine(inspect);
      if (/no such image/i.test(why)) throw checkError(`No local Docker image ${image}.`, 'Build or pull it first, or give a registry reference (docker://REF).');
      throw environmentError(`docker image inspect ${image} failed: ${why}`, 'Is the Docker engine running? Check `docker info`.');
    }
    const tarFile = path.join(dir, 'image.tar');
    const save = await runner(docker, ['save', '-o', tarFile, image], { signal, timeoutMs: 600_000 });
    if (save.exitCode !== 0) throw environmentError(`docker save ${image} failed: ${lastLine(save)}`, 'Check that the Docker engine is running and the disk has room.');

    // Unpack to numbered files: entry names never become paths, so a hostile archive cannot escape `dir`.
    const files = new Map<string, string>();
    const ex = tarExtract();
    const done = (async () => {
      let n = 0;
      for await (const entry of ex) {
        if (entry.header.type !== 'file') {
          entry.resume();
          continue;
        }
        const out = path.join(dir, `entry-${n++}`);
        files.set(path.posix.normalize(entry.header.name).replace(/^\.?\//, ''), out);
        await pipeline(entry, createWriteStream(out));
      }
    })();
    await Promise.all([pipeline(createReadStream(tarFile), ex), done]);
    await rm(tarFile, { force: true });

    const json = async (name: string) => {
      const f = files.get(name);
      if (!f) throw checkError(`docker save of ${image} has no ${name}.`, 'The Docker engine wrote an archive this version cannot read.');
      return JSON.parse(await readFile(f, 'utf8')) as unknown;
    };
    const manifest = (await json('manifest.json')) as Array<{ Config: string; Layers: string[] }>;
    if (!Array.isArray(manifest) || !manifest[0]?.Config) throw checkError(`docker save of ${image}: manifest.json is not understood.`);
    const config = (await json(manifest[0].Config)) as ImageConfig;
    const platform = [config.os ?? 'linux', config.architecture ?? 'unknown', config.variant].filter(Boolean).join('/');
    const layers = manifest[0].Layers.map((name) => {
      const file = files.get(path.posix.normalize(name));
      if (!file) throw checkError(`docker save of ${image} lacks the layer ${name}.`);
      return { what: name, compression: 'auto' as const, open: async () => createReadStream(file) };
    });
    return { platform, source: image, config, layers, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
