import assert from 'node:assert/strict';
import { ImageFs, applyLayer } from '../../../src/core/image';
import { layerStream, tarOf, type LayerEntry } from '../../helpers/image-layers';

async function merged(...layers: LayerEntry[][]): Promise<ImageFs> {
  const fs = new ImageFs();
  for (const [i, l] of layers.entries()) await applyLayer(fs, layerStream(await tarOf(l)), i, `layer ${i}`);
  return fs;
}

describe('image filesystem: merge rules at the edges (folders only implied by their files)', () => {
  it('a file over an implied folder removes what lower layers had under it; a whiteout of an implied folder too', async () => {
    const fs = await merged(
      [
        { path: '/x/a', text: 'a' },
        { path: '/x/deep/b', text: 'b' },
        { path: '/y/b', text: 'b' },
        { path: '/f', text: 'file' },
        { path: '/keep/k', text: 'k' },
      ],
      [
        { path: '/x', text: 'now a file' },
        { path: '/.wh.y', text: '' },
        { path: '/f', dir: true },
        { path: '/f/c', text: 'c' },
      ],
    );
    assert.deepEqual([...fs.entries.keys()].sort(), ['/', '/f', '/f/c', '/keep/k', '/x']);
    assert.equal(fs.lstat('/x')?.type, 'file');
    assert.equal(fs.lstat('/f')?.type, 'dir');
    assert.equal(fs.resolve('/y')?.entry, undefined, 'nothing is left under /y, so it is not a folder any more');
    assert.equal(fs.resolve('/keep')?.entry?.type, 'dir', 'a folder implied by its file still is one');
  });

  it('replacing a file many times in later layers keeps only the top one; same-layer files stay', async () => {
    const many = (n: number, text: string): LayerEntry[] =>
      Array.from({ length: n }, (_, i) => ({ path: `/usr/lib/p${i % 7}/m${i}.py`, text }));
    const fs = await merged(many(3000, 'low'), many(300, 'top'), [{ path: '/usr/lib/.wh.p3', text: '' }]);
    assert.equal(
      [...fs.entries.keys()].filter((p) => p.startsWith('/usr/lib/p')).length,
      3000 - Math.ceil((3000 - 3) / 7),
    );
    assert.equal(fs.lstat('/usr/lib/p0/m0.py')?.layer, 1);
    assert.equal(fs.lstat('/usr/lib/p0/m301.py')?.layer, 0);
    assert.equal(fs.lstat('/usr/lib/p3/m3.py'), undefined);
  });
});
