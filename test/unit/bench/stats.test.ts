import assert from 'node:assert/strict';
import { fmtMs, measureInterleaved, summarize } from '../../../bench/lib/stats';
import { hostSpeedNote, renderTable } from '../../../bench/lib/report';

describe('bench/lib stats and report', () => {
  it('summarizes odd and even sample counts by their median, min and max', () => {
    assert.deepEqual(summarize([5, 1, 3]), { n: 3, median: 3, min: 1, max: 5 });
    assert.deepEqual(summarize([4, 1, 3, 10]), { n: 4, median: 3.5, min: 1, max: 10 });
    assert.throws(() => summarize([]), /no samples/);
  });

  it('formats milliseconds and seconds', () => {
    assert.equal(fmtMs(12.4), '12 ms');
    assert.equal(fmtMs(1234), '1.23 s');
    assert.equal(fmtMs(12_345), '12.3 s');
  });

  it('runs subjects in rounds, each as often as asked, with its before() untimed ahead of every run', async () => {
    const order: string[] = [];
    const samples = await measureInterleaved([
      { name: 'a', runs: 3, before: async () => void order.push('a:before'), run: async () => void order.push('a') },
      { name: 'b', runs: 1, run: async () => void order.push('b') },
    ]);
    assert.deepEqual(order, ['a:before', 'a', 'b', 'a:before', 'a', 'a:before', 'a']);
    assert.equal(samples.get('a')!.length, 3);
    assert.equal(samples.get('b')!.length, 1);
  });

  it('renders the ratio of each row median to the subject median', () => {
    const md = renderTable({
      title: 'T',
      subject: 'me',
      rows: [
        { name: 'me', samples: [100, 200, 300] },
        { name: 'peer', samples: [500, 500] },
      ],
      notes: ['n'],
    });
    assert.match(md, /\| me \| 3 \| 200 ms \| 100 ms – 300 ms \| 1\.00 \|/);
    assert.match(md, /\| peer \| 2 \| 500 ms \| 500 ms – 500 ms \| 2\.50 \|/);
    assert.match(md, /^- n$/m);
  });

  it("says when the host's speed moved during a run (the CPU reference before and after more than 10% apart)", () => {
    assert.equal(hostSpeedNote(104, 104), '');
    assert.equal(hostSpeedNote(100, 110), '', 'within 10%: held');
    assert.match(hostSpeedNote(104, 149), /speed moved during this run.*104 -> 149 ms/);
    assert.match(hostSpeedNote(149, 104), /speed moved/, 'faster counts too');
  });
});
