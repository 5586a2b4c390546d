// Case 4, extension cost: the code the extension loads to activate, as shipped (minified; bench/run.mjs builds it
// apart: dist/extension.js and the ES module chunks it imports from dist/esm) and, in the real VS Code of the test bed (code-server), the time from activation start to the Release view's
// first tree items. One code-server session per run: a cold extension host each time. The workspace is a fresh
// git repository with a GitHub remote; the root items come from local facts only (config, git), the registry and
// GitHub load on expansion, so no network is in the figure. See bench/extension/suite.ts.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runProcess } from '../../src/core/process/run';
import { REPO_ROOT } from '../../test/helpers/paths';
import { BENCH_BUILD, BENCH_EXTENSION_DIR } from '../lib/paths';
import { log, runCase, runs } from '../lib/case';
import { renderTable } from '../lib/report';
import { summarize } from '../lib/stats';

interface SuiteResult {
  /** Loading the code: require of dist/extension.js and import of dist/esm/extension/extension.mjs with the chunks it needs. */
  loadMs: number;
  /** Up to activate() resolved, loading included. */
  activateMs: number;
  firstItemsMs: number;
  labels: string[];
  syncCalls: Record<string, number>;
  /** Every watched sync call in the extension host meanwhile (VS Code's own included): shows the watch works. */
  syncCallsInHost: number;
}

async function session(): Promise<SuiteResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ro-bench-ext-'));
  const workspace = path.join(dir, 'widget');
  const outFile = path.join(dir, 'result.json');
  try {
    await runProcess('mkdir', ['-p', workspace]);
    const r = await runProcess(
      process.execPath,
      [
        path.join(REPO_ROOT, 'test', 'extension', 'code-server-runner.mjs'),
        '--extension',
        BENCH_EXTENSION_DIR,
        '--tests',
        path.join(BENCH_BUILD, 'extension', 'suite.js'),
        '--workspace',
        workspace,
        '--timeout-ms',
        '180000',
      ],
      { env: { RO_BENCH_EXTENSION_OUT: outFile }, timeoutMs: 300_000 },
    );
    if (r.exitCode !== 0)
      throw new Error(
        `code-server run failed (exit ${r.exitCode}; 2 = test bed, see test/extension/README.md):\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`,
      );
    return JSON.parse(await readFile(outFile, 'utf8')) as SuiteResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The files the extension loads before its first tree items: dist/extension.js, and the ES module it imports
 * (dist/esm/extension/extension.mjs) with every chunk that imports statically (import ... from), not those it loads
 * later with import(). Also the size of all of dist/ (both faces, every chunk; no source maps).
 */
async function activationCode(dist: string): Promise<{ files: Map<string, Buffer>; all: number; allFiles: number }> {
  const files = new Map<string, Buffer>([['extension.js', await readFile(path.join(dist, 'extension.js'))]]);
  const esm = path.join(dist, 'esm', 'extension');
  const queue = existsSync(path.join(esm, 'extension.mjs')) ? ['extension.mjs'] : [];
  while (queue.length) {
    const f = queue.shift()!;
    if (files.has(f)) continue;
    const text = await readFile(path.join(esm, f));
    files.set(f, text);
    // import{a as b}from"./chunk-X.mjs" and import"./chunk-X.mjs"; never import("./chunk-X.mjs").
    for (const m of text.toString('utf8').matchAll(/\bimport\s*(?:[^();"'`]*?\bfrom\s*)?["']\.\/([\w.-]+\.mjs)["']/g))
      queue.push(m[1]);
  }
  const js = (await readdir(dist, { recursive: true })).filter((f) => /\.m?js$/.test(f));
  let all = 0;
  for (const f of js) all += (await stat(path.join(dist, f))).size;
  return { files, all, allFiles: js.length };
}

runCase('extension', async () => {
  const code = await activationCode(path.join(BENCH_EXTENSION_DIR, 'dist'));
  const bytes = [...code.files.values()].reduce((n, b) => n + b.length, 0);
  const gz = [...code.files.values()].reduce((n, b) => n + gzipSync(b).length, 0);
  const results: SuiteResult[] = [];
  for (let i = 0; i < runs(5); i++) {
    const t = Date.now();
    results.push(await session());
    log(
      `session ${i + 1}: load ${results.at(-1)!.loadMs.toFixed(0)} ms, activate ${results.at(-1)!.activateMs.toFixed(0)} ms, first tree items ${results.at(-1)!.firstItemsMs.toFixed(0)} ms (whole code-server session ${((Date.now() - t) / 1000).toFixed(1)} s)`,
    );
  }
  const sync = results.at(-1)!.syncCalls;
  const syncText = Object.keys(sync).length
    ? Object.entries(sync)
        .map(([k, v]) => `${k} x${v}`)
        .join(', ')
    : 'none';
  const first = summarize(results.map((r) => r.firstItemsMs));
  const med = (k: 'loadMs' | 'activateMs') => summarize(results.map((r) => r[k])).median;
  return [
    renderTable({
      title: 'Extension cost in code-server 4.100.3 (VS Code 1.100.3)',
      subject: 'activation start -> first Release tree items',
      rows: [
        { name: 'activation start -> first Release tree items', samples: results.map((r) => r.firstItemsMs) },
        { name: 'activation alone (require + activate())', samples: results.map((r) => r.activateMs) },
        { name: 'of which loading the code (require + import)', samples: results.map((r) => r.loadMs) },
      ],
      notes: [
        `Goal: under 100 ms of activation work with the network excluded. Measured: ${first.median.toFixed(0)} ms median to the first tree items (${results[0].labels.join(', ')}): loading the code ${med('loadMs').toFixed(0)} ms, activate() ${(med('activateMs') - med('loadMs')).toFixed(0)} ms, the root items' local facts (config, git) ${(first.median - med('activateMs')).toFixed(0)} ms (medians of each part).`,
        `Synchronous file or process calls from the extension's code (dist/extension.js, dist/esm) between activation start and the first items: ${syncText} (the extension host as a whole made ${results.at(-1)!.syncCallsInHost} watched sync calls meanwhile).`,
        `Code loaded to activate: ${(bytes / 1024).toFixed(0)} KiB minified (${(gz / 1024).toFixed(0)} KiB gzipped) in ${code.files.size} files (dist/extension.js, dist/esm/extension/extension.mjs and the chunks it imports); the engines (registry, GitHub, smoke, glibc, image, lint, audit) load with import() when first used. All of dist/ (extension and CLI): ${(code.all / 1024).toFixed(0)} KiB in ${code.allFiles} files. Built minified as \`npm run package\` does (bench/run.mjs builds it into bench/.work/extension).`,
        'No peer: the figure is compared with the goal. The first items need the configuration and git (three processes at once, asynchronous); the registry and GitHub load only when their nodes are expanded.',
      ],
    }),
  ];
});
