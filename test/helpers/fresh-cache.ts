import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The product caches manifests and configs by digest in the user's cache folder ($XDG_CACHE_HOME). A test process
 * starts with an empty one of its own, so no test answers from what an earlier test run left there; returns the
 * mocha hook that removes it.
 */
export function freshUserCache(): { afterAll(): void } {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'ro-test-cache-'));
  process.env.XDG_CACHE_HOME = cache;
  return { afterAll: () => rmSync(cache, { recursive: true, force: true }) };
}
