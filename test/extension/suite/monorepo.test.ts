import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AuditReport } from '../../../src/core/audit';
import type { GlibcReport } from '../../../src/core/glibc';
import type { ReadinessReport } from '../../../src/core/report';
import type { OfferOutcome } from '../../../src/extension/imageOffer';
import type { PlatformSmoke } from '../../../src/extension/smokeResults';
import type { ReleaseNode } from '../../../src/extension/tree/model';
import { api, fixture, roots, tooltipText } from './api';

// Runs in a monorepo (test/extension/monorepo.mjs): apps/extension-rocket and apps/worker, each a Dockerfile, and a
// release-operator.json that names the fixture's image but has no "images" list. index.ts picks it by its
// apps/worker/Dockerfile.
const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const ROCKET = 'extension-rocket';

/** Accepts the quick pick's first row as a person pressing Enter would, until the command settles. */
async function acceptFirst<T>(command: Thenable<T>): Promise<T> {
  const p = Promise.resolve(command);
  let done = false;
  void p.finally(() => (done = true));
  for (let i = 0; i < 150 && !done; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return p;
}

async function kids(n: ReleaseNode): Promise<ReleaseNode[]> {
  return (await api()).tree.getChildren(n);
}

describe('a monorepo of several images', function () {
  this.timeout(300_000);

  it('first load: one image (the top-level keys), the tree flat as always', async () => {
    const a = await api();
    const f = await a.facts();
    assert.deepEqual(
      f.images.map((i) => i.name),
      ['extension-rocket'],
    );
    const ids = (await roots()).map((n) => n.id);
    assert.ok(ids.includes('version') && ids.includes('images') && ids.includes('smoke'), ids.join(', '));
    assert.ok(!ids.some((id) => id.startsWith('group/')), ids.join(', '));
  });

  it('Discover Images shows the Dockerfiles no image builds and adds only an "images" list', async () => {
    const a = await api();
    const before = JSON.parse(readFileSync(path.join(folder(), 'release-operator.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const out = await vscode.commands.executeCommand<OfferOutcome>('releaseOperator.discoverImages', {
      confirmed: true,
    });
    assert.equal(out?.kind, 'written', JSON.stringify(out));
    const registry = fixture().image.slice(0, fixture().image.lastIndexOf('/'));
    const file = JSON.parse(readFileSync(path.join(folder(), 'release-operator.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(file.images, [
      {
        name: ROCKET,
        image: `${registry}/${ROCKET}`,
        dockerfile: `apps/${ROCKET}/Dockerfile`,
        context: `apps/${ROCKET}`,
      },
      { name: 'worker', image: `${registry}/worker`, dockerfile: 'apps/worker/Dockerfile', context: 'apps/worker' },
    ]);
    for (const k of Object.keys(before)) assert.deepEqual(file[k], before[k], `${k} stays as it was`);
    // Nothing left to offer: a second run writes nothing.
    const again = await vscode.commands.executeCommand<OfferOutcome>('releaseOperator.discoverImages', {
      confirmed: true,
    });
    assert.equal(again?.kind, 'nothing');
    assert.deepEqual(
      (await a.facts()).images.map((i) => [i.name, i.status.image]),
      [
        [ROCKET, fixture().image],
        ['worker', `${registry}/worker`],
      ],
    );
  });

  it('the Release view groups by image: each with its plan, image tags (platforms), smoke and readiness', async () => {
    const groups = (await roots()).filter((n) => n.id.startsWith('group/'));
    assert.deepEqual(
      groups.map((g) => [g.label, g.description, g.contextValue]),
      [
        [ROCKET, fixture().image, 'imageGroup'],
        ['worker', fixture().image.replace(/[^/]+$/, 'worker'), 'imageGroup'],
      ],
    );
    const rootIds = (await roots()).map((n) => n.id);
    assert.ok(!rootIds.includes('version') && !rootIds.includes('smoke'), `sections moved under images: ${rootIds}`);
    const [rocket, worker] = groups;
    const sections = await kids(rocket);
    assert.deepEqual(
      sections.map((n) => n.id),
      ['version', 'gittags', 'images', 'smoke', 'readiness'].map((id) => `group/${ROCKET}/${id}`),
    );
    assert.ok(sections.every((n) => n.data?.image === ROCKET));
    // Its own tag plan, and its own image tags: v1.2.3 with its platforms.
    const plan = await kids(sections[0]);
    assert.ok(
      plan.some((n) => n.label === 'v1.2.3'),
      plan.map((n) => n.label).join(', '),
    );
    const tags = await kids(sections[2]);
    const v123 = tags.find((n) => n.label === 'v1.2.3');
    assert.ok(v123, tags.map((n) => n.label).join(', '));
    assert.equal(v123.data?.image, ROCKET);
    const platforms = (await kids(v123)).map((n) => n.label);
    assert.ok(platforms.includes('linux/amd64') && platforms.includes('linux/arm64'), platforms.join(', '));
    // The worker's image has no tags: none of the rocket's show under it.
    const workerTags = await kids((await kids(worker)).find((n) => n.id === 'group/worker/images')!);
    assert.ok(!workerTags.some((n) => n.label === 'v1.2.3'), workerTags.map((n) => n.label).join(', '));
    // Every id the tree shows is its own.
    const all = await (await api()).tree.walk(3);
    const ids = all.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.filter((id, i) => ids.indexOf(id) !== i)}`);
  });

  it('a smoke run from an image node is that image’s: its results show under it only', async () => {
    const a = await api();
    const results = await vscode.commands.executeCommand<PlatformSmoke[]>('releaseOperator.runSmoke', {
      reference: `${fixture().image}:v1.2.3`,
      platforms: ['linux/amd64'],
      image: ROCKET,
    });
    assert.deepEqual(
      results?.map((r) => [r.platform, r.state]),
      [['linux/amd64', 'passed']],
    );
    const [rocket, worker] = (await roots()).filter((n) => n.id.startsWith('group/'));
    const smokeOf = async (g: ReleaseNode) => kids((await kids(g)).find((n) => n.id.endsWith('/smoke'))!);
    const rocketSmoke = await smokeOf(rocket);
    assert.deepEqual(
      rocketSmoke.map((n) => [n.id, n.label]),
      [[`group/${ROCKET}/smoke/linux/amd64`, 'linux/amd64']],
    );
    assert.deepEqual(
      (await smokeOf(worker)).map((n) => n.id),
      ['group/worker/smoke/none'],
    );
    assert.equal(a.smoke.get('linux/amd64', ROCKET)?.state, 'passed');
    // The status bar says whose result it is.
    assert.equal(a.statusBar.item.text, `$(beaker) $(pass) ${ROCKET}/amd64`);
  });

  it('Check Readiness from an image node: that image’s rows, as `--image NAME` makes them', async () => {
    const a = await api();
    const report = await vscode.commands.executeCommand<ReadinessReport>('releaseOperator.checkReadiness', {
      image: ROCKET,
    });
    assert.ok(report, 'a report');
    assert.equal(report.image, fixture().image);
    const smoke = report.checks.find((c) => c.id === 'smoke');
    assert.deepEqual([smoke?.subject, smoke?.verdict], ['linux/amd64', 'pass']);
    const rows = await a.readiness.provider.getChildren();
    assert.deepEqual(
      rows.slice(0, 2).map((n) => n.id),
      ['images', 'readiness/summary'],
    );
    assert.equal(rows[0].label, `Image ${ROCKET}`);
  });

  it('Check Readiness of all images: every row says its image, a row’s fix works on its own image', async () => {
    const a = await api();
    // From the palette it asks which image; "All images" is the first row.
    const report = await acceptFirst(vscode.commands.executeCommand<ReadinessReport>('releaseOperator.checkReadiness'));
    assert.ok(report, 'a report');
    assert.ok(
      report.checks.every(
        (c) =>
          c.subject === undefined ||
          c.subject === ROCKET ||
          c.subject?.startsWith(`${ROCKET} `) ||
          c.subject?.startsWith('worker'),
      ),
      report.checks.map((c) => c.subject).join(', '),
    );
    // The repository's own rows once, with no image: the workflows' lint and the latest release run.
    assert.deepEqual(
      report.checks.filter((c) => c.subject === undefined).map((c) => c.id),
      ['lint', 'release-run'],
    );
    const smoke = Object.fromEntries(report.checks.filter((c) => c.id === 'smoke').map((c) => [c.subject, c.verdict]));
    // The rocket's run counts for the rocket only; the worker's platform was never smoke tested: nothing checked.
    assert.deepEqual(smoke, { [`${ROCKET} linux/amd64`]: 'pass', 'worker linux/amd64': 'nothing-checked' });
    assert.notEqual(report.verdict, 'pass');
    const rows = await a.readiness.provider.getChildren();
    assert.equal(rows[0].label, `All images: ${ROCKET}, worker`);
    const workerSmoke = rows.find((n) => n.id === 'readiness/smoke/worker linux/amd64');
    assert.ok(workerSmoke, rows.map((n) => n.id).join(', '));
    assert.match(workerSmoke.contextValue ?? '', /\bfixable\b/);
    // Its fix runs smoke on linux/amd64 (the platform, not "worker linux/amd64") of the worker's image.
    assert.match(tooltipText(workerSmoke).replace(/&nbsp;/g, ' '), /Fix: Run the smoke test on linux\/amd64$/m);
    await vscode.commands.executeCommand('releaseOperator.fixReadinessCheck', workerSmoke);
    const ran = a.smoke.get('linux/amd64', 'worker');
    assert.equal(ran?.image, `${fixture().image.replace(/[^/]+$/, 'worker')}:v1.2.3`, JSON.stringify(ran));
    assert.equal(a.smoke.get('linux/amd64', ROCKET)?.state, 'passed', 'the rocket’s own result stays');
  });

  it('Check Release Consistency from the palette offers "All images": one report per image', async () => {
    const reports = await acceptFirst(
      vscode.commands.executeCommand<AuditReport[] | AuditReport>('releaseOperator.audit'),
    );
    assert.ok(Array.isArray(reports), JSON.stringify(reports)?.slice(0, 200));
    assert.deepEqual(
      reports.map((r) => r.image),
      [fixture().image, fixture().image.replace(/[^/]+$/, 'worker')],
    );
  });

  it('Check glibc from the palette offers "All images": each image at its version, rows that say their image', async () => {
    const a = await api();
    const out = await acceptFirst(
      vscode.commands.executeCommand<Array<{ name: string; reference?: string; report?: GlibcReport }>>(
        'releaseOperator.checkGlibc',
      ),
    );
    assert.ok(Array.isArray(out), JSON.stringify(out)?.slice(0, 200));
    const worker = fixture().image.replace(/[^/]+$/, 'worker');
    assert.deepEqual(
      out.map((o) => [o.name, o.reference]),
      [
        [ROCKET, `${fixture().image}:v1.2.3`],
        ['worker', `${worker}:v1.2.3`],
      ],
    );
    // The rocket's image was read, its platforms counted; the worker's repository has no tags: its row could not
    // run and says why (never left out, never a pass).
    const rocket = out[0].report;
    assert.ok(rocket && rocket.platforms.length > 0, JSON.stringify(rocket));
    assert.equal(out[1].report, undefined);
    const extra = (await a.readiness.provider.getChildren()).find((n) => n.id === 'extra');
    assert.ok(extra, 'the glibc rows are shown in the Readiness view');
    assert.match(extra.contextValue ?? '', /readinessExtra/);
    const rows = await a.readiness.provider.getChildren(extra);
    assert.deepEqual(
      rows.map((n) => n.id),
      [...rocket.platforms.map((p) => `extra/glibc/${ROCKET} ${p.platform}`), 'extra/glibc/worker'],
    );
    assert.match(rows.at(-1)!.contextValue ?? '', /verdict-environment/);
  });

  it('offers the release-operator tasks per image: glibc and smoke of each released image, the gate of each and of all', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'release-operator' });
    const args = (command: string) =>
      tasks.filter((t) => t.definition.command === command).map((t) => (t.definition.args as string[]).join(' '));
    const worker = fixture().image.replace(/[^/]+$/, 'worker');
    assert.deepEqual(args('smoke'), [`${fixture().image}:v1.2.3 --image ${ROCKET}`, `${worker}:v1.2.3 --image worker`]);
    assert.deepEqual(args('glibc'), [`${fixture().image}:v1.2.3`, `${worker}:v1.2.3`]);
    assert.deepEqual(args('gate'), [
      '--stage pre-release',
      `--stage pre-release --image ${ROCKET}`,
      '--stage pre-release --image worker',
    ]);
  });
});
