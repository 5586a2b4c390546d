import path from 'node:path';
import { REPO_ROOT } from '../../test/helpers/paths';

/** Built by bench/run.mjs: the shipped (minified) CLI and extension, kept apart from dist/, which others rebuild. */
export const BENCH_CLI = path.join(REPO_ROOT, 'bench', '.work', 'dist', 'cli.js');
export const BENCH_EXTENSION_DIR = path.join(REPO_ROOT, 'bench', '.work', 'extension');
export const BENCH_BUILD = path.join(REPO_ROOT, 'bench', '.work', 'build');
