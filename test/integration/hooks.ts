import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The product caches manifests and configs by digest in the user's cache folder ($XDG_CACHE_HOME). Tests start
// with an empty one of their own, so no test answers from what an earlier test or run left there (a cached
// config once kept a hostile registry's 64 MiB config blob from ever being asked for).
const cache = mkdtempSync(path.join(os.tmpdir(), 'ro-test-cache-'));
process.env.XDG_CACHE_HOME = cache;

/**
 * Integration tests need the real test bed (Docker engine, QEMU, registry). On CI they must never skip silently:
 * if the test bed is missing, fail loudly with how to set it up.
 */
export const mochaHooks = {
  afterAll() {
    rmSync(cache, { recursive: true, force: true });
  },
  beforeAll(this: Mocha.Context) {
    this.timeout(30_000);
    try {
      execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
    } catch {
      throw new Error('The Docker engine is not running. Set up the test bed first: bash test/testbed/setup.sh');
    }
  },
};
