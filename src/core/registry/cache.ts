/**
 * Content-addressed cache shared by every client in the process: a digest names its bytes forever, so
 * entries never go stale. Only small documents (manifests, configs) are kept, oldest dropped first past a
 * byte budget; layers stream past it.
 */
export interface CachedContent {
  mediaType: string;
  bytes: Buffer;
}

const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const entries = new Map<string, CachedContent>();
let total = 0;

export const contentCache = {
  get(digest: string): CachedContent | undefined {
    const e = entries.get(digest);
    if (e) {
      // Refresh recency: Map keeps insertion order.
      entries.delete(digest);
      entries.set(digest, e);
    }
    return e;
  },
  set(digest: string, value: CachedContent): void {
    if (value.bytes.length > MAX_ENTRY_BYTES || entries.has(digest)) return;
    entries.set(digest, value);
    total += value.bytes.length;
    for (const [k, v] of entries) {
      if (total <= MAX_TOTAL_BYTES) break;
      entries.delete(k);
      total -= v.bytes.length;
    }
  },
  /** Forgets a digest the registry no longer has (after a delete), so a later read asks the registry. */
  delete(digest: string): void {
    const e = entries.get(digest);
    if (!e) return;
    entries.delete(digest);
    total -= e.bytes.length;
  },
  /** For tests. */
  clear(): void {
    entries.clear();
    total = 0;
  },
  get size(): number {
    return entries.size;
  },
};
