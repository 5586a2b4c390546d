// UI test (test/extension/code-server-runner.mjs --ui ... --locale zh-cn): the extension in Chinese. code-server
// has no Chinese language pack here, so the workbench's own words stay English while the extension's come from
// package.nls.zh-cn.json (the view and command titles) and l10n/bundle.l10n.zh-cn.json (the tree's rows): the
// translations travel with the extension. Throws on any failure.
import assert from 'node:assert/strict';

export default async function (page, ctx) {
  await ctx.showActivity('Release Operator');
  // The view's title, from package.nls.zh-cn.json ("Release" in English): the container holds two views (Release,
  // Readiness), so each shows its title on its pane's header.
  const title = page.locator('.part.sidebar .pane-header h3.title', { hasText: /^发布$/ }).first();
  await title.waitFor({ state: 'visible', timeout: 30_000 });
  ctx.log(`view title: "${(await title.innerText()).trim()}"`);
  // A row of the tree, from the l10n bundle through vscode.l10n.t ("Version 1.2.3" in English).
  const version = page.locator('.pane-body .monaco-list-row a.label-name', { hasText: '版本 1.2.3' }).first();
  await version.waitFor({ state: 'visible', timeout: 60_000 });
  const labels = await page.locator('.pane-body .monaco-list-row .label-name').allTextContents();
  assert.ok(labels.includes('镜像 tag'), `the Image tags row is translated: ${labels.join(' | ')}`);
  assert.ok(!labels.includes('Image tags') && !labels.includes('Smoke results'), 'no English section label');
  ctx.log(`tree rows: ${labels.join(' | ')}`);
  // A command title in the palette, from package.nls.zh-cn.json ("Run Smoke Test..." in English).
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill('>Release Operator: 运行冒烟测试');
  const rowText = await page
    .locator('.quick-input-list .monaco-list-row', { hasText: '运行冒烟测试...' })
    .first()
    .innerText({ timeout: 10_000 });
  assert.match(rowText, /Release Operator: 运行冒烟测试\.\.\./);
  ctx.log(`palette: "${rowText.split('\n')[0]}"`);
  await page.keyboard.press('Escape');
}
