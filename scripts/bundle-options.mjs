// The esbuild options every bundle of this repository shares: the extension and CLI (esbuild.mjs, bench/run.mjs
// through productBuilds), the tests (test/build.mjs) and the benchmarks (bench/run.mjs). Node 20, with ESM-only
// dependencies bundled in.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: relative paths in productBuilds are taken from here, whatever the current folder. */
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * CommonJS, one file per entry point: the tests and the benchmarks (mocha and the extension host load them with
 * require).
 * @returns {import('esbuild').BuildOptions}
 */
export function nodeBundleOptions(version) {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    // ESM-only dependencies use import.meta.url; give them the CommonJS equivalent.
    define: { 'import.meta.url': '__import_meta_url', RELEASE_OPERATOR_VERSION: JSON.stringify(version) },
    banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
  };
}

/** Modules the test and bench bundles leave to Node: the editor, the test runner, and the browser driver. */
export const TEST_EXTERNALS = ['vscode', 'mocha', 'playwright-core', 'fsevents'];

/**
 * `import ... from 'vscode'` in the ES module chunks. VS Code 1.100 hands its API only to `require('vscode')` (it
 * patches the CommonJS loader and finds the extension by the requiring file's path); an ESM import of 'vscode'
 * does not resolve. So the import becomes a small CommonJS module that requires it through the chunk's own
 * `require` (createRequire(import.meta.url), from the banner), and the editor sees a file of this extension.
 * @type {import('esbuild').Plugin}
 */
const vscodeThroughRequire = {
  name: 'vscode-through-require',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'vscode-shim'
        ? { path: 'vscode', external: true }
        : { path: 'vscode', namespace: 'vscode-shim' },
    );
    build.onLoad({ filter: /.*/, namespace: 'vscode-shim' }, () => ({
      contents: "module.exports = require('vscode');",
      loader: 'js',
    }));
  },
};

/**
 * What ships in dist/ (esbuild.mjs builds it; bench/run.mjs builds the same into its own folder):
 *   dist/extension.js   CommonJS, what VS Code requires: a few lines; activate() imports dist/esm/extension/extension.mjs
 *   dist/cli.js         CommonJS with a shebang, the `release-operator` bin: imports dist/esm/cli/cli.mjs and runs it
 *   dist/esm/<face>/    the code, as ES modules split into chunks (esbuild `splitting`, which only ESM output has):
 *                       what the extension's first tree items and the CLI's command table need loads first; each
 *                       engine (registry, GitHub/Octokit, smoke, glibc/ELF, image, lint, audit) is a chunk of its
 *                       own, loaded with import() when first used. Within a face every module is in exactly one
 *                       chunk, so classes (ReleaseOperatorError and the instanceof checks on it) exist once. The two
 *                       faces are built apart (they never share a process): one build for both split the
 *                       extension's first load into twice as many files, each a round trip through the extension
 *                       host's module loader thread.
 * @returns {import('esbuild').BuildOptions[]}
 */
export function productBuilds({ version, production = false, outdir = 'dist', sourcemap = true } = {}) {
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    minify: production,
    sourcemap,
    sourcesContent: false,
  };
  const esm = (face, entry) => ({
    ...common,
    entryPoints: { [face]: entry },
    outdir: path.resolve(ROOT, outdir, 'esm', face),
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    define: { RELEASE_OPERATOR_VERSION: JSON.stringify(version) },
    // Bundled CommonJS dependencies require Node's built-in modules, and the vscode shim requires 'vscode'.
    banner: {
      js: "import { createRequire as __roCreateRequire } from 'node:module';\nconst require = __roCreateRequire(import.meta.url);",
    },
    plugins: [vscodeThroughRequire],
  });
  const launcher = { ...common, format: 'cjs', external: ['vscode', './esm/*'] };
  return [
    esm('extension', 'src/extension/extension.ts'),
    esm('cli', 'src/cli/main.ts'),
    { ...launcher, entryPoints: ['src/extension/launcher.ts'], outfile: path.resolve(ROOT, outdir, 'extension.js') },
    {
      ...launcher,
      entryPoints: ['src/cli/launcher.ts'],
      outfile: path.resolve(ROOT, outdir, 'cli.js'),
      banner: { js: '#!/usr/bin/env node' },
    },
  ];
}

/** Removes what an earlier productBuilds run left (chunk names change with their content). */
export function cleanProductOutput(outdir = 'dist') {
  rmSync(path.resolve(ROOT, outdir, 'esm'), { recursive: true, force: true });
}

/**
 * The GitHub Action (action.yml's `main`): src/action/main.ts and everything it uses in one CommonJS file,
 * committed as action/index.js because the runner runs it as it is in the repository (dist/ is not committed).
 * Not minified, no source map, no absolute paths: the same sources always give the same bytes, so a test can
 * compare the committed file with a fresh build (scripts/build-action.mjs writes it; `npm run build:action`).
 * @returns {import('esbuild').BuildOptions}
 */
export function actionBuild({ version, outfile = 'action/index.js' } = {}) {
  const base = nodeBundleOptions(version);
  return {
    ...base,
    absWorkingDir: ROOT,
    entryPoints: ['src/action/main.ts'],
    outfile: path.resolve(ROOT, outfile),
    target: 'node20',
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: `// Built by scripts/build-action.mjs from src/action; do not edit.\n${base.banner.js}` },
  };
}
