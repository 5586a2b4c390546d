import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { storedLayers, whiteoutsOf } from '../../../src/core/image/storage';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

describe("engine storage: the layer records and the whiteouts of a layer's tar-split", () => {
  it('whiteouts and opaque folders come from the entry lines; a name that is not UTF-8 comes from name_raw', () => {
    const raw = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('/.wh.old')]).toString('base64');
    const lines = [
      '{"type":2,"payload":"LndoLmZha2U=","position":0}',
      '{"type":1,"name":"usr/local/bin/.wh.old","size":0,"payload":null,"position":1}',
      '{"type":1,"name":"opt/data/.wh..wh..opq","size":0,"payload":null,"position":2}',
      '{"type":1,"name":"usr/bin/app","size":10,"payload":"AAAA","position":3}',
      `{"type":1,"name_raw":"${raw}","size":0,"payload":null,"position":4}`,
      '{"type":1,"name":".wh.top","size":0,"payload":null,"position":5}',
      '',
    ];
    assert.deepEqual(whiteoutsOf(lines.join('\n')), [
      { op: 'whiteout', path: '/usr/local/bin/old' },
      { op: 'opaque', dir: '/opt/data' },
      { op: 'whiteout', path: '/caf\u00e9/old' },
      { op: 'whiteout', path: '/top' },
    ]);
  });

  describe('storedLayers', () => {
    let root: string;
    const d1 = sha('layer 1');
    const d2 = sha('layer 2');
    const chain2 = sha(`${d1} ${d2}`);
    const record = async (chain: string, diff: string, cacheId: string) => {
      const db = path.join(root, 'image/overlay2/layerdb/sha256', chain.slice(7));
      await mkdir(db, { recursive: true });
      await writeFile(path.join(db, 'diff'), diff);
      await writeFile(path.join(db, 'cache-id'), cacheId);
    };
    const inspect = (upper: string, name = 'overlay2') => ({
      RootFS: { Layers: [d1, d2] },
      GraphDriver: { Name: name, Data: { UpperDir: upper } },
    });

    beforeEach(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'ro-storage-'));
    });
    afterEach(() => rm(root, { recursive: true, force: true }));

    it('finds each layer by its chain id (OCI), bottom first, and checks the top against the image', async () => {
      await record(d1, d1, 'aaa');
      await record(chain2, d2, 'bbb');
      const layers = await storedLayers(inspect(`${root}/overlay2/bbb/diff`));
      assert.deepEqual(Array.isArray(layers) && layers.map((l) => [l.diffId, l.dir]), [
        [d1, `${root}/overlay2/aaa/diff`],
        [d2, `${root}/overlay2/bbb/diff`],
      ]);
    });

    it("says why it cannot be used: another driver, a missing or disagreeing record, a top that is not the image's", async () => {
      await record(d1, d1, 'aaa');
      assert.match(
        ((await storedLayers(inspect(`${root}/overlay2/bbb/diff`, 'vfs'))) as { unusable: string }).unusable,
        /storage driver is vfs/,
      );
      assert.match(
        ((await storedLayers(inspect('/somewhere/else'))) as { unusable: string }).unusable,
        /not an overlay2 folder/,
      );
      assert.match(
        ((await storedLayers(inspect(`${root}/overlay2/bbb/diff`))) as { unusable: string }).unusable,
        /layer record .* cannot be read \(ENOENT\)/,
      );
      await record(chain2, d1, 'bbb');
      assert.match(
        ((await storedLayers(inspect(`${root}/overlay2/bbb/diff`))) as { unusable: string }).unusable,
        /is of sha256:[0-9a-f]+, not sha256:/,
      );
      await record(chain2, d2, '../../etc');
      assert.match(
        ((await storedLayers(inspect(`${root}/overlay2/bbb/diff`))) as { unusable: string }).unusable,
        /unexpected cache id/,
      );
      await record(chain2, d2, 'ccc');
      assert.match(
        ((await storedLayers(inspect(`${root}/overlay2/bbb/diff`))) as { unusable: string }).unusable,
        /lead to .*ccc\/diff, not the image's/,
      );
    });
  });
});
