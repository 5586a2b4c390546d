// UI test (driven by test/extension/code-server-runner.mjs --ui): the Release panel as a person sees it in the
// real workbench. Opens the panel, expands an image tag to see its platforms (and no unknown/unknown), runs a
// smoke test of both platforms from the palette (F1) with its quick picks and watches the status bar turn to
// passed, shows the log from the palette, and saves screenshots. Throws on any failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A row of the Release tree by its label text (exact match on the label element). */
const row = (page, label, expandable = false) =>
  page
    .locator(`.pane-body .monaco-list-row${expandable ? '[aria-expanded]' : ''}`, {
      has: page.locator(`a.label-name >> text="${label}"`),
    })
    .first();

/** Where a run in progress keeps its mark (src/core/container/active.ts): a file per run id with its process id. */
const RUNS_DIR = '/tmp/release-operator-runs';

/** Whether `pid` is `ancestor` or one of its descendants (the parent chain in /proc). */
function descendsFrom(pid, ancestor) {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === ancestor) return true;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/** Ids of the runs in progress in this workbench: their marks name a process under our code-server. */
function runsOf(serverPid) {
  let files = [];
  try {
    files = readdirSync(RUNS_DIR);
  } catch {
    return [];
  }
  return files.filter((f) => {
    try {
      return descendsFrom(JSON.parse(readFileSync(path.join(RUNS_DIR, f), 'utf8')).pid, serverPid);
    } catch {
      return false;
    }
  });
}

/** Containers of one smoke run, by the labels the product puts on every container it creates. */
const containersOf = (runId) =>
  spawnSync(
    'docker',
    ['ps', '-aq', '--filter', 'label=release-operator=1', '--filter', `label=release-operator.smoke=${runId}`],
    { encoding: 'utf8' },
  )
    .stdout.split('\n')
    .filter(Boolean);

async function expand(page, label) {
  const r = row(page, label, true);
  await r.waitFor({ state: 'visible', timeout: 30_000 });
  if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
  await page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await r.elementHandle(), {
    timeout: 10_000,
  });
}

export default async function (page, ctx) {
  await ctx.showActivity('Release Operator');
  const version = row(page, 'Version 1.2.3');
  await version.waitFor({ state: 'visible', timeout: 60_000 });
  ctx.log('Release panel shows Version 1.2.3');

  await expand(page, 'Image tags');
  await expand(page, 'v1.2.3');
  await row(page, 'linux/amd64').waitFor({ state: 'visible', timeout: 30_000 });
  await row(page, 'linux/arm64').waitFor({ state: 'visible', timeout: 10_000 });
  const labels = await page.locator('.pane-body .monaco-list-row .label-name').allTextContents();
  assert.ok(!labels.some((l) => /unknown/.test(l)), `no unknown/unknown row: ${labels.join(' | ')}`);
  ctx.log(`image tag v1.2.3 shows ${labels.filter((l) => /^linux\//.test(l)).join(', ')}`);
  await ctx.screenshot('release-panel');

  const status = page.locator('.statusbar-item', { hasText: 'Smoke' }).first();
  await status.waitFor({ state: 'visible', timeout: 20_000 });
  const before = (await status.innerText()).trim();
  ctx.log(`status bar: "${before}"`);

  {
    // The whole flow through the palette: pick the tag, keep the preselected platforms, watch the status bar.
    await ctx.runCommand('Release Operator: Run Smoke Test...');
    const input = page.locator('.quick-input-widget input');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'v1.2.3' })
      .first()
      .waitFor({ timeout: 30_000 });
    await input.fill('v1.2.3');
    await page.keyboard.press('Enter');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'linux/arm64' })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: 'arm64' }).first().waitFor({ timeout: 10_000 });
    await ctx.screenshot('smoke-running');
    // Done when no platform spins any more; then both must have passed (a failure ends the wait at once).
    const item = page.locator('.statusbar-item', { has: page.locator('.codicon-beaker') }).first();
    await page.waitForFunction(
      (el) =>
        el &&
        /arm64/.test(el.textContent ?? '') &&
        !el.querySelector('.codicon-sync, .codicon-loading, [class*="spin"]'),
      await item.elementHandle(),
      { timeout: 240_000 },
    );
    const passes = await item.locator('.codicon-pass').count();
    assert.equal(
      passes,
      2,
      `both platforms passed in the status bar; it shows ${await item.innerHTML()} (see the Containers output in ui-failed.png)`,
    );
    ctx.log('status bar: both platforms passed');
    await expand(page, 'Smoke results');
    await page
      .locator('.pane-body .monaco-list-row', { hasText: /^linux\/arm64passed · \d+\.\d s$/ })
      .first()
      .waitFor({ timeout: 10_000 });
    await ctx.screenshot('smoke-passed');
  }
  {
    await ctx.runCommand('Release Operator: Show Log');
    await page
      .locator('.part.panel', { hasText: 'Release Operator' })
      .first()
      .waitFor({ state: 'visible', timeout: 20_000 });
    ctx.log('ran "Release Operator: Show Log" from the palette; the log is shown');
  }
  await ctx.screenshot('workbench');

  // Cancel really stops the work: a run whose service never gets healthy, cancelled from its notification while
  // the health step waits, ends as cancelled and leaves no container behind. The run's containers are found by the
  // product's labels and this run's id (smoke runs by digest, so the image tag says nothing; other runs on the
  // shared engine, earlier or in another workbench, are not this one's).
  await ctx.runCommand('Release Operator: Run Smoke Test...');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'slow' }).first().waitFor({ timeout: 30_000 });
  await page.locator('.quick-input-widget input').fill('slow');
  await page.keyboard.press('Enter');
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: 'linux/arm64' })
    .first()
    .waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  const toast = page.locator('.notification-toast', { hasText: 'Smoke testing' }).first();
  await toast.locator('.notification-list-item-message', { hasText: /health running/ }).waitFor({ timeout: 60_000 });
  const runIds = runsOf(ctx.serverPid);
  assert.equal(runIds.length, 1, `one smoke run in progress in this workbench: ${runIds.join(', ')}`);
  const running = () => containersOf(runIds[0]).join(' ');
  assert.notEqual(running(), '', `the slow service container of run ${runIds[0]} runs before the cancel`);
  await ctx.screenshot('smoke-cancelling');
  await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
  const item = page.locator('.statusbar-item', { has: page.locator('.codicon-beaker') }).first();
  await page.waitForFunction(
    (el) => el && el.querySelectorAll('.codicon-circle-slash').length === 2,
    await item.elementHandle(),
    { timeout: 60_000 },
  );
  assert.equal(running(), '', 'no container of the cancelled run is left');
  ctx.log('cancelled a smoke run from its notification: status bar shows cancelled, no container left');
}
