#!/usr/bin/env node
// The VS Code tests, in a real VS Code (code-server + Debian's chromium, see test/extension/README.md):
//   1. build dist/ (production, as shipped) and package the .vsix; check it holds no src/ or test/
//   2. bundle the extension-host suite and make the fixture workspace (a git repository whose image is pushed
//      to the test bed registry 127.0.0.1:5000: a multi-arch OCI index with attestations, runnable by Docker)
//   3. extension-host suite in a trusted workspace, trust.test in an untrusted one (Workspace Trust on),
//      norepo.test in a folder that is not a repository (the welcome view), and multiroot.test in a workspace
//      of two repositories (the repository picker), monorepo.test in a monorepo of two Dockerfiles (several images)
//   4. the UI tests against the installed .vsix: Release panel, platforms, palette, status bar, screenshots; the
//      Readiness view (rows, a fix followed, light and dark screenshots for the README: docs/images)
//   5. the same .vsix with the display language zh-cn: view title, tree rows and a command title in Chinese
// Appends {"suite":"vscode",...} to $RO_TEST_STATS. Exit 1 when anything failed.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { TEST_EXTERNALS, nodeBundleOptions } from '../../scripts/bundle-options.mjs';
import { makeMonorepo } from './monorepo.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const artifacts = path.join(root, 'test/.artifacts');
const work = path.join(artifacts, 'vscode');
const shots = path.join(artifacts, 'screenshots');
const runner = path.join(root, 'test/extension/code-server-runner.mjs');
const t0 = Date.now();
const say = (m) => console.log(`[vscode-tests ${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}`);
let passed = 0;
let failed = 0;
const failures = [];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    timeout: opts.timeout ?? 600_000,
    env: { ...process.env, ...opts.env },
  });
  if (r.error) throw r.error;
  return r;
}
function must(what, cmd, args, opts) {
  const r = sh(cmd, args, opts);
  if (r.status !== 0) {
    console.error(`FAILED (setup): ${what} exited ${r.status}`);
    process.exit(1);
  }
  return r;
}
function check(name, ok, detail = '') {
  if (ok) passed++;
  else {
    failed++;
    failures.push(`${name}${detail ? `: ${detail}` : ''}`);
  }
  say(`${ok ? 'PASS' : 'FAIL'} ${name}${!ok && detail ? ` (${detail})` : ''}`);
}

/**
 * Searches every file code-server wrote during the trusted run (the output channels' logs, the extension host's
 * log, settings, state) for the GitHub token the suite used, raw and in base64. The fake token has a ghp_ shape
 * that pattern redaction would hide anyway, so the search looks for its distinctive tail too. The check is not
 * vacuous: the Release Operator log channel's file must exist and show the GitHub calls the suite made.
 */
function checkNoSecretInLogs(dir) {
  const token = 'ghp_fakeTokenForTests0123456789abcdef';
  const needles = [
    token,
    token.slice(4),
    Buffer.from(token).toString('base64'),
    Buffer.from(`x-access-token:${token}`).toString('base64'),
  ];
  const files = [];
  const walk = (d) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (f.isFile() && statSync(p).size < 64 * 1024 * 1024) files.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  const leaks = files.filter((f) => {
    const text = readFileSync(f, 'latin1');
    return needles.some((n) => text.includes(n));
  });
  const channelLog = files.find((f) => /Release Operator\.log$/.test(f));
  const channelText = channelLog ? readFileSync(channelLog, 'utf8') : '';
  check(
    `no secret in the output channels or any log of the workbench (${files.length} files searched)`,
    leaks.length === 0 && Boolean(channelLog) && /github|workflow|dispatch/i.test(channelText),
    leaks.length
      ? `the token appears in ${leaks.map((f) => path.relative(dir, f)).join(', ')}`
      : channelLog
        ? 'the Release Operator log shows no GitHub activity: the search proves nothing'
        : 'no "Release Operator.log" output channel file was found',
  );
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
mkdirSync(shots, { recursive: true });

say('installing code-server (cached after the first time)');
must('test/testbed/install-code-server.sh', 'bash', ['test/testbed/install-code-server.sh'], { capture: true });

say('packaging the .vsix (npm run package)');
must('npm run package', 'npm', ['run', '--silent', 'package']);
const vsix = path.join(work, 'release-operator.vsix');
copyFileSync(path.join(root, 'release-operator.vsix'), vsix);
const listing = must('unzip -l', 'unzip', ['-Z1', vsix], { capture: true }).stdout.split('\n').filter(Boolean);
const inExt = listing.filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length));
const leaked = inExt.filter(
  (f) => /^(src|test|out|node_modules|bench|scripts)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map'),
);
check(
  'the .vsix holds dist/, package.json and media, and no sources or tests',
  leaked.length === 0 &&
    ['dist/extension.js', 'dist/cli.js', 'package.json', 'media/icon.png'].every((f) => inExt.includes(f)),
  leaked.slice(0, 5).join(', ') || `has: ${inExt.join(', ')}`,
);

say('bundling the extension-host suite and the fixture');
must('test/build.mjs', 'node', ['test/build.mjs', 'test/extension']);
await esbuild.build({
  ...nodeBundleOptions('test'),
  entryPoints: [path.join(root, 'test/extension/fixture.ts')],
  outfile: path.join(root, 'out/test/extension/fixture.js'),
  external: TEST_EXTERNALS,
});
const fixtureJson = must('fixture', 'node', ['out/test/extension/fixture.js', path.join(work, 'workspace')], {
  capture: true,
}).stdout.trim();
writeFileSync(path.join(work, 'fixture.json'), fixtureJson);
const fixture = JSON.parse(fixtureJson);
say(`fixture: ${fixture.workspace} -> ${fixture.image}`);

const suite = path.join(root, 'out/test/extension/suite/index.js');
const counts = (file, name) => {
  if (!existsSync(file)) return check(name, false, 'the suite wrote no results (see the output above)');
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.passed;
  failed += r.failed;
  if (r.failed) failures.push(`${name}: ${r.failed} failed`);
  say(`${name}: ${r.passed} passed, ${r.failed} failed (${r.files.join(', ')})`);
};

/**
 * The extension-host suite in `workspace` (code-server, the extension from source): its counts from
 * results-<mode>.json, and a runner that failed before writing them is a failure of its own.
 */
const suiteRun = ({ mode, name, workspace, screenshots, timeoutMs, args = [], env }) => {
  const r = sh(
    'node',
    [
      runner,
      '--extension',
      root,
      '--tests',
      suite,
      '--workspace',
      workspace,
      ...args,
      '--screenshots',
      screenshots,
      '--timeout-ms',
      String(timeoutMs),
    ],
    env ? { env } : undefined,
  );
  const results = path.join(work, `results-${mode}.json`);
  counts(results, name);
  if (r.status !== 0 && !existsSync(results)) check(`${name}: the run`, false, `runner exited ${r.status}`);
  return r;
};

/** A UI module against the installed .vsix in `workspace`; passes when the runner exits 0. */
const uiRun = ({ title, module, workspace, screenshots, timeoutMs, args = [], env }) => {
  const r = sh(
    'node',
    [
      runner,
      '--vsix',
      vsix,
      '--ui',
      path.join(root, module),
      '--workspace',
      workspace,
      ...(screenshots ? ['--screenshots', screenshots] : []),
      '--timeout-ms',
      String(timeoutMs),
      ...args,
    ],
    env ? { env } : undefined,
  );
  check(title, r.status === 0, `runner exited ${r.status}`);
  return r;
};

say('extension-host suite, trusted workspace');
// The trusted run keeps its code-server folder (user data and logs, among them every output channel's log file)
// so that it can be searched for the GitHub token the suite used.
const trustedTmp = path.join(work, 'trusted-code-server');
rmSync(trustedTmp, { recursive: true, force: true });
mkdirSync(trustedTmp, { recursive: true });
suiteRun({
  mode: 'trusted',
  name: 'extension host (trusted)',
  workspace: fixture.workspace,
  screenshots: path.join(shots, 'trusted'),
  timeoutMs: 420000,
  args: ['--keep-temp'],
  env: { RO_RUNNER_TMPDIR: trustedTmp },
});
checkNoSecretInLogs(trustedTmp);
rmSync(trustedTmp, { recursive: true, force: true });

say('extension-host suite, untrusted workspace (Workspace Trust on)');
suiteRun({
  mode: 'untrusted',
  name: 'extension host (untrusted)',
  workspace: fixture.workspace,
  screenshots: path.join(shots, 'untrusted'),
  timeoutMs: 180000,
  args: ['--workspace-trust'],
});

say('extension-host suite, a folder without a repository');
// Outside this repository (git would find it from any folder below it).
const plain = mkdtempSync(path.join(os.tmpdir(), 'ro-no-repository-'));
writeFileSync(path.join(plain, 'notes.txt'), 'not a repository\n');
suiteRun({
  mode: 'norepo',
  name: 'extension host (no repository)',
  workspace: plain,
  screenshots: path.join(shots, 'no-repository'),
  timeoutMs: 180000,
});
rmSync(plain, { recursive: true, force: true });

say('extension-host suite, a multi-root workspace (two repositories)');
// The fixture repository first, a second repository of its own after it: the picker chooses between them.
const multi = mkdtempSync(path.join(os.tmpdir(), 'ro-multi-root-'));
const second = path.join(multi, 'launchpad');
mkdirSync(second, { recursive: true });
writeFileSync(
  path.join(second, 'package.json'),
  JSON.stringify({ name: 'launchpad', version: '0.9.0' }, null, 2) + '\n',
);
writeFileSync(
  path.join(second, 'release-operator.json'),
  JSON.stringify({ image: '127.0.0.1:5000/acme/launchpad' }, null, 2) + '\n',
);
for (const args of [
  ['init', '-q', '-b', 'main'],
  ['remote', 'add', 'origin', 'https://github.com/acme/launchpad.git'],
  ['add', '-A'],
  ['-c', 'user.email=t@example.com', '-c', 'user.name=Tests', 'commit', '-q', '-m', 'launchpad 0.9.0'],
])
  must(`git ${args[0]}`, 'git', ['-C', second, ...args]);
const workspaceFile = path.join(multi, 'release.code-workspace');
writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: fixture.workspace }, { path: second }] }, null, 2));
suiteRun({
  mode: 'multiroot',
  name: 'extension host (multi-root workspace)',
  workspace: workspaceFile,
  screenshots: path.join(shots, 'multi-root'),
  timeoutMs: 180000,
});
rmSync(multi, { recursive: true, force: true });

say('extension-host suite, a monorepo of several images');
// Two Dockerfiles no image builds (apps/extension-rocket, apps/worker): Discover Images, the tree grouped by image,
// per-image smoke, readiness and audit (monorepo.test); outside this repository, like the others.
const monoRoot = mkdtempSync(path.join(os.tmpdir(), 'ro-monorepo-'));
const mono = makeMonorepo(path.join(monoRoot, 'mono'), fixture);
suiteRun({
  mode: 'monorepo',
  name: 'extension host (monorepo of several images)',
  workspace: mono,
  screenshots: path.join(shots, 'monorepo'),
  timeoutMs: 360000,
});
// The first-run offer as a person meets it: a fresh monorepo, the notification, the confirmation, the grouped tree.
uiRun({
  title:
    "UI: a monorepo's Dockerfiles offered on first run, shown before written, then the tree grouped by image (installed .vsix)",
  module: 'test/extension/ui/image-offer.mjs',
  workspace: makeMonorepo(path.join(monoRoot, 'mono'), fixture),
  screenshots: path.join(shots, 'monorepo'),
  timeoutMs: 240000,
});
uiRun({
  title:
    "UI: Don't Ask Again keeps the offer away after a reload; Discover Images from the palette still offers (installed .vsix)",
  module: 'test/extension/ui/image-offer.mjs',
  workspace: makeMonorepo(path.join(monoRoot, 'mono-never'), fixture),
  screenshots: path.join(shots, 'monorepo'),
  timeoutMs: 240000,
  env: { RO_UI_OFFER: 'never' },
});
rmSync(monoRoot, { recursive: true, force: true });

say('UI test with the installed .vsix');
const ui = uiRun({
  title:
    'UI: Release panel, image tag platforms, smoke from the palette, status bar, log, cancel removes containers (installed .vsix)',
  module: 'test/extension/ui/release-panel.mjs',
  workspace: fixture.workspace,
  screenshots: shots,
  timeoutMs: 360000,
});
say('UI test in Chinese (display language zh-cn, installed .vsix)');
uiRun({
  title: 'UI in zh-cn: the view title, the tree rows and a command title in the palette are Chinese (installed .vsix)',
  module: 'test/extension/ui/zh-cn.mjs',
  workspace: fixture.workspace,
  timeoutMs: 180000,
  args: ['--locale', 'zh-cn'],
});
const shot = path.join(shots, 'smoke-passed.png');
// The README's screenshot: written when missing or when asked (RO_UPDATE_SCREENSHOT=1), so a test run leaves git clean.
const readmeShot = path.join(root, 'media/screenshot.png');
if (ui.status === 0 && existsSync(shot) && (!existsSync(readmeShot) || process.env.RO_UPDATE_SCREENSHOT === '1'))
  copyFileSync(shot, readmeShot);

say('UI test: the Readiness view (installed .vsix), light and dark theme');
const readinessShots = path.join(shots, 'readiness');
const readinessUi = uiRun({
  title:
    'UI: Readiness view rows with verdicts, nothing-checked never a pass, the lint row fix opens the finding (installed .vsix)',
  module: 'test/extension/ui/readiness-view.mjs',
  workspace: fixture.workspace,
  screenshots: readinessShots,
  timeoutMs: 300000,
});
say('UI test: the Readiness view in Chinese (display language zh-cn, installed .vsix)');
const readinessZh = uiRun({
  title:
    'UI in zh-cn: the Readiness view title, summary line, verdicts and status bar are Chinese; the fix still works',
  module: 'test/extension/ui/readiness-view.mjs',
  workspace: fixture.workspace,
  screenshots: readinessShots,
  timeoutMs: 300000,
  args: ['--locale', 'zh-cn'],
  env: { RO_UI_EXPECT_LOCALE: 'zh-cn' },
});
// The README's images, like media/screenshot.png: written when missing or when asked (RO_UPDATE_SCREENSHOT=1).
const shotNames = { 'readiness-light-zh-cn.png': 'readiness-zh-cn.png' };
for (const name of ['readiness-light.png', 'readiness-dark.png', 'readiness-fix.png', 'readiness-light-zh-cn.png']) {
  const from = path.join(readinessShots, name);
  const to = path.join(root, 'docs/images', shotNames[name] ?? name);
  if (
    (name.includes('zh-cn') ? readinessZh : readinessUi).status === 0 &&
    existsSync(from) &&
    (!existsSync(to) || process.env.RO_UPDATE_SCREENSHOT === '1')
  )
    copyFileSync(from, to);
}

if (process.env.RO_TEST_STATS)
  appendFileSync(
    process.env.RO_TEST_STATS,
    JSON.stringify({ suite: process.env.RO_TEST_SUITE || 'vscode', passed, failed, skipped: 0 }) + '\n',
  );
say(`${passed} passed, ${failed} failed${failures.length ? `\n  ${failures.join('\n  ')}` : ''}`);
process.exit(failed ? 1 : 0);
