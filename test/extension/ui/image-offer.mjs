// UI test (test/extension/code-server-runner.mjs --ui ... --workspace <monorepo>): the first-run offer of a
// monorepo's Dockerfiles as a person meets it. The monorepo (test/extension/monorepo.mjs) has two Dockerfiles no
// image builds; opening the Release view shows the notification, "Add as Images" shows what will be written in a
// modal, "Write" adds the "images" list to release-operator.json (its other keys kept), and the Release view then
// shows one row per image. Throws on any failure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const row = (page, label) =>
  page.locator('.pane-body .monaco-list-row', { has: page.locator(`a.label-name >> text="${label}"`) }).first();

export default async function (page, ctx) {
  const file = path.join(ctx.workspace, 'release-operator.json');
  const before = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(before.images, undefined, 'the monorepo starts without an "images" list');
  await ctx.showActivity('Release Operator');
  const toast = page.locator('.notification-toast', { hasText: 'Dockerfiles no image builds' }).first();
  await toast.waitFor({ state: 'visible', timeout: 60_000 });
  const text = await toast.locator('.notification-list-item-message').innerText();
  assert.match(
    text,
    /found 2 Dockerfiles no image builds: extension-rocket \(apps\/extension-rocket\/Dockerfile\), worker/,
  );
  for (const b of ['Add as Images', 'Not Now', "Don't Ask Again"])
    assert.equal(await toast.locator('.monaco-button', { hasText: b }).count(), 1, `the offer has "${b}"`);
  await ctx.screenshot('image-offer');
  await toast.locator('.monaco-button', { hasText: 'Add as Images' }).first().click();
  // What will be written, before anything is.
  const dialog = page.locator('.monaco-dialog-box').first();
  await dialog.waitFor({ state: 'visible', timeout: 20_000 });
  const shown = await dialog.innerText();
  assert.match(shown, /"name": "worker"/);
  assert.match(shown, /"dockerfile": "apps\/worker\/Dockerfile"/);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).images, undefined, 'nothing written before "Write"');
  await ctx.screenshot('image-offer-confirm');
  await dialog
    .locator('.monaco-button', { hasText: /^Write$/ })
    .first()
    .click();
  for (let i = 0; i < 100 && !JSON.parse(readFileSync(file, 'utf8')).images; i++)
    await new Promise((r) => setTimeout(r, 100));
  const after = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(
    after.images?.map((i) => i.name),
    ['extension-rocket', 'worker'],
  );
  for (const k of Object.keys(before)) assert.deepEqual(after[k], before[k], `${k} kept`);
  // The Release view groups by image now: one row per image, with its reference.
  for (const name of ['extension-rocket', 'worker'])
    await row(page, name).waitFor({ state: 'visible', timeout: 60_000 });
  const worker = await row(page, 'worker').innerText();
  assert.match(worker, /ro-test\/worker/);
  await ctx.screenshot('image-groups');
  ctx.log('first-run offer: notification, confirmation with the list, written, tree grouped by image');
}
