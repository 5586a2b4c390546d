import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root, found by walking up (tests run from bundles under out/, so __dirname moves). */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'release-operator') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the release-operator repository above ${__dirname}`);
    dir = up;
  }
})();

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');
/** Scratch space for tests; ignored by git. */
export const ARTIFACTS = path.join(REPO_ROOT, 'test', '.artifacts');
