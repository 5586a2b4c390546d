// The esbuild options every bundle of this repository shares: the extension and CLI (esbuild.mjs), the tests
// (test/build.mjs) and the benchmarks (bench/run.mjs). CommonJS for Node 20, because VS Code 1.100 loads
// extensions as CommonJS, with ESM-only dependencies bundled in.

/** @returns {import('esbuild').BuildOptions} */
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
