import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/core/config/load';
import { offeredList, planImageOffer, writeImageOffer } from '../../../src/core/config/offer';
import { combineImageReports, imageOfRow, readinessReport, checkResult } from '../../../src/core/report';

/** A monorepo without a root Dockerfile: apps/api and apps/worker, and a release-operator.json of its own. */
function monorepo(config: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-offer-'));
  for (const f of ['apps/api/Dockerfile', 'apps/worker/Dockerfile']) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), 'FROM scratch\n');
  }
  writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify(config, null, 2));
  return dir;
}

describe('the offer of Dockerfiles as images (images --discover --write, the editor first-run offer)', () => {
  it('names offered images next to the configured image, keeps no entry for a missing root Dockerfile', async () => {
    const dir = monorepo({ image: '127.0.0.1:5000/team/app', smoke: { port: 9000 } });
    const { config } = await loadConfig(dir);
    const offer = await planImageOffer(dir, config, { github: { owner: 'Acme', name: 'Mono' } });
    assert.equal(offer.blocked, undefined);
    assert.deepEqual(offer.kept, [], 'the top-level image builds ./Dockerfile, which does not exist');
    assert.deepEqual(offeredList(offer), [
      { name: 'api', image: '127.0.0.1:5000/team/api', dockerfile: 'apps/api/Dockerfile', context: 'apps/api' },
      {
        name: 'worker',
        image: '127.0.0.1:5000/team/worker',
        dockerfile: 'apps/worker/Dockerfile',
        context: 'apps/worker',
      },
    ]);
    // Without a configured image: ghcr.io of the GitHub owner, lower case.
    const bare = monorepo({});
    const ghcr = await planImageOffer(bare, (await loadConfig(bare)).config, { github: { owner: 'Acme', name: 'M' } });
    assert.deepEqual(
      ghcr.offered.map((o) => o.image),
      ['ghcr.io/acme/api', 'ghcr.io/acme/worker'],
    );
  });

  it('adds only "images" (every other key stays) and never writes over an "images" list', async () => {
    const dir = monorepo({ image: '127.0.0.1:5000/team/app', smoke: { port: 9000 } });
    const offer = await planImageOffer(dir, (await loadConfig(dir)).config, {});
    await writeImageOffer(dir, offer);
    const file = JSON.parse(readFileSync(path.join(dir, 'release-operator.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(file.smoke, { port: 9000 });
    assert.equal(file.image, '127.0.0.1:5000/team/app');
    assert.deepEqual(
      (file.images as Array<{ name: string }>).map((i) => i.name),
      ['api', 'worker'],
    );
    // The file loads as two images; a new offer finds nothing and would be refused anyway.
    const again = await planImageOffer(dir, (await loadConfig(dir)).config, {});
    assert.deepEqual(again.offered, []);
    assert.match(again.blocked ?? '', /already has an "images" list/);
    // A list that appeared after the plan was made is not overwritten either.
    const other = monorepo({});
    const stale = await planImageOffer(other, (await loadConfig(other)).config, {});
    writeFileSync(
      path.join(other, 'release-operator.json'),
      JSON.stringify({ images: [{ name: 'mine', image: 'r/o/m' }] }),
    );
    await assert.rejects(writeImageOffer(other, stale), /already has an "images" list/);
    assert.match(readFileSync(path.join(other, 'release-operator.json'), 'utf8'), /"mine"/);
  });
});

describe('rows of several images', () => {
  const row = (id: string, subject?: string, verdict: 'pass' | 'problem' = 'pass') =>
    checkResult({
      id,
      title: id,
      subject,
      examined: { count: 1, what: 'things' },
      findings: verdict === 'problem' ? [{ severity: 'error', message: 'wrong' }] : [],
    });
  it('say their image in the subject, as the gate says them, and the worst verdict wins', () => {
    const api = readinessReport([row('smoke', 'linux/amd64'), row('lint')], { image: 'r/api', version: '1.0.0' });
    const worker = readinessReport([row('smoke', 'linux/amd64', 'problem')], { image: 'r/worker', version: '1.0.0' });
    const both = combineImageReports([
      { name: 'api', report: api },
      { name: 'worker', report: worker },
    ]);
    assert.deepEqual(
      both.checks.map((c) => c.subject),
      ['api linux/amd64', 'api', 'worker linux/amd64'],
    );
    assert.equal(both.verdict, 'problem');
    assert.equal(both.image, 'r/api, r/worker');
  });
  it('are told apart by name, the longest name first', () => {
    const names = ['api', 'api-worker'];
    assert.deepEqual(imageOfRow(names, 'api-worker linux/arm64'), { name: 'api-worker', subject: 'linux/arm64' });
    assert.deepEqual(imageOfRow(names, 'api linux/arm64'), { name: 'api', subject: 'linux/arm64' });
    assert.deepEqual(imageOfRow(names, 'api'), { name: 'api' });
    assert.equal(imageOfRow(names, 'web linux/amd64'), undefined);
    assert.equal(imageOfRow(names, undefined), undefined);
  });
});
