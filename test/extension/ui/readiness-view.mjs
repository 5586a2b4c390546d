// UI test (driven by test/extension/code-server-runner.mjs --ui): the Readiness view as a person sees it in the
// real workbench, on the fixture repository (its release workflow pushes before any smoke test: one failing check,
// pipeline lint). Opens the view, waits for the summary line and the rows, follows the lint row's inline fix to the
// finding's file and line, and saves screenshots in the dark and the light theme (the README's images).
// RO_UI_EXPECT_LOCALE=zh-cn: the same flow in Chinese (the view's words come from the zh-cn bundle).
import assert from 'node:assert/strict';

const zh = process.env.RO_UI_EXPECT_LOCALE === 'zh-cn';
const WORDS = zh
  ? {
      release: '发布',
      view: '就绪情况',
      summary: '版本 1.2.3：未就绪',
      lint: 'Pipeline lint',
      problem: '有问题',
      suffix: '-zh-cn',
    }
  : {
      release: 'Release',
      view: 'Readiness',
      summary: 'Version 1.2.3: not ready',
      lint: 'Pipeline lint',
      problem: 'problem',
      suffix: '',
    };

const row = (page, label) =>
  page.locator('.pane-body .monaco-list-row', { has: page.locator(`a.label-name >> text="${label}"`) }).first();

export default async function (page, ctx) {
  await ctx.showActivity('Release Operator');
  const pane = (title) => page.locator('.pane-header', { has: page.locator('h3.title', { hasText: title }) }).first();
  // The Readiness pane gets the side bar's height (the Release pane folded), and the side bar a readable width.
  const release = pane(new RegExp(`^${WORDS.release}$`));
  await release.waitFor({ state: 'visible', timeout: 60_000 });
  if ((await release.getAttribute('aria-expanded')) === 'true') await release.click();
  const header = pane(new RegExp(`^${WORDS.view}$`));
  await header.waitFor({ state: 'visible', timeout: 20_000 });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (bar) {
    await page.mouse.move(bar.x + bar.width + 1, bar.y + 200);
    await page.mouse.down();
    await page.mouse.move(760, bar.y + 200, { steps: 8 });
    await page.mouse.up();
  }
  const summary = row(page, WORDS.summary);
  await summary.waitFor({ state: 'visible', timeout: 180_000 });
  ctx.log(`Readiness view: "${(await summary.innerText()).replace(/\s+/g, ' ')}"`);

  const lint = row(page, WORDS.lint);
  await lint.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await lint.innerText(), new RegExp(WORDS.problem), 'pipeline lint is the failing check');
  // Nothing-checked rows never wear the pass icon: every smoke row before a smoke run.
  for (const p of ['linux/amd64', 'linux/arm64']) {
    const smoke = row(page, `Smoke ${p}`);
    await smoke.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await smoke.locator('.codicon-pass').count(), 0, `Smoke ${p} is not shown as a pass`);
    assert.equal(await smoke.locator('.codicon-circle-large-outline').count(), 1, `Smoke ${p}: nothing checked`);
  }
  await page.locator('.statusbar-item', { hasText: '1.2.3' }).first().waitFor({ timeout: 10_000 });
  const theme = async () =>
    (await page.locator('.monaco-workbench').first().getAttribute('class'))?.includes('vs-dark') ? 'dark' : 'light';
  const first = await theme();
  await ctx.screenshot(`readiness-${first}${WORDS.suffix}`);

  // The row's inline action: the finding opens at its file and line.
  await lint.hover();
  await lint.locator('.actions .action-label.codicon-wrench').first().click();
  await page.locator('.tab.active', { hasText: 'release.yml' }).first().waitFor({ timeout: 20_000 });
  await page
    .locator('.statusbar-item', { hasText: /Ln 15, Col 23|行 15，列 23/ })
    .first()
    .waitFor({ timeout: 10_000 });
  ctx.log('followed the lint row fix: release.yml opened at line 15');
  await ctx.screenshot(`readiness-fix${WORDS.suffix}`);
  if (zh) return;

  await ctx.runCommand('Preferences: Toggle between Light/Dark Themes');
  const other = first === 'dark' ? 'light' : 'dark';
  await page.waitForFunction(
    (dark) => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark') === dark,
    other === 'dark',
    { timeout: 20_000 },
  );
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+W');
  await summary.waitFor({ state: 'visible', timeout: 10_000 });
  await ctx.screenshot(`readiness-${other}`);
  ctx.log(`screenshots in the ${first} and the ${other} theme`);
}
