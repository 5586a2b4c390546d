import { CancelledError } from '../errors';
import { formatPlatform, imageInspect, pull, samePlatform, type ImageInfo, type Platform } from '../container';
import type { EngineRun, RunContext } from './runContext';
import { StepFailure } from './step';

export function describePlatform(i: Pick<ImageInfo, 'os' | 'architecture' | 'variant'>): string {
  return formatPlatform({ os: i.os, architecture: i.architecture, variant: i.variant });
}

/**
 * The platform's own image. The local image when the reference names one of that platform; else, with a registry
 * client, the reference's index entry for the platform, by digest (`repo@sha256:...`): used as it is when Docker
 * already has it (a digest names exact content), pulled otherwise, and the local tag is left alone, so platforms
 * resolve at the same time. Without a registry client, or when the registry cannot say, `docker pull --platform`
 * of the tag, one platform at a time (each pull re-points the tag).
 */
type Resolved = { info: ImageInfo; pulled: boolean; pinned?: string };

export async function resolveImage(ctx: RunContext, e: EngineRun, ref: string, p: Platform): Promise<Resolved> {
  const platform = formatPlatform(p);
  const inspect = (r: string) => e.docker.exec(imageInspect(r), { signal: ctx.signal });
  // Built images and per-platform references have a reference per platform; a shared one has one tag for all.
  const own = ctx.options.build || Boolean(ctx.options.platformImages?.[platform]);
  const first = own ? await inspect(ref) : await e.imageLock(() => (e.localTag ??= inspect(ref)));
  if (first && samePlatform(p, first)) return { info: first, pulled: false };
  const pullable = !ref.startsWith('sha256:') && !ctx.options.build;

  const pinned = pullable && !own ? await ctx.platformReference?.(platform) : undefined;
  if (pinned) {
    const have = await inspect(pinned);
    if (have && samePlatform(p, have)) return { info: have, pulled: false, pinned };
    try {
      await e.docker.exec(pull(pinned, platform), { signal: ctx.signal });
      const after = await inspect(pinned);
      if (after && samePlatform(p, after)) return { info: after, pulled: true, pinned };
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      ctx.logger.debug(
        `pull of ${pinned} failed, pulling the tag instead: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  // A reference of this platform's own cannot be re-pointed by another platform's pull: no lock needed.
  const lock = own ? (fn: () => Promise<Resolved>) => fn() : (fn: () => Promise<Resolved>) => e.imageLock(fn);
  return lock(async (): Promise<Resolved> => {
    const local = await inspect(ref);
    if (local && samePlatform(p, local)) return { info: local, pulled: false };
    let pullError = '';
    if (pullable) {
      if (!own) e.localTag = undefined; // the pull re-points the tag
      try {
        await e.docker.exec(pull(ref, platform), { signal: ctx.signal });
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        pullError = err instanceof Error ? err.message : String(err);
      }
    }
    const after = pullError || !pullable ? local : await inspect(ref);
    if (after && samePlatform(p, after)) return { info: after, pulled: true };
    const have = after ?? local;
    if (have) {
      const why = pullError ? `, and no ${platform} image could be pulled (${pullError})` : '';
      throw new StepFailure(`${ref} is ${describePlatform(have)}, not ${platform}${why}`);
    }
    throw new StepFailure(`no image ${ref} here${pullError ? `, and it could not be pulled (${pullError})` : ''}`);
  });
}
