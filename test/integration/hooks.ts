import { execFileSync } from 'node:child_process';
import { freshUserCache } from '../helpers/fresh-cache';

// An empty product cache of the run's own (see freshUserCache).
const cache = freshUserCache();

/**
 * Integration tests need the real test bed (Docker engine, QEMU, registry). On CI they must never skip silently:
 * if the test bed is missing, fail loudly with how to set it up.
 */
export const mochaHooks = {
  afterAll: cache.afterAll,
  beforeAll(this: Mocha.Context) {
    this.timeout(30_000);
    try {
      execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
    } catch {
      throw new Error('The Docker engine is not running. Set up the test bed first: bash test/testbed/setup.sh');
    }
  },
};
