import assert from 'node:assert/strict';
import { Slots } from '../../../src/core/registry/slots';

/** A task that runs until released, recording how many ran at once. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('registry request slots', () => {
  it('ordinary tasks take at most size - 1 slots; a first task (the next tag page) starts at once beside them', async () => {
    const slots = new Slots(4);
    let running = 0;
    let most = 0;
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const task = (name: string) => () => {
      running++;
      most = Math.max(most, running);
      started.push(name);
      const g = gate();
      gates.set(name, g);
      return g.opened.then(() => void running--);
    };
    const ordinary = ['a', 'b', 'c', 'd', 'e'].map((n) => slots.run(task(n)));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a', 'b', 'c'], 'three of four slots for ordinary tasks');
    const page = slots.run(task('page'), true);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a', 'b', 'c', 'page'], 'the page did not wait for the HEADs');
    gates.get('page')!.open();
    await page;
    gates.get('a')!.open();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a', 'b', 'c', 'page', 'd'], 'the queue goes on in order');
    for (const n of ['b', 'c', 'd']) gates.get(n)!.open();
    await new Promise((r) => setImmediate(r));
    gates.get('e')!.open();
    await Promise.all(ordinary);
    assert.equal(most, 4);
    assert.equal(running, 0);
  });

  it('a waiting first task goes ahead of waiting ordinary ones; one slot means one task at a time', async () => {
    const slots = new Slots(1);
    const order: string[] = [];
    const hold = gate();
    const first = slots.run(() => hold.opened.then(() => void order.push('held')));
    const later = slots.run(async () => void order.push('ordinary'));
    const page = slots.run(async () => void order.push('page'), true);
    hold.open();
    await Promise.all([first, later, page]);
    assert.deepEqual(order, ['held', 'page', 'ordinary']);
  });
});
