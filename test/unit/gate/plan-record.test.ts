import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import { testedCheck } from '../../../src/core/gate/checks/tested';
import { readRecords, releaseTags, writeRecord, type GateRecord } from '../../../src/core/gate';

const scheme = defaultConfig().tags;
const d = (c: string) => `sha256:${c.repeat(64)}`;

describe('gate: the release tags and the record of what was tested', () => {
  it('plans the version tag first, the commit tag, the moving tags last', () => {
    const plan = releaseTags('1.2.3', 'abcdef0123456789', scheme, ['v1.2.2', 'v1.1.0', 'latest']);
    assert.deepEqual(
      plan.tags.map((t) => t.tag),
      ['v1.2.3', 'abcdef0', 'v1.2', 'v1', 'latest'],
    );
    assert.deepEqual(plan.held, []);
  });

  it('a backport never moves latest or the major tag back', () => {
    const plan = releaseTags('1.2.4', undefined, scheme, ['v1.3.0', 'v1.2.3', 'v1', 'v1.3', 'v1.2', 'latest']);
    assert.deepEqual(
      plan.tags.map((t) => t.tag),
      ['v1.2.4', 'v1.2'],
    );
    assert.deepEqual(plan.held, [
      { tag: 'v1', stays: '1.3.0' },
      { tag: 'latest', stays: '1.3.0' },
    ]);
  });

  it('a prerelease moves nothing', () => {
    assert.deepEqual(
      releaseTags('2.0.0-rc.1', undefined, scheme, ['v1.0.0']).tags.map((t) => t.tag),
      ['v2.0.0-rc.1'],
    );
  });

  describe('records', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ro-gate-record-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const record = (platform: string, config: string, over: Partial<GateRecord> = {}): GateRecord => ({
      schema: 'release-operator/gate-record@1',
      image: 'ghcr.io/o/n',
      version: '1.2.3',
      flow: 'candidate',
      platforms: [{ platform, configDigest: d(config), reference: `ghcr.io/o/n@${d('f')}` }],
      recordedAt: '2030-01-01T00:00:00.000Z',
      ...over,
    });

    it('gathers the records of several runners from one folder, and leaves out the others with the reason', async () => {
      await writeRecord(dir, record('linux/amd64', 'a'));
      await writeRecord(dir, record('linux/arm64', 'b'));
      await writeRecord(path.join(dir, 'other.json'), record('linux/s390x', 'c', { image: 'ghcr.io/o/other' }));
      writeFileSync(path.join(dir, 'broken.json'), '{"schema":"nope"}');
      const lookup = await readRecords(dir, { image: 'ghcr.io/o/n', version: '1.2.3' });
      assert.deepEqual([...lookup.tested.keys()].sort(), ['linux/amd64', 'linux/arm64']);
      assert.equal(lookup.skipped.length, 2, lookup.skipped.join('\n'));
      assert.ok(lookup.skipped.some((s) => /broken\.json: .*not a gate record/.test(s)));
      assert.ok(lookup.skipped.some((s) => /about ghcr\.io\/o\/other/.test(s)));
    });

    it('pushed-is-tested: a different build on one platform is a problem naming it; no record checks nothing', async () => {
      await writeRecord(dir, record('linux/amd64', 'a'));
      await writeRecord(dir, record('linux/arm64', 'b'));
      const lookup = await readRecords(dir, { image: 'ghcr.io/o/n', version: '1.2.3' });
      const pushed = [
        { platform: 'linux/amd64', manifestDigest: d('1'), configDigest: d('a') },
        { platform: 'linux/arm64', manifestDigest: d('2'), configDigest: d('9') },
      ];
      const c = testedCheck(pushed, lookup, dir);
      assert.equal(c.verdict, 'problem');
      assert.equal(c.findings.length, 1);
      assert.equal(c.findings[0].subject, 'linux/arm64');
      assert.match(c.findings[0].message, /holds image sha256:9{64}, but smoke tested sha256:b{64}/);
      const none = testedCheck(
        pushed,
        await readRecords(path.join(dir, 'nothing-here'), { image: 'ghcr.io/o/n' }),
        dir,
      );
      assert.equal(none.verdict, 'nothing-checked');
    });
  });
});
