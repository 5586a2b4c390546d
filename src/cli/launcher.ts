// dist/cli.js, the `release-operator` executable: only this. The CLI proper is ES modules in dist/esm (see
// productBuilds in scripts/bundle-options.mjs): the command table loads first, and each command's engine only
// when that command runs.
import type * as Cli from './main';

/** Relative to this file (dist/cli.js); a variable, so that neither esbuild nor tsc looks for it. */
const ENTRY = './esm/cli/cli.mjs';

(import(ENTRY) as Promise<typeof Cli>).then(
  (cli) => cli.main(),
  (e: unknown) => {
    process.stderr.write(
      `error: Release Operator could not load (${e instanceof Error ? e.message : String(e)}); reinstall it.\n`,
    );
    process.exitCode = 3;
  },
);
