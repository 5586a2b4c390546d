import type { ImageSize, PlatformDelta } from './types';

/** Per platform of `current`: its size against the same platform of `previous`, and which layers came and went. */
export function sizeDeltas(current: ImageSize, previous: ImageSize | undefined): PlatformDelta[] {
  return current.platforms.map((p) => {
    const before = previous?.platforms.find((q) => q.platform === p.platform);
    if (!before) return { platform: p.platform, current: p.compressed, added: [], removed: [] };
    const had = new Set(before.layers.map((l) => l.digest));
    const has = new Set(p.layers.map((l) => l.digest));
    return {
      platform: p.platform,
      previous: before.compressed,
      current: p.compressed,
      growth: p.compressed - before.compressed,
      added: p.layers.filter((l) => !had.has(l.digest)),
      removed: before.layers.filter((l) => !has.has(l.digest)),
    };
  });
}
