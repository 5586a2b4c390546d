/**
 * Every container and temporary image the product creates carries these labels, so a crashed run's leftovers
 * can be found (`release-operator cleanup`) without touching anything else on the machine.
 */
export const PRODUCT_LABEL = 'release-operator';
export const SMOKE_RUN_LABEL = 'release-operator.smoke';
const PLATFORM_LABEL = 'release-operator.platform';
/** On a container created (never started) only to read an image's files for the glibc check; the value is the image. */
export const GLIBC_LABEL = 'release-operator.glibc';
/** The run id of a container that is not a smoke run's (the glibc check's): `cleanup` spares runs in progress. */
export const RUN_LABEL = 'release-operator.run';
/** The repository of a --build smoke run's temporary image tags: release-operator-smoke:<run id>-<platform>. */
export const TEMP_IMAGE_REPO = 'release-operator-smoke';

export function smokeLabels(
  runId: string,
  platform?: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    [PRODUCT_LABEL]: '1',
    [SMOKE_RUN_LABEL]: runId,
    ...(platform ? { [PLATFORM_LABEL]: platform } : {}),
    ...extra,
  };
}

export function glibcLabels(image: string, runId: string): Record<string, string> {
  return { [PRODUCT_LABEL]: '1', [GLIBC_LABEL]: image, [RUN_LABEL]: runId };
}

export function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

/** A new run id: sortable by time, unique enough, and valid inside an image tag. */
export function newRunId(now = Date.now()): string {
  return `${now.toString(36)}-${Math.random().toString(16).slice(2, 8)}`;
}
