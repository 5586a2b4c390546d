/**
 * The git tag of a release image tag, for the cross-check: the tag whose version is the image tag's version
 * (prefixes configured in tags.*, else inferred: the image tag's own prefix, and any of "v" or none in git).
 */
import type { ReleaseOperatorConfig } from '../config/schema';
import { choosePrefix } from '../version/scheme';
import { versionOfImageTag } from '../version/order';

export function gitTagFor(
  imageTag: string | undefined,
  gitTags: ReadonlyArray<{ name: string; commit: string }>,
  config: Pick<ReleaseOperatorConfig, 'tags'>,
): { name: string; commit: string } | undefined {
  if (!imageTag) return undefined;
  const version = versionOfImageTag(imageTag, choosePrefix('image', config.tags.imagePrefix, [imageTag]).prefix);
  if (!version) return undefined;
  const prefixes = config.tags.gitPrefix !== undefined ? [config.tags.gitPrefix] : ['v', ''];
  for (const prefix of prefixes) {
    const found = gitTags.find((t) => t.name === `${prefix}${version}`);
    if (found) return { name: found.name, commit: found.commit };
  }
  return undefined;
}
