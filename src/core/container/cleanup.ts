import type { DockerClient } from './client';
import {
  listContainers,
  listImages,
  removeContainers,
  removeImages,
  type ListedContainer,
  type ListedImage,
} from './commands';
import { runFileName } from './active';
import { RUN_LABEL, SMOKE_RUN_LABEL, TEMP_IMAGE_REPO } from './labels';

export interface CleanupResult {
  containers: ListedContainer[];
  images: ListedImage[];
  /** Left alone: they belong to runs still in progress (opts.activeRuns). */
  spared: { containers: ListedContainer[]; images: ListedImage[] };
}

/**
 * Removes every container, then every image, that carries a label (`key` or `key=value`). Containers go first
 * because an image used by a container cannot be removed. `images: false` skips images (a run that built none).
 * `activeRuns` (the run ids in progress, see active.ts): what belongs to one of them is left alone and listed as
 * spared. They are read after the listings: a run marks itself before it creates anything, so whatever a listing
 * shows of a run that is starting, the marks read afterwards include that run. `leave`: container names another
 * remover is handling (two removals of one container at once make the daemon refuse one); neither removed nor listed.
 */
export async function removeLabelled(
  docker: DockerClient,
  labelFilter: string,
  signal?: AbortSignal,
  opts: { images?: boolean; activeRuns?: () => Promise<ReadonlySet<string>>; leave?: ReadonlySet<string> } = {},
): Promise<CleanupResult> {
  // Both listings at once: this runs after every smoke run, and the docker client's start-up dominates it.
  const [listed, listedImages] = await Promise.all([
    docker.exec(listContainers(labelFilter), { signal }),
    opts.images === false ? Promise.resolve([] as ListedImage[]) : docker.exec(listImages(labelFilter), { signal }),
  ]);
  const active = opts.activeRuns ? await opts.activeRuns() : new Set<string>();
  const inProgress = (runId: string | undefined) => runId !== undefined && active.has(runFileName(runId));
  // Either label may name the run (a glibc container of a smoke run's temporary image carries both).
  const containerInProgress = (c: ListedContainer) => {
    const labels = parseLabels(c.labels);
    return inProgress(labels[SMOKE_RUN_LABEL]) || inProgress(labels[RUN_LABEL]);
  };
  // A temporary image is tagged release-operator-smoke:<run id>-<platform>.
  const imageRun = (i: ListedImage) => [...active].find((id) => i.reference.startsWith(`${TEMP_IMAGE_REPO}:${id}-`));
  const containers = listed.filter((c) => !containerInProgress(c) && !opts.leave?.has(c.names));
  const images = listedImages.filter((i) => !imageRun(i));
  if (containers.length) await docker.exec(removeContainers(containers.map((c) => c.id)), { signal });
  // Tagged ones by reference (so only our tag goes when the image has others); untagged ones by id.
  if (images.length) await docker.exec(removeImages([...new Set(images.map((i) => i.reference))]), { signal });
  return {
    containers,
    images,
    spared: {
      containers: listed.filter((c) => !containers.includes(c) && !opts.leave?.has(c.names)),
      images: listedImages.filter((i) => !images.includes(i)),
    },
  };
}

/** `docker ps --format '{{.Labels}}'`: k=v pairs joined by commas. */
export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const i = pair.indexOf('=');
    if (i > 0) out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
