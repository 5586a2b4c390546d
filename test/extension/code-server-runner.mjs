#!/usr/bin/env node
// Runs VS Code extension tests in a real VS Code: code-server (VS Code 1.100 served over HTTP, installed by
// test/testbed/install-code-server.sh) driven by Debian's chromium through playwright-core. Works offline.
//
// Extension-host tests (the suite runs inside code-server's Node extension host, `require('vscode')` works):
//   node test/extension/code-server-runner.mjs --extension <dir> --tests <suite/index.js> --workspace <dir or .code-workspace file>
// UI tests (a Playwright module drives the workbench page):
//   node test/extension/code-server-runner.mjs --extension <dir> --ui <module.mjs> --workspace <dir>
// Options:
//   --screenshots <dir>   write PNGs there (end of suite, failure, timeout; ctx.screenshot() in UI mode) and the
//                         workbench's logs when a suite fails
//   --timeout-ms <n>      whole run, after code-server is up (default 300000)
//   --settings <file>     JSON merged into the fresh user settings
//   --workspace-trust     keep Workspace Trust on (default: --disable-workspace-trust, every folder trusted)
//   --locale <id>         display language (code-server --locale, e.g. zh-cn): an extension's own translations
//                         (package.nls.<id>.json, l10n/bundle.l10n.<id>.json) apply even without a language pack
//   --verbose             stream code-server's output and the browser console too
//   --keep-temp           keep the temporary folder (user data, logs) for inspection
//   --vsix <file>         install this .vsix into the fresh extensions folder first (repeatable); with --vsix,
//                         --extension is optional (test the packaged extension instead of the folder)
// Environment: RO_CODE_SERVER (code-server executable), RO_CACHE (default /var/cache/release-operator),
//   RO_CHROMIUM (default /usr/bin/chromium).
// Exit code: the suite's own code (0 passed, 1 failed) / 0 or 1 for a UI module; 124 on timeout;
//   2 when the test bed itself failed (code-server or chromium did not start, bad arguments).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { makeLanguagePack, registerLanguagePack } from './language-pack.mjs';

const EXIT_INFRA = 2;
const EXIT_TIMEOUT = 124;
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--password-store=basic',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
];
const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'security.workspace.trust.startupPrompt': 'never',
  'window.dialogStyle': 'custom',
  'files.watcherExclude': { '**/node_modules/**': true, '**/.git/objects/**': true },
};

// Lines the workbench itself logs through codeAutomationLog while it connects; dropped unless --verbose so that
// stdout is the suite's own output. (The suite's console.log lines arrive unprefixed on the same channel.)
const WORKBENCH_NOISE = [
  /^Resolving connection token \(/,
  /^Resolved connection token \(/,
  /^Creating a socket \(renderer-/,
  /^Updating additional builtin extensions cache$/,
  /^Ignoring fetching additional builtin extensions from gallery/,
  /^\[Service Worker\] registered$/,
  /^ChatSessionStore: /,
  /^Creation of workbench contribution '[^']*' took \d+ms\.$/,
];

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg) => process.stderr.write(`[code-server-runner ${elapsed()}] ${msg}\n`);

class InfraError extends Error {}

function usage(msg) {
  if (msg) say(msg);
  process.stderr.write(
    'usage: node test/extension/code-server-runner.mjs --extension <dir> (--tests <suite.js> | --ui <module.mjs>)\n' +
      '         --workspace <dir> [--screenshots <dir>] [--timeout-ms N] [--settings <json>] [--workspace-trust]\n' +
      '         [--verbose] [--keep-temp]\n',
  );
  process.exit(EXIT_INFRA);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      extension: { type: 'string' },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      screenshots: { type: 'string' },
      ui: { type: 'string' },
      'timeout-ms': { type: 'string' },
      settings: { type: 'string' },
      'workspace-trust': { type: 'boolean' },
      locale: { type: 'string' },
      verbose: { type: 'boolean' },
      'keep-temp': { type: 'boolean' },
      vsix: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  usage(e.message);
}
if (opts.help) usage();
if (!opts.extension && !opts.vsix?.length) usage('--extension (or --vsix) is required');
if (!opts.workspace) usage('--workspace is required');
if (!!opts.tests === !!opts.ui) usage('give exactly one of --tests and --ui');
const extensionDir = opts.extension ? resolve(opts.extension) : undefined;
const vsixFiles = (opts.vsix ?? []).map((f) => resolve(f));
/** A .code-workspace file opens a multi-root workspace; anything else is a folder. */
const workspaceFile = opts.workspace.endsWith('.code-workspace') ? resolve(opts.workspace) : undefined;
const workspaceDir = workspaceFile ? dirname(workspaceFile) : resolve(opts.workspace);
const testsPath = opts.tests ? resolve(opts.tests) : undefined;
const uiModule = opts.ui ? resolve(opts.ui) : undefined;
const screenshotsDir = opts.screenshots ? resolve(opts.screenshots) : undefined;
const timeoutMs = Number(opts['timeout-ms'] ?? process.env.RO_CODE_SERVER_TIMEOUT_MS ?? 300_000);
if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) usage('--timeout-ms must be a positive number');
if (extensionDir && !existsSync(join(extensionDir, 'package.json')))
  usage(`--extension ${extensionDir} has no package.json`);
for (const f of vsixFiles) if (!existsSync(f)) usage(`--vsix ${f} does not exist`);
if (workspaceFile ? !existsSync(workspaceFile) : !existsSync(workspaceDir) || !statSync(workspaceDir).isDirectory())
  usage(`--workspace ${workspaceFile ?? workspaceDir} is not a folder or a .code-workspace file`);
if (testsPath && !existsSync(testsPath)) usage(`--tests ${testsPath} does not exist`);
if (uiModule && !existsSync(uiModule)) usage(`--ui ${uiModule} does not exist`);
if (screenshotsDir) mkdirSync(screenshotsDir, { recursive: true });

const cache = process.env.RO_CACHE || '/var/cache/release-operator';
const codeServerBin = process.env.RO_CODE_SERVER || join(cache, 'code-server', 'node_modules', '.bin', 'code-server');
const chromiumBin = process.env.RO_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(codeServerBin)) {
  say(`code-server not found at ${codeServerBin}; run test/testbed/install-code-server.sh (or set RO_CODE_SERVER)`);
  process.exit(EXIT_INFRA);
}
if (!existsSync(chromiumBin)) {
  say(
    `chromium not found at ${chromiumBin}; run test/testbed/install-code-server.sh (apt-get install chromium) or set RO_CHROMIUM`,
  );
  process.exit(EXIT_INFRA);
}

// ---- state shared with cleanup ------------------------------------------------------------------------------
const temp = mkdtempSync(join(process.env.RO_RUNNER_TMPDIR || tmpdir(), 'ro-code-server-'));
let server; // ChildProcess of code-server (its own process group)
let context; // Playwright BrowserContext (persistent, owns chromium)
let cleaning;
const serverTail = []; // last lines of code-server output, printed when something fails
const consoleTail = []; // last lines of the browser console
const pushTail = (arr, line) => {
  arr.push(line);
  if (arr.length > 200) arr.shift();
};

async function cleanup() {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    if (context) {
      await Promise.race([context.close().catch(() => {}), sleep(5000)]);
      // The persistent context owns chromium; if close hung, kill what is left of it.
      try {
        context.browser()?.process?.()?.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (server && server.exitCode === null && server.signalCode === null) {
      const gone = new Promise((r) => server.once('exit', r));
      killGroup(server.pid, 'SIGTERM');
      if ((await Promise.race([gone.then(() => true), sleep(3000).then(() => false)])) === false) {
        killGroup(server.pid, 'SIGKILL');
        await Promise.race([gone, sleep(2000)]);
      }
    }
    // Children of code-server that left its group (there should be none) would still hold the temp dir open;
    // rm works regardless on Linux.
    if (opts['keep-temp']) say(`kept ${temp}`);
    else rmSync(temp, { recursive: true, force: true, maxRetries: 3 });
  })();
  return cleaning;
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A reader that goes away (`| head`) must not kill the runner before it has stopped code-server.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
process.on('uncaughtException', (e) => {
  try {
    process.stderr.write(`[code-server-runner] uncaught: ${e?.stack || e}\n`);
  } catch {
    /* closed */
  }
  cleanup().finally(() => process.exit(EXIT_INFRA));
});
process.on('unhandledRejection', (e) => {
  try {
    process.stderr.write(`[code-server-runner] unhandled rejection: ${e?.stack || e}\n`);
  } catch {
    /* closed */
  }
});

for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(sig, () => {
    say(`${sig}: stopping code-server and chromium`);
    cleanup().finally(() => process.exit(code));
  });
}

// ---- helpers ----------------------------------------------------------------------------------------------
function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function waitForHealth(baseUrl, deadline) {
  let lastErr;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new InfraError(`code-server exited (${server.exitCode ?? server.signalCode}) before answering /healthz`);
    }
    try {
      const r = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      lastErr = `HTTP ${r.status}`;
    } catch (e) {
      lastErr = e.cause?.code || e.message;
    }
    await sleep(200);
  }
  throw new InfraError(`code-server did not answer ${baseUrl}/healthz in time (last: ${lastErr})`);
}

function startCodeServer(port) {
  const d = (...p) => {
    const x = join(temp, ...p);
    mkdirSync(x, { recursive: true });
    return x;
  };
  const userData = d('user-data');
  const extensionsDir = d('extensions');
  const xdg = {
    XDG_CONFIG_HOME: d('xdg', 'config'),
    XDG_DATA_HOME: d('xdg', 'data'),
    XDG_CACHE_HOME: d('xdg', 'cache'),
    XDG_STATE_HOME: d('xdg', 'state'),
    XDG_RUNTIME_DIR: d('xdg', 'runtime'),
  };
  const tmp = d('tmp');
  let settings = { ...DEFAULT_SETTINGS };
  if (opts.settings) settings = { ...settings, ...JSON.parse(readFileSync(resolve(opts.settings), 'utf8')) };
  writeFileSync(join(d('user-data', 'User'), 'settings.json'), JSON.stringify(settings, null, 2));
  const config = join(temp, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    '--config',
    config,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensionsDir,
  ];
  if (!opts['workspace-trust']) args.push('--disable-workspace-trust');
  if (opts.locale) args.push('--locale', opts.locale);
  // EXTENSIONS_GALLERY={} turns the marketplace (open-vsx.org, unreachable here) off instead of failing lookups.
  const env = {
    ...process.env,
    ...xdg,
    TMPDIR: tmp,
    TMP: tmp,
    TEMP: tmp,
    EXTENSIONS_GALLERY: process.env.EXTENSIONS_GALLERY ?? '{}',
  };
  for (const k of ['PASSWORD', 'HASHED_PASSWORD', 'PORT', 'VSCODE_IPC_HOOK_CLI', 'VSCODE_PID', 'ELECTRON_RUN_AS_NODE'])
    delete env[k];
  // A display language needs a language pack installed (see language-pack.mjs).
  const packs = opts.locale && !/^en\b/.test(opts.locale) ? [makeLanguagePack(opts.locale, d('language-pack'))] : [];
  for (const vsix of [...packs, ...vsixFiles]) {
    const r = spawnSync(
      codeServerBin,
      [
        '--config',
        config,
        '--user-data-dir',
        userData,
        '--extensions-dir',
        extensionsDir,
        '--install-extension',
        vsix,
        '--force',
      ],
      { env, cwd: tmp, encoding: 'utf8', timeout: 120_000 },
    );
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    if (r.status !== 0 || !/successfully installed/i.test(out)) {
      throw new InfraError(`code-server --install-extension ${vsix} failed (${r.status ?? r.error?.message}): ${out}`);
    }
    say(`installed ${vsix}`);
  }
  // The server reads its language packs from languagepacks.json, which an install through the CLI does not write.
  if (packs.length) registerLanguagePack(opts.locale, extensionsDir, userData);
  const child = spawn(codeServerBin, args, {
    env,
    cwd: workspaceDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (buf) => {
    for (const line of buf.toString().split('\n')) {
      if (!line.trim()) continue;
      pushTail(serverTail, line);
      if (opts.verbose) process.stderr.write(`[code-server] ${line}\n`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('error', (e) => pushTail(serverTail, `spawn error: ${e.message}`));
  return child;
}

function printTails(why) {
  if (cleaning) return; // interrupted: the browser and server going away is expected
  say(`${why}; last lines of code-server's output:`);
  for (const l of serverTail.slice(-40)) process.stderr.write(`  | ${l}\n`);
  if (consoleTail.length) {
    say('last lines of the browser console:');
    for (const l of consoleTail.slice(-40)) process.stderr.write(`  | ${l}\n`);
  }
}

async function screenshot(page, name) {
  if (!screenshotsDir || !page || page.isClosed()) return undefined;
  const file = join(screenshotsDir, name.endsWith('.png') ? name : `${name}.png`);
  try {
    await page.screenshot({ path: file, timeout: 10_000 });
    say(`screenshot ${file}`);
    return file;
  } catch (e) {
    say(`screenshot ${name} failed: ${e.message}`);
    return undefined;
  }
}

function formatLogArgs(args) {
  if (Array.isArray(args)) return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return typeof args === 'string' ? args : JSON.stringify(args);
}

// ---- main -------------------------------------------------------------------------------------------------
async function main() {
  const { chromium } = await import('playwright-core').catch((e) => {
    throw new InfraError(`cannot import playwright-core (${e.message}); npm install it as a devDependency`);
  });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const baseUrl = `http://${host}`;
  server = startCodeServer(port);
  await waitForHealth(baseUrl, Date.now() + 60_000);
  say(`code-server ${baseUrl} is up`);

  const deadline = Date.now() + timeoutMs;
  try {
    context = await chromium.launchPersistentContext(join(temp, 'chromium-profile'), {
      executablePath: chromiumBin,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1440, height: 900 },
      timeout: 60_000,
      // Playwright's own signal handlers would close chromium and exit before code-server is stopped.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (e) {
    throw new InfraError(`chromium did not start: ${e.message}`);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    const line = `${m.type()}: ${m.text()}`;
    pushTail(consoleTail, line);
    if (opts.verbose) process.stderr.write(`[browser] ${line}\n`);
  });
  page.on('pageerror', (e) => pushTail(consoleTail, `pageerror: ${e.message}`));
  let pageCrashed;
  const crashed = new Promise((r) => {
    pageCrashed = r;
  });
  page.on('crash', () => pageCrashed());

  // Both must exist before the workbench loads: VS Code checks `typeof window.codeAutomationExit` when the
  // extension host of a test run exits, and forwards its log service to codeAutomationLog.
  let exitResolve;
  const exited = new Promise((r) => {
    exitResolve = r;
  });
  let automationLogs = [];
  await page.exposeFunction('codeAutomationLog', (level, args) => {
    const text = formatLogArgs(args);
    if (!opts.verbose && WORKBENCH_NOISE.some((re) => re.test(text))) return;
    const out = level === 'error' || level === 'warn' ? process.stderr : process.stdout;
    out.write(text.endsWith('\n') ? text : `${text}\n`);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    if (Array.isArray(logs)) automationLogs = logs;
    exitResolve(typeof code === 'number' ? code : Number(code) || 0);
  });

  const remote = (p) => `vscode-remote://${host}${p}`;
  // VS Code runs extensionTestsPath only in an extension development window: with --vsix alone, develop an
  // empty stub extension so the installed .vsix is tested as users get it.
  let devPath = extensionDir;
  if (!devPath) {
    devPath = join(temp, 'dev-stub');
    mkdirSync(devPath, { recursive: true });
    writeFileSync(
      join(devPath, 'package.json'),
      JSON.stringify({
        name: 'code-server-runner-stub',
        publisher: 'code-server-runner',
        version: '0.0.0',
        engines: { vscode: '*' },
      }),
    );
  }
  const payload = [['extensionDevelopmentPath', remote(devPath)]];
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  const open = workspaceFile
    ? `workspace=${encodeURIComponent(workspaceFile)}`
    : `folder=${encodeURIComponent(workspaceDir)}`;
  const url = `${baseUrl}/?${open}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  if (opts.verbose) say(`opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

  const timedOut = sleep(Math.max(0, deadline - Date.now())).then(() => 'timeout');
  const serverDied = new Promise((r) => server.once('exit', (c, s) => r(`code-server exited (${c ?? s})`)));
  const pageDied = Promise.race([
    crashed.then(() => 'the page crashed'),
    new Promise((r) => context.once('close', () => r('chromium closed'))),
  ]);

  if (testsPath) {
    say(`running ${testsPath} in the extension host (timeout ${timeoutMs} ms)`);
    const result = await Promise.race([exited, timedOut, serverDied, pageDied]);
    if (typeof result === 'number') {
      await screenshot(page, result === 0 ? 'suite-end' : 'suite-failed');
      if (result !== 0) {
        writeWorkbenchLogs(automationLogs);
        if (opts.verbose) printTails(`suite exited with ${result}`);
      }
      say(`suite exited with code ${result}`);
      return result;
    }
    if (result === 'timeout') {
      await screenshot(page, 'suite-timeout');
      printTails(
        `TIMEOUT: the suite did not call back within ${timeoutMs} ms (did run() return a promise that settles?)`,
      );
      return EXIT_TIMEOUT;
    }
    printTails(result);
    return EXIT_INFRA;
  }

  // UI mode
  const ctx = {
    baseUrl,
    screenshotsDir,
    page,
    workspace: workspaceDir,
    extension: extensionDir,
    /** code-server's process id: the extension host (where the product runs) is one of its descendants. */
    serverPid: server.pid,
    log: (...a) => process.stdout.write(`${a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')}\n`),
    screenshot: (name) => screenshot(page, name),
    /**
     * Shows a view container of the activity bar ("Explorer", "Search", "Release Operator", ...). Clicking an item
     * that is already shown would hide the side bar, so this clicks only when it is not the active one.
     */
    showActivity: async (label) => {
      const item = page
        .locator(`.part.activitybar li.action-item:has(> a.action-label[aria-label^="${label}"])`)
        .first();
      await item.waitFor({ state: 'visible', timeout: 20_000 });
      const active = async () =>
        (await item.getAttribute('aria-expanded')) === 'true' ||
        /\bchecked\b/.test((await item.getAttribute('class')) ?? '');
      if (!(await active()) || !(await page.locator('.part.sidebar').isVisible())) await item.click();
      await page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: 10_000 });
    },
    /** Opens the command palette (F1), types the text, waits for a matching row and runs it with Enter. */
    runCommand: async (text) => {
      // Escape closes a quick pick, menu or notification focus that would swallow F1.
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${text}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
    },
  };
  say('waiting for the workbench');
  await waitForWorkbench(page, deadline);
  say(`workbench ready; running UI module ${uiModule} (timeout ${timeoutMs} ms)`);
  const mod = await import(pathToFileURL(uiModule).href);
  const fn = mod.default ?? mod.run;
  if (typeof fn !== 'function') throw new InfraError(`${uiModule} has no default export function (page, ctx)`);
  const outcome = await Promise.race([
    Promise.resolve()
      .then(() => fn(page, ctx))
      .then(
        () => 'passed',
        (e) => e,
      ),
    timedOut,
    serverDied,
    pageDied,
  ]);
  if (outcome === 'passed') {
    say('UI module passed');
    return 0;
  }
  if (outcome === 'timeout') {
    await screenshot(page, 'ui-timeout');
    printTails(`TIMEOUT: the UI module did not finish within ${timeoutMs} ms`);
    return EXIT_TIMEOUT;
  }
  if (typeof outcome === 'string') {
    printTails(outcome);
    return EXIT_INFRA;
  }
  await screenshot(page, 'ui-failed');
  process.stderr.write(`UI module failed: ${outcome?.stack || outcome}\n`);
  printTails('UI module failed');
  return 1;
}

async function waitForWorkbench(page, deadline) {
  const left = () => Math.max(1000, deadline - Date.now());
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: left() });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: left() });
  // The explorer shows the folder once the remote file system is connected.
  await page
    .locator('.explorer-folders-view, .explorer-viewlet')
    .first()
    .waitFor({ state: 'attached', timeout: left() })
    .catch(() => {});
}

function writeWorkbenchLogs(logs) {
  if (!screenshotsDir || !logs?.length) return;
  const dir = join(screenshotsDir, 'workbench-logs');
  for (const l of logs) {
    if (!l || typeof l.relativePath !== 'string') continue;
    const f = join(dir, l.relativePath.replace(/\.\.+/g, '_'));
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, String(l.contents ?? ''));
  }
  say(`workbench logs written to ${dir}`);
}

let code;
const interrupted = () => new Promise(() => {}); // a signal handler is stopping everything and exits itself
try {
  code = await main();
  if (cleaning) await interrupted();
} catch (e) {
  if (cleaning) await interrupted();
  if (e instanceof InfraError) printTails(e.message);
  else {
    say(`runner error: ${e.stack || e}`);
    printTails('runner error');
  }
  code = EXIT_INFRA;
}
await cleanup();
say(`done in ${elapsed()}, exit ${code}`);
process.exit(code);
