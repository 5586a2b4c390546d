import assert from 'node:assert/strict';
import { ImageFs, applyLayer, applyLayerOps, type LayerOp } from '../../../src/core/image';
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

describe('image filesystem on hostile layers', () => {
  it('a layer that hides 20,000 folders with opaque markers applies by walking each subtree, not the image (no hang)', () => {
    const n = 20_000;
    const lower: LayerOp[] = [];
    for (let i = 0; i < n; i++)
      lower.push(
        { op: 'dir', path: `/d${i}`, mode: 0o755 },
        { op: 'set', path: `/d${i}/f`, entry: { type: 'file', mode: 0o644, size: 1 } },
      );
    const upper: LayerOp[] = [];
    for (let i = 0; i < n; i++) upper.push({ op: 'opaque', dir: `/d${i}` });
    upper.push({ op: 'set', path: '/d7/new', entry: { type: 'file', mode: 0o644, size: 2 } });
    const fs = new ImageFs();
    applyLayerOps(fs, lower, 0);
    applyLayerOps(fs, upper, 1);
    assert.equal(fs.lstat('/d3/f'), undefined, 'the lower file is hidden');
    assert.equal(fs.lstat('/d3')?.type, 'dir', 'the folder itself stays');
    assert.deepEqual(fs.list('/d7'), ['new']);
    assert.equal(fs.entries.size, 1 + n + 1);
  });
});
