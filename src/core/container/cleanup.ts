import type { DockerClient } from './client';
import { listContainers, listImages, removeContainers, removeImages, type ListedContainer, type ListedImage } from './commands';

export interface CleanupResult {
  containers: ListedContainer[];
  images: ListedImage[];
}

/**
 * Removes every container, then every image, that carries a label (`key` or `key=value`). Containers go first
 * because an image used by a container cannot be removed. `images: false` skips images (a run that built none).
 */
export async function removeLabelled(docker: DockerClient, labelFilter: string, signal?: AbortSignal, opts: { images?: boolean } = {}): Promise<CleanupResult> {
  // Both listings at once: this runs after every smoke run, and the docker client's start-up dominates it.
  const [containers, images] = await Promise.all([
    docker.exec(listContainers(labelFilter), { signal }),
    opts.images === false ? Promise.resolve([] as ListedImage[]) : docker.exec(listImages(labelFilter), { signal }),
  ]);
  if (containers.length) await docker.exec(removeContainers(containers.map((c) => c.id)), { signal });
  // Tagged ones by reference (so only our tag goes when the image has others); untagged ones by id.
  if (images.length) await docker.exec(removeImages([...new Set(images.map((i) => i.reference))]), { signal });
  return { containers, images };
}
