// Runs inside code-server's extension host (test/extension/code-server-runner.mjs --tests): makes the empty
// workspace a git repository (so nothing activated the extension at start-up), then times activation and the
// Release view's first tree items, counting synchronous file and process calls made from the extension's
// code meanwhile (dist/extension.js and the ES module chunks in dist/esm). Writes its figures as JSON to
// $RO_BENCH_EXTENSION_OUT.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as vscode from 'vscode';

const EXTENSION_ID = 'release-operator.release-operator';
// The modules themselves (require), not `import * as`: the bundler would hand out a copy whose properties
// cannot be replaced, and the extension's bundle calls through the real module objects.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('node:fs') as Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess = require('node:child_process') as Record<string, unknown>;
const SYNC: Array<[Record<string, unknown>, string]> = [
  ...Object.keys(fs)
    .filter((k) => k.endsWith('Sync'))
    .map((k) => [fs, k] as [Record<string, unknown>, string]),
  ...['execSync', 'execFileSync', 'spawnSync'].map((k) => [childProcess, k] as [Record<string, unknown>, string]),
];

/** Wraps every *Sync of fs and child_process; counts the calls whose stack passes through the extension's code (`dist`). */
function watchSyncCalls(dist: string): { calls: Record<string, number>; total: () => number; restore(): void } {
  const calls: Record<string, number> = {};
  // ES modules appear in stacks by URL (file:///...), CommonJS by path.
  const distUrl = pathToFileURL(dist).href + '/';
  let total = 0;
  const originals: Array<() => void> = [];
  for (const [mod, name] of SYNC) {
    const original = mod[name];
    if (typeof original !== 'function') continue;
    try {
      mod[name] = function (this: unknown, ...args: unknown[]) {
        total++;
        const stack = new Error().stack ?? '';
        if (stack.includes(dist + path.sep) || stack.includes(distUrl)) calls[name] = (calls[name] ?? 0) + 1;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      originals.push(() => (mod[name] = original));
    } catch {
      // A read-only export: it cannot be watched (and so is not counted).
    }
  }
  // ES modules that import a built-in by name (import { readFileSync } from 'node:fs', as the chunks in dist/esm
  // do) hold their own binding, which follows the module object only when told to.
  syncBuiltinESMExports();
  return {
    calls,
    total: () => total,
    restore: () => {
      originals.forEach((r) => r());
      syncBuiltinESMExports();
    },
  };
}

/** A CPU profile of the measured stretch, when $RO_BENCH_EXTENSION_CPUPROFILE names a file (slows the run down). */
async function startProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

export async function run(): Promise<void> {
  const out = process.env.RO_BENCH_EXTENSION_OUT;
  if (!out) throw new Error('RO_BENCH_EXTENSION_OUT is not set (run this through bench/cases/extension.ts)');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('no workspace folder is open');
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this code-server`);
  if (ext.isActive)
    throw new Error('the extension was already active: the workspace must not match its activation events at start-up');

  const git = (...args: string[]) => execFileSync('git', args, { cwd: folder, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', 'https://github.com/acme/widget.git');
  writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'widget', version: '1.4.2' }));
  writeFileSync(path.join(folder, 'Dockerfile'), 'FROM scratch\n');
  git('add', '.');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', 'widget 1.4.2');
  git('tag', 'v1.4.2');

  // Let the workbench's own start-up work (the built-in git extension finds the new repository) settle first,
  // so the figure is this extension's work rather than whatever else the extension host is doing.
  await new Promise((r) => setTimeout(r, 3000));
  const dist = path.join(ext.extensionPath, 'dist');
  const bundle = path.join(dist, 'extension.js');
  // dist/extension.js loads the code proper, ES modules, with import() when activated (see productBuilds in
  // scripts/bundle-options.mjs); a single-bundle build has no such file.
  const esmEntry = path.join(dist, 'esm', 'extension', 'extension.mjs');
  const esm = existsSync(esmEntry) ? pathToFileURL(esmEntry).href : undefined;
  const stopProfile = await startProfile(process.env.RO_BENCH_EXTENSION_CPUPROFILE);
  const watch = watchSyncCalls(dist);
  const t0 = performance.now();
  let loadMs: number;
  let activateMs: number;
  let firstItemsMs: number;
  let labels: string[];
  try {
    // Loading the code first (the extension host's require, and the import() in activate(), then find it in their
    // caches) splits code loading from the work of activate(). The time is the same either way: activation
    // starts here, at t0, and the first items end it.
    // The CommonJS launcher is what VS Code itself loads.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(bundle);
    if (esm) await import(esm);
    loadMs = performance.now() - t0;
    const api = (await ext.activate()) as { tree: { getChildren(): Promise<Array<{ label?: string; id: string }>> } };
    activateMs = performance.now() - t0;
    const roots = await api.tree.getChildren();
    firstItemsMs = performance.now() - t0;
    labels = roots.map((r) => String(r.label ?? r.id));
  } finally {
    watch.restore();
    await stopProfile();
  }
  writeFileSync(
    out,
    JSON.stringify({
      loadMs,
      activateMs,
      firstItemsMs,
      labels,
      syncCalls: watch.calls,
      syncCallsInHost: watch.total(),
    }),
  );
}
