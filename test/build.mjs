// Bundles every test file (and the extension-host suites) with esbuild into out/, mirroring the paths.
// Tests are bundled rather than run through a TS loader because several dependencies are ESM-only.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync } from 'node:fs';
import path from 'node:path';
import { TEST_EXTERNALS, nodeBundleOptions } from '../scripts/bundle-options.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const walk = (dir) =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return f === 'fixtures' || f === 'node_modules' ? [] : walk(p);
    return /\.test\.ts$|^hooks\.ts$|^index\.ts$/.test(f) && !p.includes(`${path.sep}testbed${path.sep}`) ? [p] : [];
  });
// `node test/build.mjs [DIR|FILE]...` bundles only those (and leaves the rest of out/ alone), so several people
// can build and run their own suites at once; with no argument everything is rebuilt from scratch.
const only = process.argv.slice(2).map((p) => path.resolve(p));
let entryPoints = [
  ...walk(path.join(root, 'test')),
  ...(statSync(path.join(root, 'bench'), { throwIfNoEntry: false }) ? walk(path.join(root, 'bench')) : []),
];
// The suites' hooks files (mocha requires them) are always built, also when only some tests are.
if (only.length)
  entryPoints = entryPoints.filter(
    (e) => path.basename(e) === 'hooks.ts' || only.some((o) => e === o || e.startsWith(o + path.sep)),
  );
else rmSync(path.join(root, 'out'), { recursive: true, force: true });
await esbuild.build({
  entryPoints,
  outbase: root,
  outdir: path.join(root, 'out'),
  ...nodeBundleOptions('test'),
  sourcemap: 'inline',
  external: TEST_EXTERNALS,
});
console.log(`test build: ${entryPoints.length} entry points -> out/`);
