import type { DockerClient } from './client';
import { buildxVersion, classicBuildKitProbe } from './commands';
import { BUILD_HINT } from './errors';

export type BuilderKind = 'buildx' | 'buildkit';

export type BuilderDetection =
  { kind: BuilderKind; description: string } | { kind: 'none'; description: string; hint: string };

/**
 * How this docker client builds for another platform: buildx when the plugin is there, otherwise the classic
 * `DOCKER_BUILDKIT=1 docker build --platform` (which Docker 23+ clients refuse without buildx), otherwise nothing.
 */
export async function detectBuilder(docker: DockerClient, signal?: AbortSignal): Promise<BuilderDetection> {
  const buildx = await docker.exec(buildxVersion(), { signal });
  if (buildx) return { kind: 'buildx', description: `docker buildx build (${buildx.split(/\r?\n/)[0]})` };
  if (await docker.exec(classicBuildKitProbe(), { signal })) {
    return {
      kind: 'buildkit',
      description: `buildx is not installed for ${docker.dockerPath}; building with BuildKit: DOCKER_BUILDKIT=1 docker build --platform`,
    };
  }
  return {
    kind: 'none',
    description:
      `${docker.dockerPath} can neither run 'docker buildx build' (the buildx plugin is missing) ` +
      "nor 'DOCKER_BUILDKIT=1 docker build' (it requires buildx).",
    hint: BUILD_HINT,
  };
}
